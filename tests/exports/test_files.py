"""What the export files hold: estimates as CSV and XLSX, microdata without contact data."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from analysis import find_estimate
from instruments import Instrument, load_bundled
from survey_service.cli import main
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import Answer, DossierContact, Response, Unit
from survey_service.features.dashboards.published import latest_snapshots
from survey_service.features.dashboards.snapshot import publish_results
from survey_service.features.exports.codebook import make_variables, reproduce_commands
from survey_service.features.exports.estimates import make_estimates_table
from survey_service.features.exports.microdata import microdata_zip
from survey_service.features.indices.service import estimate_survey, load_survey_data

SURVEY = "DEMO-2025-Q3"
RTOL = 1e-12
CITY_NAME = "Thành phố Hà Nội"


def _run(url: str, *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env={"SURVEY_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return result.output


def _service(url: str):  # type: ignore[no-untyped-def]
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        estimates = estimate_survey(load_survey_data(conn, SURVEY))
    engine.dispose()
    return estimates


def test_estimates_csv_opens_with_the_csv_module_and_keeps_vietnamese(
    fx_demo_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "q3.csv"
    shown = _run(fx_demo_url, "export", "estimates", SURVEY, "--source", "live", "-o", str(path))
    assert "1850 estimates of 185 units (csv; live estimates (not published))" in shown
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    city = [r for r in rows if r["unit_code"] == "HN"]
    assert city[0]["unit_name"] == CITY_NAME
    assert unicodedata.is_normalized("NFC", raw.decode("utf-8-sig"))
    assert [r["level"] for r in city[:2]] == ["overall", "element"]
    expected = find_estimate(_service(fx_demo_url).estimates, "overall_index", "HN")
    assert float(city[0]["estimate"]) == pytest.approx(expected.estimate, rel=RTOL)
    assert float(city[0]["se"]) == pytest.approx(expected.se, rel=RTOL)
    assert (city[0]["ci_method"], city[0]["flag"], int(city[0]["n"])) == (
        expected.method, expected.flag, expected.n,
    )  # fmt: skip
    assert city[0]["label_vi"] == "Chỉ số chung"


def test_estimates_xlsx_opens_with_openpyxl_and_has_the_services_values(
    fx_demo_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "q3.xlsx"
    _run(fx_demo_url, "export", "estimates", SURVEY, "--format", "xlsx", "-o", str(path))
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["estimates", "README"]
    sheet = book["estimates"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 1850
    by_key = {(r[header.index("unit_code")], r[header.index("variable")]): r for r in body}
    service = _service(fx_demo_url)
    for e in service.estimates[:: max(1, len(service.estimates) // 200)]:
        row = by_key[e.domain, e.variable]
        assert row[header.index("estimate")] == pytest.approx(e.estimate, rel=RTOL)
        assert row[header.index("ci_low")] == pytest.approx(e.ci_low, rel=RTOL)
        assert row[header.index("n")] == e.n
    assert by_key["HN", "overall_index"][header.index("unit_name")] == CITY_NAME
    readme = {str(r[0]): str(r[1]) for r in book["README"].iter_rows(values_only=True)}
    assert str(readme["Khảo sát / Survey"]).startswith(SURVEY)
    assert "base weights" in str(readme["Trọng số / Weights"])
    assert "adjust" in str(readme["Phương pháp / Method"])
    book.close()


def test_a_scoped_estimates_table_holds_only_the_visible_units(fx_demo_url: str) -> None:
    estimates = _service(fx_demo_url)
    units = estimates.data.units
    commune = next(e.domain for e in estimates.estimates if e.domain and e.domain.startswith("X"))
    unit_id = int(units.ids[units.codes.index(commune)])
    table = make_estimates_table(estimates, frozenset({unit_id, 10**9}))
    assert {r.unit_code for r in table.rows} == {commune}
    assert table.scoped
    assert table.units == 1
    assert make_estimates_table(estimates, frozenset()).rows == []


def _contacts(url: str) -> tuple[set[str], set[str]]:
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(DossierContact.phone, DossierContact.email)).all()
    engine.dispose()
    return {r.phone for r in rows if r.phone}, {r.email for r in rows if r.email}


def test_microdata_holds_no_contact_data_and_no_comments_by_default(
    fx_demo_url: str, tmp_path: Path
) -> None:
    directory = tmp_path / "md"
    _run(fx_demo_url, "export", "microdata", SURVEY, "-o", str(directory), "--quiet")
    text = {
        name: (directory / name).read_text("utf-8")
        for name in ("microdata.csv", "codebook.json", "codebook.md")
    }
    header = text["microdata.csv"].splitlines()[0].split(",")
    assert header[:8] == [
        "respondent_id",
        "unit",
        "stratum",
        "psu",
        "fpc",
        "weight",
        "mode",
        "language",
    ]
    for word in ("phone", "email", "mail", "dossier", "key", "token", "client", "comment"):
        assert not [h for h in header if word in h], word
    phones, emails = _contacts(fx_demo_url)
    assert len(phones) > 1000  # the demo has contact data to leak
    assert len(emails) > 100
    everything = "\n".join(text.values())
    engine = make_sync_engine(fx_demo_url)
    with engine.connect() as conn:
        comments = {t for t in conn.scalars(select(Answer.text)) if t}
    engine.dispose()
    assert comments
    assert not [c for c in comments if c in everything]
    assert not [p for p in phones if p in everything]
    assert not [e for e in emails if e in everything]
    assert "@" not in text["microdata.csv"]
    rows = list(csv.DictReader(io.StringIO(text["microdata.csv"], newline="")))
    assert [int(r["respondent_id"]) for r in rows] == list(range(1, len(rows) + 1))
    book = json.loads(text["codebook.json"])
    assert book["rows"] == len(rows)
    assert [v["name"] for v in book["variables"]] == header


def test_comments_only_on_request(fx_demo_url: str) -> None:
    engine = make_sync_engine(fx_demo_url)
    with engine.connect() as conn:
        buffer = io.BytesIO()
        summary = microdata_zip(conn, SURVEY, buffer, comments=True)
    engine.dispose()
    with zipfile.ZipFile(buffer) as archive:
        assert archive.namelist() == summary.files
        data = archive.read(f"{SURVEY}-microdata/microdata.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    assert sum(bool(r["comment"]) for r in rows) > 100


def test_rows_are_grouped_by_unit_in_an_order_unrelated_to_the_database(
    fx_demo_url: str,
) -> None:
    engine = make_sync_engine(fx_demo_url)
    with engine.connect() as conn:
        in_id_order = conn.execute(
            select(Unit.code, Answer.value)
            .join(Response, Response.unit_id == Unit.id)
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.survey_id == 1, Response.sample_member_id.is_not(None))
            .where(Answer.item_code == "access_facilities")
            .order_by(Response.id)
        ).all()
        buffer = io.BytesIO()
        microdata_zip(conn, SURVEY, buffer, rng=np.random.default_rng(7))
    engine.dispose()
    with zipfile.ZipFile(buffer) as archive:
        data = archive.read(f"{SURVEY}-microdata/microdata.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    assert [int(r["respondent_id"]) for r in rows] == list(range(1, len(rows) + 1))
    assert [r["psu"] for r in rows] == [r["respondent_id"] for r in rows]
    units = [r["unit"] for r in rows]
    blocks = [u for k, u in enumerate(units) if k == 0 or u != units[k - 1]]
    assert len(blocks) == len(set(units))  # each unit's rows in one block
    file_order = [(r["unit"], int(r["access_facilities"])) for r in rows]
    assert file_order != [tuple(r) for r in in_id_order]
    assert sorted(file_order) == sorted(tuple(r) for r in in_id_order)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["estimates", "NOPE", "-o", "x.csv"], "no survey with code 'NOPE'"),
        (["microdata", "NOPE", "-o", "out", "--quiet"], "no survey with code 'NOPE'"),
        (["estimates", "DEMO-2025-Q3", "-o", "x.csv", "--weight-set", "999"], "weight set 999"),
    ],
)
def test_export_errors_are_one_line(
    fx_demo_url: str, tmp_path: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["export", *args], env={"SURVEY_DATABASE_URL": fx_demo_url})
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "x.csv").exists()


def test_the_sipas_codebook_declares_not_applicable_as_missing() -> None:
    instrument: Instrument = load_bundled("sipas", 1)
    variables = make_variables(instrument)
    seats = next(v for v in variables if v.name == "access_seats")
    assert [m.value for m in seats.missing] == [9]
    assert seats.satisfied == [4, 5]
    assert "--missing 9" in reproduce_commands(variables)[0]


def test_the_published_snapshot_exports_the_same_figures_as_live_estimates(
    fx_demo_url: str, tmp_path: Path
) -> None:
    """The dashboards show the snapshot; nothing changed since, so every cell is equal."""
    engine = make_sync_engine(fx_demo_url)
    with engine.begin() as conn:
        if not any(s.survey_code == SURVEY for s in latest_snapshots(conn)):
            publish_results(conn, SURVEY, by_user_id=None)
    engine.dispose()
    published, live = tmp_path / "published.csv", tmp_path / "live.csv"
    shown = _run(fx_demo_url, "export", "estimates", SURVEY, "-o", str(published))
    assert "(csv; published snapshot" in shown
    _run(fx_demo_url, "export", "estimates", SURVEY, "--source", "live", "-o", str(live))
    assert published.read_bytes() == live.read_bytes()
    result = CliRunner().invoke(
        main,
        ["export", "estimates", SURVEY, "--source", "published", "--level", "0.9", "-o", "x"],
        env={"SURVEY_DATABASE_URL": fx_demo_url},
    )
    assert result.exit_code == 1
    assert "a published snapshot has its own weights and options" in result.output
    q4 = ["export", "estimates", "DEMO-2025-Q4", "--source", "published", "-o", "x.csv"]
    result = CliRunner().invoke(main, q4, env={"SURVEY_DATABASE_URL": fx_demo_url})
    assert result.exit_code == 1
    assert "has no published results: run 'survey-service publish DEMO-2025-Q4'" in result.output
