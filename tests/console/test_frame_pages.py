"""Frame imports from the console: the rejected-rows report, all or nothing, mappings, history."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlalchemy import select

from survey_service.db.models import AuditEntry, Dossier
from tests.console.conftest import City
from tests.console.html import figure, table
from tests.samples.city import HEADER, count, query
from tests.seed import COMMUNE_CODE, WARD_CODE
from tests.staff import csrf_token

GOOD = [
    f"C-0001,{COMMUNE_CODE},1.001,HT,in_person,citizen,0010900000001,0912345678,,"
    "2025-08-01,2025-08-03,true",
    f"C-0002,{WARD_CODE},1.002,CT,online,citizen,0010900000002,,a@example.vn,"
    "2025-08-02,2025-08-04,true",
    f"C-0003,{WARD_CODE},1.003,DD,postal,organisation,0010900000003,,,2025-08-05,2025-08-06,false",
]
BAD = [
    # line 5: a unit nobody knows
    "C-0004,X-NOWHERE,1.001,HT,in_person,citizen,0010900000004,,,2025-08-01,2025-08-03,true",
    # line 6: the result before the dossier was received
    f"C-0005,{COMMUNE_CODE},1.001,HT,in_person,citizen,0010900000005,,,2025-08-09,2025-08-03,true",
]


def _upload(
    staff: TestClient,  # type: ignore[type-arg]
    lines: list[str],
    *,
    skip_bad: bool = False,
    mapping: bytes | None = None,
    header: str = HEADER,
) -> tuple[int, str]:
    data = {"_csrf_token": csrf_token(staff), "mapping_choice": "standard"}
    if skip_bad:
        data["skip_bad"] = "1"
    files = {"file": ("ho-so.csv", ("\n".join([header, *lines]) + "\n").encode(), "text/csv")}
    if mapping is not None:
        data["mapping_choice"] = "file"
        files["mapping"] = ("mapping.toml", mapping, "application/toml")
    reply = staff.post("/staff/console/frame", data=data, files=files)
    return reply.status_code, reply.text


def test_bad_rows_are_reported_and_nothing_is_stored(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    before = count(fx_city.url, Dossier)
    status, page = _upload(fx_statistician, GOOD + BAD)
    assert status == 422
    assert "nothing was imported" in page or "không dòng nào được nhập" in page
    assert figure(page, "records") == "5"
    assert figure(page, "imported") == "0"
    assert figure(page, "rejected") == "2"
    header, *rows = table(page, "rejected-rows")
    assert header == ["Dòng", "Cột", "Giá trị", "Lý do"]
    by_line = {int(r[0]): r for r in rows}
    assert set(by_line) == {5, 6}
    assert by_line[5][1:3] == ["unit_code", "X-NOWHERE"]
    assert by_line[6][1] in ("result_on", "received_on")
    assert all(r[3] for r in rows), "every rejected row says why"
    assert count(fx_city.url, Dossier) == before
    assert query(fx_city.url, select(Dossier.id).where(Dossier.code.like("C-%"))) == []


def test_skip_bad_imports_the_good_rows_and_history_lists_both(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    before = count(fx_city.url, Dossier)
    _upload(fx_statistician, GOOD + BAD)
    status, page = _upload(fx_statistician, GOOD + BAD, skip_bad=True)
    assert status == 200
    assert (figure(page, "imported"), figure(page, "inserted")) == ("3", "3")
    assert figure(page, "rejected") == "2"
    assert count(fx_city.url, Dossier) == before + 3
    again_status, again = _upload(fx_statistician, GOOD)
    assert again_status == 200
    assert (figure(again, "inserted"), figure(again, "updated")) == ("0", "3")
    assert count(fx_city.url, Dossier) == before + 3
    _header, *history = table(again, "past-imports")
    # Newest first: file, user, records, imported, rejected, stored.
    assert [r[1:] for r in history] == [
        ["ho-so.csv", "statistician", "3", "3", "0", "Có"],
        ["ho-so.csv", "statistician", "5", "3", "2", "Có"],
        ["ho-so.csv", "statistician", "5", "0", "2", "Không"],
    ]
    actions = query(fx_city.url, select(AuditEntry.action).where(AuditEntry.user_id.is_not(None)))
    assert [a for (a,) in actions].count("console.frame_import") == 3


def test_a_mapping_file_renames_columns(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    mapping = b'[columns]\ndossier_code = "MaHoSo"\nunit_code = "DonVi"\n'
    header = HEADER.replace("dossier_code", "MaHoSo").replace("unit_code", "DonVi")
    status, page = _upload(fx_statistician, GOOD, mapping=mapping, header=header)
    assert status == 200, page
    assert figure(page, "inserted") == "3"
    codes = query(fx_city.url, select(Dossier.code).where(Dossier.code.like("C-%")))
    assert sorted(c for (c,) in codes) == ["C-0001", "C-0002", "C-0003"]


def test_a_broken_mapping_or_file_is_a_message_and_changes_nothing(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    before = count(fx_city.url, Dossier)
    status, page = _upload(fx_statistician, GOOD, mapping=b'[columns]\nnot_a_field = "X"\n')
    assert status == 422
    assert "mapping.toml: unknown frame fields in [columns]: not_a_field" in page
    token = csrf_token(fx_statistician)
    latin1 = ("x.csv", (HEADER + "\nC-9,Hà Nội\n").encode("latin-1", "replace"), "text/csv")
    reply = fx_statistician.post(
        "/staff/console/frame", data={"_csrf_token": token}, files={"file": latin1}
    )
    assert reply.status_code == 422
    wrong = ("x.xlsx", b"PK", "application/octet-stream")
    reply = fx_statistician.post(
        "/staff/console/frame", data={"_csrf_token": token}, files={"file": wrong}
    )
    assert reply.status_code == 422
    assert ".csv" in reply.text
    assert count(fx_city.url, Dossier) == before


def test_the_console_speaks_english_when_asked(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    switched = fx_statistician.post(
        "/staff/language",
        data={
            "lang": "en",
            "next": "/staff/console/frame",
            "_csrf_token": csrf_token(fx_statistician),
        },
        follow_redirects=False,
    )
    assert switched.status_code == 303
    status, page = _upload(fx_statistician, BAD)
    assert status == 422
    assert '<html lang="en">' in page
    assert "Some rows are bad, so nothing was imported." in page
    header, *_rows = table(page, "rejected-rows")
    assert header == ["Line", "Column", "Value", "Reason"]
    home = fx_statistician.get("/staff/console")
    assert "Statistician console" in home.text
    assert "Sample designs" in home.text


def test_a_frame_larger_than_the_body_limit_and_the_upload_spool_is_streamed(
    fx_city: City,
    fx_statistician: TestClient,  # type: ignore[type-arg]
) -> None:
    before = count(fx_city.url, Dossier)
    lines = [
        f"L-{i:06d},{COMMUNE_CODE},1.001,HT,online,citizen,00{i:011d},0912345678,,"
        "2025-08-01,2025-08-03,true"
        for i in range(12_000)
    ]
    size = len("\n".join(lines))
    # Above the app's default body limit (64 kB) and the size from which the upload's
    # temporary file moves to disk (1 MB): the importer reads that file as a stream.
    assert size > 1024 * 1024
    status, page = _upload(fx_statistician, lines)
    assert status == 200, page
    assert figure(page, "inserted") == "12,000"
    assert count(fx_city.url, Dossier) == before + 12_000
