"""Frame import: CSV and JSON Lines, mappings, idempotent re-import, all-or-nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from survey_service.cli import main
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import Dossier, DossierContact
from tests.seed import COMMUNE_CODE, WARD_CODE, seed_small_city

HEADER = (
    "dossier_code,unit_code,procedure_code,field_code,channel,applicant_kind,applicant_id,"
    "phone,email,received_on,result_on,on_time"
)
GOOD = [
    f"H26-0001,{COMMUNE_CODE},1.001193,HT,in_person,citizen,001090000001,0912345678,,2025-07-01,2025-07-03,true",
    f"H26-0002,{WARD_CODE},1.000656,CT,online,organisation,0101234567,,ke.toan@example.vn,02/07/2025,05/07/2025,1",
    f'H26-0003,{WARD_CODE},1.000656,CT,"trực tuyến",1,,+84 912 000 111,,2025-07-02,2025-07-02,có',
]


def _run(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["frame", "import", "--quiet", *args], env={"SURVEY_DATABASE_URL": url}
    )
    return result.exit_code, result.output


def _dossiers(url: str) -> dict[str, tuple[str, str, str | None]]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    Dossier.code, Dossier.channel, Dossier.applicant_kind, DossierContact.phone
                ).outerjoin(DossierContact, DossierContact.dossier_id == Dossier.id)
            )
            return {code: (channel, kind, phone) for code, channel, kind, phone in rows}
    finally:
        engine.dispose()


def _write(path: Path, lines: list[str], *, bom: bool = False, delimiter: str = ",") -> Path:
    text = "\n".join([HEADER, *lines]) + "\n"
    if delimiter != ",":
        rows = list(csv.reader(text.splitlines()))
        text = (
            "\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in r) for r in rows)
            + "\n"
        )
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def test_csv_import_then_reimport_updates_without_duplicates(
    fx_any_backend_url: str, tmp_path: Path
) -> None:
    url = fx_any_backend_url
    seed_small_city(url)
    code, output = _run(url, str(_write(tmp_path / "frame.csv", GOOD, bom=True)))
    assert code == 0, output
    assert "3 records read, 3 imported (3 new, 0 updated), 0 rejected" in output
    assert _dossiers(url) == {
        "H26-0001": ("in_person", "citizen", "0912345678"),
        "H26-0002": ("online", "organisation", None),
        "H26-0003": ("online", "citizen", "0912000111"),
    }
    changed = [GOOD[0].replace("in_person", "postal"), GOOD[1]]
    code, output = _run(url, str(_write(tmp_path / "again.csv", changed)))
    assert code == 0, output
    assert "2 imported (0 new, 2 updated)" in output
    assert _dossiers(url)["H26-0001"][0] == "postal"
    assert len(_dossiers(url)) == 3


def test_semicolon_csv_with_mapping_file(fx_database_url: str, tmp_path: Path) -> None:
    seed_small_city(fx_database_url)
    source = tmp_path / "opencps.csv"
    source.write_text(
        "MaHoSo;DonViXuLy;MaTTHC;MaLinhVuc;HinhThuc;LoaiDoiTuong;NgayTiepNhan;NgayTra\n"
        f"A-1;{COMMUNE_CODE};1.001193;HT;1;1;01/07/2025 08:00:00;03/07/2025 16:30:00\n"
        f"A-2;{COMMUNE_CODE};1.001193;HT;3;2;01/07/2025 09:00:00;04/07/2025 10:00:00\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "opencps.toml"
    mapping.write_text(
        '[columns]\ndossier_code = "MaHoSo"\nunit_code = "DonViXuLy"\nprocedure_code = "MaTTHC"\n'
        'field_code = "MaLinhVuc"\nchannel = "HinhThuc"\napplicant_kind = "LoaiDoiTuong"\n'
        'received_on = "NgayTiepNhan"\nresult_on = "NgayTra"\n'
        '[values.channel]\n"1" = "in_person"\n"2" = "online"\n"3" = "postal"\n',
        encoding="utf-8",
    )
    code, output = _run(fx_database_url, str(source), "--mapping", str(mapping))
    assert code == 0, output
    assert _dossiers(fx_database_url) == {
        "A-1": ("in_person", "citizen", None),
        "A-2": ("postal", "organisation", None),
    }


def test_jsonl_import(fx_database_url: str, tmp_path: Path) -> None:
    seed_small_city(fx_database_url)
    source = tmp_path / "frame.jsonl"
    source.write_text(
        '{"dossier_code": "J-1", "unit_code": "UNIT", "procedure_code": "1.001193", '
        '"field_code": "HT", "channel": "online", "applicant_kind": "citizen", '
        '"received_on": "2025-08-01", "result_on": "2025-08-02", "on_time": false}\n'.replace(
            "UNIT", COMMUNE_CODE
        ),
        encoding="utf-8",
    )
    code, output = _run(fx_database_url, str(source))
    assert code == 0, output
    assert _dossiers(fx_database_url) == {"J-1": ("online", "citizen", None)}


BAD = [
    "B-1,X-KHONGCO,1.001193,HT,online,citizen,,,,2025-07-01,2025-07-03,true",
    f"B-2,{COMMUNE_CODE},1.001193,HT,fax,citizen,,,,2025-07-01,2025-07-03,true",
    f"B-3,{COMMUNE_CODE},1.001193,HT,online,citizen,,12345,,2025-07-05,2025-07-03,true",
    f"B-4,{COMMUNE_CODE},,HT,online,citizen,,,,31/02/2025,2025-07-03,maybe",
]


def test_bad_rows_import_nothing_and_are_reported(fx_any_backend_url: str, tmp_path: Path) -> None:
    url = fx_any_backend_url
    seed_small_city(url)
    source = _write(tmp_path / "mixed.csv", GOOD + BAD)
    code, output = _run(url, str(source))
    assert code == 1
    assert "4 bad rows: nothing was imported" in output
    assert _dossiers(url) == {}
    with (tmp_path / "mixed.csv.rejected.csv").open(encoding="utf-8") as handle:
        report = [(r["line"], r["column"], r["reason"]) for r in csv.DictReader(handle)]
    assert report == [
        ("5", "unit_code", "unknown unit code (an import never creates units)"),
        ("6", "channel", "channel must be in_person, online or postal"),
        ("7", "result_on", "result date before the date received"),
        ("7", "phone", "not a Vietnamese phone number"),
        ("8", "procedure_code", "missing value"),
        ("8", "received_on", "not a date (YYYY-MM-DD or DD/MM/YYYY)"),
        ("8", "on_time", "on-time flag must be true or false"),
    ]
    code, output = _run(url, str(source), "--skip-bad")
    assert code == 0, output
    assert "7 records read, 3 imported (3 new, 0 updated), 4 rejected" in output
    assert sorted(_dossiers(url)) == ["H26-0001", "H26-0002", "H26-0003"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        ("dossier_code\nH\xe1\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_unreadable_files_import_nothing(
    fx_database_url: str, tmp_path: Path, content: bytes, message: str
) -> None:
    seed_small_city(fx_database_url)
    source = tmp_path / "broken.csv"
    source.write_bytes(content)
    code, output = _run(fx_database_url, str(source))
    assert code == 1
    assert message in output
    assert "nothing was imported" in output


def test_applicant_identifier_is_kept_only_as_a_keyed_hash(
    fx_database_url: str, tmp_path: Path
) -> None:
    seed_small_city(fx_database_url)
    _run(fx_database_url, str(_write(tmp_path / "f.csv", GOOD)))
    engine = make_sync_engine(fx_database_url)
    with engine.connect() as conn:
        keys = dict(conn.execute(select(Dossier.code, Dossier.applicant_key)).all())
        count = conn.scalar(select(func.count()).select_from(DossierContact))
    engine.dispose()
    assert keys["H26-0003"] is None
    key = keys["H26-0001"]
    assert key is not None
    assert len(key) == 64
    assert "001090000001" not in key
    assert count == 3


def test_jsonl_bad_line_is_a_reported_row(fx_database_url: str, tmp_path: Path) -> None:
    seed_small_city(fx_database_url)
    source = tmp_path / "frame.jsonl"
    good = (
        '{"dossier_code": "J-1", "unit_code": "UNIT", "procedure_code": "1.001193", '
        '"field_code": "HT", "channel": "online", "applicant_kind": "citizen", '
        '"received_on": "2025-08-01", "result_on": "2025-08-02"}'
    ).replace("UNIT", COMMUNE_CODE)
    source.write_text(good + "\n{not json\n", encoding="utf-8")
    code, output = _run(fx_database_url, str(source), "--skip-bad")
    assert code == 0, output
    assert "2 records read, 1 imported (1 new, 0 updated), 1 rejected" in output
    report = (tmp_path / "frame.jsonl.rejected.csv").read_text(encoding="utf-8")
    assert report.splitlines()[1].startswith("2,,,not a JSON object")


def test_bulk_api_imports_csv_and_refuses_bad_frames(fx_database_url: str) -> None:
    from litestar.testing import TestClient

    from survey_service.app import create_app
    from survey_service.auth import create_api_token
    from survey_service.config import Settings

    seed_small_city(fx_database_url)
    engine = make_sync_engine(fx_database_url)
    with engine.begin() as conn:
        token = create_api_token(conn, "mot-cua")
    engine.dispose()
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    settings = Settings(database_url=fx_database_url, secret_key="f" * 40, environment="test")
    good = ("\n".join([HEADER, *GOOD]) + "\n").encode()
    bad = ("\n".join([HEADER, *GOOD, BAD[0]]) + "\n").encode()
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/frame", content=good).status_code == 401
        refused = client.post("/api/frame", content=bad, headers=auth)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["column"] == "unit_code"
        assert _dossiers(fx_database_url) == {}
        done = client.post("/api/frame", content=good, headers=auth)
        assert done.status_code == 200
        assert done.json()["inserted"] == 3
        wrong = client.post(
            "/api/frame", content=b"{}", headers={**auth, "Content-Type": "application/json"}
        )
        assert wrong.status_code == 415
    assert len(_dossiers(fx_database_url)) == 3


@pytest.mark.parametrize("skip_bad", [True, False])
def test_sqlite_cache_is_put_back_after_an_import(
    fx_sqlite_url: str, tmp_path: Path, skip_bad: bool
) -> None:
    from survey_service.features.frame.importer import import_frame
    from survey_service.features.frame.mapping import ColumnMapping

    seed_small_city(fx_sqlite_url)
    frame = _write(tmp_path / "frame.csv", [*GOOD, "H26-9,NOWHERE,1,HT,online,citizen"])
    engine = make_sync_engine(fx_sqlite_url)
    try:
        with engine.connect() as conn:
            default = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        with frame.open("rb") as handle:
            done = import_frame(
                engine, handle, frame.name, ColumnMapping(), "s" * 40, skip_bad=skip_bad
            )
        assert done.committed is skip_bad
        with engine.connect() as conn:  # the pool hands back the import's connection
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == default
    finally:
        engine.dispose()


@pytest.mark.parametrize("skip_bad", [True, False])
def test_postgres_import_settings_end_with_its_transaction(
    fx_postgres_url: str, tmp_path: Path, skip_bad: bool
) -> None:
    from survey_service.features.frame.importer import import_frame
    from survey_service.features.frame.mapping import ColumnMapping

    seed_small_city(fx_postgres_url)
    frame = _write(tmp_path / "frame.csv", [*GOOD, "H26-9,NOWHERE,1,HT,online,citizen"])
    engine = make_sync_engine(fx_postgres_url, pool_size=1, max_overflow=0)
    names = ("enable_seqscan", "jit", "synchronous_commit")
    try:
        with engine.connect() as conn:
            before = [conn.exec_driver_sql(f"SHOW {name}").scalar() for name in names]
        with frame.open("rb") as handle:
            done = import_frame(
                engine, handle, frame.name, ColumnMapping(), "s" * 40, skip_bad=skip_bad
            )
        assert done.committed is skip_bad
        assert done.imported == (3 if skip_bad else 0)
        with engine.connect() as conn:  # the pool hands back the import's connection
            assert [conn.exec_driver_sql(f"SHOW {name}").scalar() for name in names] == before
            assert conn.scalar(select(func.count()).select_from(Dossier)) == (3 if skip_bad else 0)
    finally:
        engine.dispose()
