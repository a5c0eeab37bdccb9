"""``survey-service estimate FILE.csv`` against R survey on the API samples, and bad input.

Expected values and the R commands that produced them are in
``tests/analysis/r_values.py`` (R 4.2.2, survey 4.1-1); the CSV files are R's ``data(api)``
written with 17 significant digits (``tests/analysis/api.py``). The design of each case is
written beside it in R.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest
from click.testing import CliRunner

from analysis import CiMethod, LonelyPsuRule, VarianceMethod
from survey_service.cli import main
from survey_service.cli_estimate import CI_METHODS, LONELY_PSU_RULES, VARIANCE_METHODS
from tests.analysis.r_values import R

RTOL = 1e-9
DATA = Path(__file__).parent / "analysis" / "data"
STRAT = [str(DATA / "apistrat.csv"), "--strata", "stype", "--fpc", "fpc", "--weight", "pw"]
CLUS1 = [str(DATA / "apiclus1.csv"), "--psu", "dnum", "--fpc", "fpc", "--weight", "pw"]
CLUS2 = [str(DATA / "apiclus2.csv"), "--psu", "dnum", "--weight", "pw"]
LONELY = [str(DATA / "apiclus1.csv"), "--strata", "dnum", "--weight", "pw"]
KEYS = ["variable", "domain", "estimate", "se", "ci_low", "ci_high", "df", "n", "n_eff", "deff"]


def _json(args: list[str]) -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, ["estimate", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def _figures(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> list[float]:
    return [float(row[f]) for f in fields for row in rows]


ESTIMATE_SE_DEFF = ("estimate", "se", "deff")
CASES = [
    # R: svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
    ("strat_mean_api00", [*STRAT, "--var", "api00"], ESTIMATE_SE_DEFF),
    ("strat_total_enroll", [*STRAT, "--var", "enroll", "--total"], ESTIMATE_SE_DEFF),
    ("strat_by_stype", [*STRAT, "--var", "api00", "--by", "stype"], ESTIMATE_SE_DEFF),
    ("strat_by_awards", [*STRAT, "--var", "api00", "--by", "awards"], ESTIMATE_SE_DEFF),
    (
        "strat_total_by_awards",
        [*STRAT, "--var", "enroll", "--total", "--by", "awards"],
        ESTIMATE_SE_DEFF,
    ),
    ("strat_degf_awards", [*STRAT, "--var", "api00", "--by", "awards"], ("df",)),
    (
        "strat_ciprop_xlogit",
        [*STRAT, "--var", "sch.wide", "--satisfied", "Yes"],
        ("estimate", "se", "ci_low", "ci_high"),
    ),
    (
        "strat_ciprop_beta",
        [*STRAT, "--var", "sch.wide", "--satisfied", "Yes", "--ci", "korn-graubard"],
        ("estimate", "se", "ci_low", "ci_high"),
    ),
    ("strat_jkn_mean", [*STRAT, "--var", "api00", "--variance", "jkn"], ("estimate", "se")),
    # R: svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    ("clus1_mean_api00", [*CLUS1, "--var", "api00"], ESTIMATE_SE_DEFF),
    ("clus1_total_enroll", [*CLUS1, "--var", "enroll", "--total"], ESTIMATE_SE_DEFF),
    ("clus1_by_stype", [*CLUS1, "--var", "api00", "--by", "stype"], ESTIMATE_SE_DEFF),
    ("clus1_jk1_mean", [*CLUS1, "--var", "api00", "--variance", "jk1"], ("estimate", "se")),
    # R: svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)  (ultimate clusters)
    ("clus2_mean_api00", [*CLUS2, "--var", "api00"], ESTIMATE_SE_DEFF),
    ("clus2_by_stype", [*CLUS2, "--var", "api00", "--by", "stype"], ESTIMATE_SE_DEFF),
]


@pytest.mark.parametrize(("key", "args", "fields"), CASES, ids=[c[0] for c in CASES])
def test_estimates_match_r(key: str, args: list[str], fields: tuple[str, ...]) -> None:
    np.testing.assert_allclose(_figures(_json(args), fields), R[key], rtol=RTOL)


def test_the_apistrat_mean_equals_r_to_1e_9() -> None:
    # R: ms(svymean(~api00, dstrat, deff='replace')) -> 662.28736315932076, 9.4089408027845796
    (row,) = _json([*STRAT, "--var", "api00"])
    assert row["estimate"] == pytest.approx(662.28736315932076, rel=1e-9)
    assert row["se"] == pytest.approx(9.4089408027845796, rel=1e-9)
    assert row["df"] == 197
    assert row["n"] == 200


@pytest.mark.parametrize("rule", ["certainty", "adjust", "average"])
def test_lonely_psu_rules_match_r(rule: str) -> None:
    # R: options(survey.lonely.psu=<rule>);
    #    svydesign(id=~1, weights=~pw, strata=~dnum, data=apiclus1)
    rows = _json([*LONELY, "--var", "api00", "--lonely-psu", rule])
    np.testing.assert_allclose(
        _figures(rows, ESTIMATE_SE_DEFF), R[f"lonely_{rule}_mean"], rtol=RTOL
    )


def test_json_has_the_documented_keys_and_null_domain() -> None:
    rows = _json([*STRAT, "--var", "api00", "--var", "enroll"])
    assert [list(row) for row in rows] == [[*KEYS, "flag"]] * 2
    assert [row["variable"] for row in rows] == ["api00", "enroll"]
    assert all(row["domain"] is None for row in rows)
    assert all(row["flag"] in ("ok", "review", "suppress") for row in rows)
    by = _json([*STRAT, "--var", "api00", "--by", "stype"])
    assert [row["domain"] for row in by] == ["E", "H", "M"]


def test_share_of_one_has_a_defined_interval() -> None:
    rows = _json([*STRAT, "--var", "sch.wide", "--satisfied", "Yes", "--by", "awards"])
    yes = next(row for row in rows if row["domain"] == "Yes")
    assert yes["estimate"] == 1.0
    assert yes["ci_high"] == 1.0
    assert 0.9 < yes["ci_low"] < 1.0


def test_satisfied_codes_match_numbers_and_missing_cells_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("q,w\n5,1\n4.0,1\n2,1\n,1\nNA,1\n", encoding="utf-8")
    (row,) = _json([str(path), "--weight", "w", "--var", "q", "--satisfied", "4,5"])
    assert row["estimate"] == pytest.approx(2 / 3)
    assert row["n"] == 3


def test_weights_default_to_inverse_sampling_fractions_with_an_fpc() -> None:
    # R: svydesign(id=~1, strata=~stype, fpc=~fpc, data=apistrat): pw is N_h / n_h there.
    with_weights = _json([*STRAT, "--var", "enroll", "--total"])
    no_weight = [str(DATA / "apistrat.csv"), "--strata", "stype", "--fpc", "fpc"]
    from_fpc = _json([*no_weight, "--var", "enroll", "--total"])
    assert from_fpc[0]["estimate"] == pytest.approx(with_weights[0]["estimate"], rel=1e-6)


def test_table_output_is_readable() -> None:
    result = CliRunner().invoke(main, ["estimate", *STRAT, "--var", "api00", "--by", "stype"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("apistrat.csv: 200 rows; 3 strata; 200 PSUs; weights pw")
    assert lines[1].split() == [*KEYS, "flag"]
    assert [line.split()[1] for line in lines[2:]] == ["E", "H", "M"]
    assert lines[2].split()[2] == "674.43"
    assert len({len(line) for line in lines[1:]}) <= 2  # aligned columns


def _edit(tmp_path: Path, name: str, change: dict[int, dict[str, str]]) -> str:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for index, values in change.items():
        rows[index].update(values)
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


BAD = [
    ("missing column", {}, ["--var", "api01"], "column 'api01' not found in apistrat.csv"),
    (
        "non-numeric value",
        {4: {"api00": "high"}},
        ["--var", "api00"],
        "column 'api00' (--var): non-numeric value 'high' on line 6",
    ),
    (
        "negative weight",
        {2: {"pw": "-44.2"}},
        ["--var", "api00"],
        "column 'pw' (--weight): negative weight -44.2 on line 4",
    ),
    (
        "missing weight",
        {0: {"pw": ""}},
        ["--var", "api00"],
        "column 'pw' (--weight): missing value on line 2",
    ),
    (
        "missing stratum",
        {7: {"stype": "NA"}},
        ["--var", "api00"],
        "column 'stype' (--strata): missing value on line 9",
    ),
    (
        "fpc varies",
        {3: {"fpc": "4000"}},
        ["--var", "api00"],
        "column 'fpc' (--fpc): varies within stratum 'E' (line 5: 4000, earlier 4421)",
    ),
    (
        "fewer units than sampled",
        {k: {"fpc": "3"} for k in range(200)},
        ["--var", "api00"],
        "column 'fpc' (--fpc): fpc: stratum 'E' has more sampled PSUs than exist",
    ),
    ("no variable", {}, [], "give at least one --var COLUMN to estimate"),
    ("level", {}, ["--var", "api00", "--level", "95"], "--level must lie strictly between"),
    (
        "wald only for means",
        {},
        ["--var", "api00", "--ci", "logit"],
        "ci 'logit' applies to shares and indices; use 'wald'",
    ),
    ("empty codes", {}, ["--var", "api00", "--satisfied", ","], "--satisfied: give the"),
]


@pytest.mark.parametrize(("case", "change", "args", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_with_exit_code_2(
    tmp_path: Path, case: str, change: dict[int, dict[str, str]], args: list[str], message: str
) -> None:
    path = _edit(tmp_path, "apistrat.csv", change)
    result = CliRunner().invoke(
        main, ["estimate", path, "--strata", "stype", "--fpc", "fpc", "--weight", "pw", *args]
    )
    assert result.exit_code == 2, (case, result.output)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


def test_one_psu_stratum_under_fail_names_the_stratum() -> None:
    # R: tryCatch({svymean(~api00, ds); 0}, error=function(e) 1) gives 1 (an error).
    assert R["lonely_fail_message"] == (1.0,)
    result = CliRunner().invoke(main, ["estimate", *LONELY, "--var", "api00"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "column 'dnum' (--strata): stratum '413' has only one PSU" in result.stderr


def test_a_file_without_rows_or_unreadable_is_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["estimate", str(empty), "--var", "a"])
    assert result.exit_code == 2
    assert result.stderr == "Error: empty.csv: no data rows\n"
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"a\n\xff\xfe\n")
    result = CliRunner().invoke(main, ["estimate", str(binary), "--var", "a"])
    assert result.exit_code == 2
    assert "cannot read the file" in result.stderr


def test_the_choices_are_those_of_the_library() -> None:
    assert set(CI_METHODS) == set(get_args(CiMethod))
    assert set(LONELY_PSU_RULES) == set(get_args(LonelyPsuRule))
    assert set(VARIANCE_METHODS) == set(get_args(VarianceMethod))
