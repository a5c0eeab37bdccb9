"""``survey-service estimate --missing`` and ``--indices``: not-applicable codes leave the
denominators, as the service leaves them out; bad input is one line, exit code 2.

The expected values are the same file with the not-applicable cells emptied: a code
declared missing must give exactly what an empty cell gives.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from survey_service.cli import main

DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu", "--fpc", "fpc"]
RULES = ["--lonely-psu", "adjust", "--format", "json"]
NA = "9"


@pytest.fixture(scope="module")
def fx_files(fx_demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo microdata with every 7th access answer made 'not applicable' (9), a copy
    with those cells empty, and a codebook that declares 9 missing for that item."""
    directory = tmp_path_factory.mktemp("na")
    result = CliRunner().invoke(
        main,
        ["export", "microdata", "DEMO-2025-Q3", "-o", str(directory), "--quiet"],
        env={"SURVEY_DATABASE_URL": fx_demo_url},
    )
    assert result.exit_code == 0, result.output
    text = (directory / "microdata.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for name, fill in (("coded.csv", NA), ("blank.csv", "")):
        with (directory / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            for k, row in enumerate(rows):
                writer.writerow({**row, "access_facilities": fill} if k % 7 == 0 else row)
    book = json.loads((directory / "codebook.json").read_text("utf-8"))
    for variable in book["variables"]:
        if variable["name"] == "access_facilities":
            variable["missing"] = [{"value": 9, "label": {"vi": "Không áp dụng", "en": "N/A"}}]
    (directory / "codebook-na.json").write_text(json.dumps(book), encoding="utf-8")
    return directory


def _estimate(args: list[str]) -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, ["estimate", *args, *DESIGN, *RULES])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_missing_codes_are_read_like_empty_cells(fx_files: Path) -> None:
    share = ["--var", "access_facilities", "--satisfied", "4,5", "--by", "unit"]
    coded = _estimate([str(fx_files / "coded.csv"), *share, "--missing", NA])
    blank = _estimate([str(fx_files / "blank.csv"), *share])
    wrong = _estimate([str(fx_files / "coded.csv"), *share])
    assert coded == blank
    assert coded != wrong  # without --missing, 9 counts as "not satisfied"


def test_the_codebook_carries_the_not_applicable_code(fx_files: Path) -> None:
    coded = _estimate(
        [str(fx_files / "coded.csv"), "--indices", str(fx_files / "codebook-na.json")]
    )
    blank = _estimate([str(fx_files / "blank.csv"), "--indices", str(fx_files / "codebook.json")])
    assert coded == blank
    assert {r["variable"] for r in coded} >= {"overall_index", "access", "access_facilities"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--var", "overall"], "--indices takes the items"),
        (["--satisfied", "4,5"], "drop --var, --satisfied and --total"),
    ],
)
def test_indices_refuses_var_and_satisfied(fx_files: Path, extra: list[str], message: str) -> None:
    args = [str(fx_files / "coded.csv"), "--indices", str(fx_files / "codebook.json"), *extra]
    result = CliRunner().invoke(main, ["estimate", *args, *DESIGN])
    assert result.exit_code == 2
    assert message in result.output


def test_a_file_that_is_not_a_codebook_is_one_line(fx_files: Path) -> None:
    args = [str(fx_files / "coded.csv"), "--indices", str(fx_files / "coded.csv"), *DESIGN]
    result = CliRunner().invoke(main, ["estimate", *args])
    assert result.exit_code == 2
    assert "not a codebook of a microdata export" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_an_empty_missing_option_is_refused(fx_files: Path) -> None:
    args = [str(fx_files / "coded.csv"), "--var", "overall", "--missing", ",", *DESIGN]
    result = CliRunner().invoke(main, ["estimate", *args])
    assert result.exit_code == 2
    assert "--missing: give the codes, e.g. --missing 9" in result.output
