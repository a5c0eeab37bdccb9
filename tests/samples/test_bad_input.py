"""Bad input to the sample commands: a clear one-line error, and nothing written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from survey_service.db.models import FieldworkEvent, SampleDesign, SampleMember, Stratum
from survey_service.features.samples.frame import person_key
from survey_service.features.samples.invitations import link_expiry
from tests.samples.city import DESIGN_FILE, SURVEY, count, members, query, run, seed_frame


@pytest.fixture
def fx_frame(fx_database_url: str, tmp_path: Path) -> str:
    seed_frame(fx_database_url, tmp_path, n=300)
    return fx_database_url


def _design(tmp_path: Path, name: str, change: tuple[str, str] | None = None) -> Path:
    text = DESIGN_FILE.read_text(encoding="utf-8")
    if change is not None:
        assert change[0] in text
        text = text.replace(*change)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("d.toml", ("margin = 0.15", "margin = 2"), "$.size.margin"),
        ("d.toml", ("[exclusions]", "colour = 1\n[exclusions]"), "unknown field `colour`"),
        ("d.yaml", None, "a design file ends in .toml or .json"),
        (
            "d.toml",
            ('strata = ["unit", "channel"]', 'strata = ["unit"]\npopulation = {units = ["NO"]}'),
            "unknown unit codes in population.units: ['NO']",
        ),
        (
            "d.toml",
            ('strata = ["unit", "channel"]', 'strata = ["unit"]\npopulation = {units = ["HN"]}'),
            "units not covered by survey T-2025-Q3: ['HN']",
        ),
    ],
)
def test_bad_design_files_are_refused(
    fx_frame: str, tmp_path: Path, name: str, change: tuple[str, str] | None, message: str
) -> None:
    result = run(fx_frame, "sample", "design", "add", SURVEY, str(_design(tmp_path, name, change)))
    assert result.exit_code == 1
    assert message in result.output
    assert count(fx_frame, SampleDesign) == 0


def test_commands_in_the_wrong_order_say_what_to_do(fx_frame: str, tmp_path: Path) -> None:
    url = fx_frame
    unknown = run(url, "sample", "design", "add", "NOPE", str(DESIGN_FILE))
    assert "no survey with code 'NOPE'" in unknown.output
    assert "add one with 'sample design add'" in run(url, "sample", "preview", SURVEY).output
    out = tmp_path / "inv.csv"
    early = run(url, "invitations", "export", SURVEY, "--out", str(out))
    assert early.exit_code == 1
    assert "has no drawn sample design: run 'sample draw'" in early.output
    assert not out.exists()
    assert "run 'sample draw'" in run(url, "fieldwork", "rates", SURVEY).output
    assert "run 'sample draw'" in run(url, "weights", "compute", SURVEY, "--quiet").output
    assert "run 'weights compute'" in run(url, "weights", "show", SURVEY).output
    wrong = run(url, "weights", "compute", SURVEY, "--calibrate", "unit,age")
    assert wrong.exit_code == 2
    assert "age: use unit, channel and/or field" in wrong.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("[exclusions]", "[population]\nperiod_start = 2024-01-01\nperiod_end = 2024-03-31\n"
                          "[exclusions]"), "no eligible dossiers"),
        (('method = "systematic"', 'method = "pps"\nsize_measure = "fee"'), "PPS selection"),
    ],
)  # fmt: skip
def test_a_failed_draw_leaves_the_design_undrawn(
    fx_frame: str, tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    url = fx_frame
    added = run(url, "sample", "design", "add", SURVEY, str(_design(tmp_path, "d.toml", change)))
    assert added.exit_code == 0, added.output
    result = run(url, "sample", "draw", SURVEY, "--seed", "1", "--quiet")
    assert result.exit_code == 1
    assert message in result.output
    assert query(url, select(SampleDesign.drawn_at, SampleDesign.seed)) == [(None, None)]
    assert count(url, Stratum) == 0
    assert count(url, SampleMember) == 0


def test_bad_fieldwork_files(fx_frame: str, tmp_path: Path) -> None:
    url = fx_frame
    assert run(url, "sample", "design", "add", SURVEY, str(DESIGN_FILE)).exit_code == 0
    assert run(url, "sample", "draw", SURVEY, "--seed", "3", "--quiet").exit_code == 0
    code = members(url)[0][1]
    header = "dossier_code,outcome,recorded_at\n"
    cases = {
        "columns.csv": ("dossier_code,result\nX,refused\n", "utf-8", "missing column(s) outcome"),
        "utf16.csv": (header + "X,refused,2025-10-01\n", "utf-16", "not UTF-8 text"),
        "future.csv": (header + f"{code},refused,2999-01-01\n", "utf-8", "is in the future"),
        "empty.csv": (header + ",refused,2025-10-01\n", "utf-8", "dossier_code is empty"),
    }
    for name, (content, encoding, message) in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding=encoding)
        result = run(url, "fieldwork", "import", str(path))
        assert result.exit_code == 1, name
        assert message in result.output, (name, result.output)
    assert count(url, FieldworkEvent) == 0


def test_person_keys_and_link_expiry() -> None:
    assert person_key(None, 42) == -42
    assert person_key("0f" * 32, 1) == int("0f0f0f0f0f0f0f0", 16)
    assert person_key("not-hex-at-all", 1) == person_key("not-hex-at-all", 2) > 0
    noon = dt.datetime(2025, 11, 30, 5, 0, tzinfo=dt.UTC)  # 12:00 in Hà Nội
    assert link_expiry(30, noon) == dt.datetime(2025, 12, 30, 16, 59, 59, tzinfo=dt.UTC)
    late = dt.datetime(2025, 11, 30, 18, 0, tzinfo=dt.UTC)  # already 1 December there
    assert link_expiry(1, late) == dt.datetime(2025, 12, 2, 16, 59, 59, tzinfo=dt.UTC)
