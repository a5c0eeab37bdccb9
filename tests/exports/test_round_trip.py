"""The acceptance round trip: microdata exported by ``survey-service export microdata``
and re-estimated by ``survey-service estimate`` give the dashboards' numbers.

The expected values are the service's own (:func:`estimate_survey` on the stored answers,
the path behind the scorecard endpoint): the file and the database must agree to
rounding, for every unit's item shares (``--satisfied``) and, with the codebook
(``--indices``), for the element and overall indices too; for the city without ``--by``.
The options are those the service uses: lonely PSUs ``adjust``, logit intervals (the
default for shares and indices), Taylor linearisation with the fpc; with the demo's
base weights and, on a city of its own, with final weights from ``weights compute``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analysis import Estimate
from survey_service.cli import main
from survey_service.db.engine import make_sync_engine
from survey_service.demo import build_demo
from survey_service.features.indices.scorecards import make_scorecard
from survey_service.features.indices.service import (
    SurveyEstimates,
    estimate_survey,
    load_survey_data,
)
from tests import databases
from tests.indices.demo import N_DOSSIERS, SEED

SURVEY = "DEMO-2025-Q3"
RTOL = 1e-9
DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu", "--fpc", "fpc"]
SERVICE_RULES = ["--lonely-psu", "adjust", "--format", "json"]
FIGURES = ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff")
EXACT = ("n", "df", "flag")


@pytest.fixture(scope="module")
def fx_export(
    fx_demo_url: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, SurveyEstimates]:
    """The demo survey's microdata (through the command line) and the service's estimates."""
    directory = tmp_path_factory.mktemp("microdata")
    result = CliRunner().invoke(
        main,
        ["export", "microdata", SURVEY, "-o", str(directory), "--quiet"],
        env={"SURVEY_DATABASE_URL": fx_demo_url},
    )
    assert result.exit_code == 0, result.output
    engine = make_sync_engine(fx_demo_url)
    with engine.connect() as conn:
        estimates = estimate_survey(load_survey_data(conn, SURVEY))
    engine.dispose()
    return directory, estimates


def _estimate(directory: Path, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(
        main, ["estimate", str(directory / "microdata.csv"), *DESIGN, *args, *SERVICE_RULES]
    )
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def _compare(rows: list[dict[str, Any]], service: dict[tuple[str, str], Estimate]) -> None:
    for row in rows:
        expected = service[row["domain"], row["variable"]]
        for field in FIGURES:
            assert row[field] == pytest.approx(getattr(expected, field), rel=RTOL, abs=1e-12)
        assert [row[f] for f in EXACT] == [getattr(expected, f) for f in EXACT]


def _service(estimates: SurveyEstimates) -> dict[tuple[str, str], Estimate]:
    return {(e.domain or "", e.variable): e for e in estimates.estimates}


def _items(estimates: SurveyEstimates) -> list[str]:
    args = []
    for item in estimates.data.survey.items:
        args += ["--var", item.code]
    return args


def test_every_units_item_shares_come_back_from_the_microdata(
    fx_export: tuple[Path, SurveyEstimates],
) -> None:
    directory, estimates = fx_export
    rows = _estimate(directory, *_items(estimates), "--satisfied", "4,5", "--by", "unit")
    leaves = {r["domain"] for r in rows}
    assert len(leaves) > 100  # every unit with respondents, not a handful
    assert len(rows) == len(leaves) * len(estimates.data.survey.items)
    _compare(rows, _service(estimates))


def test_the_citys_item_shares_come_back_without_by(
    fx_export: tuple[Path, SurveyEstimates],
) -> None:
    directory, estimates = fx_export
    rows = _estimate(directory, *_items(estimates), "--satisfied", "4,5")
    city = estimates.data.units.codes[0]
    assert estimates.data.units.parent[0] < 0
    _compare([{**r, "domain": city} for r in rows], _service(estimates))


@pytest.mark.parametrize("by", [True, False], ids=["by-unit", "city"])
def test_element_and_overall_indices_come_back_with_the_codebook(
    fx_export: tuple[Path, SurveyEstimates], by: bool
) -> None:
    directory, estimates = fx_export
    codebook = str(directory / "codebook.json")
    rows = _estimate(directory, "--indices", codebook, *(["--by", "unit"] if by else []))
    city = estimates.data.units.codes[0]
    rows = [{**r, "domain": r["domain"] or city} for r in rows]
    assert {"overall_index", "access", "staff"} <= {r["variable"] for r in rows}
    _compare(rows, _service(estimates))


def test_a_commune_scorecard_equals_its_microdata_estimates(
    fx_export: tuple[Path, SurveyEstimates],
) -> None:
    """The numbers of the scorecard endpoint (make_scorecard) for one commune."""
    directory, estimates = fx_export
    units = estimates.data.units
    present = {e.domain for e in estimates.estimates}
    communes = zip(units.codes, units.kinds, strict=True)
    commune = next(c for c, k in communes if k == "commune" and c in present)
    card = make_scorecard(estimates, commune)
    rows = {
        r["variable"]: r
        for r in _estimate(directory, "--indices", str(directory / "codebook.json"), "--by", "unit")
        if r["domain"] == commune
    }
    assert card.overall is not None
    for shown in [card.overall, *card.elements, *card.items]:
        row = rows[shown.variable]
        for field in ("estimate", "se", "ci_low", "ci_high"):
            assert row[field] == pytest.approx(getattr(shown, field), rel=RTOL, abs=1e-12)
        assert (row["n"], row["flag"]) == (shown.n, shown.flag)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fx_weighted_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    fx_postgres_reason: str | None,
) -> Iterator[str]:
    """A demo city of its own whose Q3 responses carry final (raked) weights."""
    with databases.fresh_database(
        request.param, tmp_path_factory, "weighted", fx_postgres_reason
    ) as url:
        build_demo(url, n_dossiers=N_DOSSIERS, seed=SEED, progress=False)
        result = CliRunner().invoke(
            main, ["weights", "compute", SURVEY, "--quiet"], env={"SURVEY_DATABASE_URL": url}
        )
        assert result.exit_code == 0, result.output
        yield url


def test_the_round_trip_holds_with_final_weights(fx_weighted_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["export", "microdata", SURVEY, "-o", str(tmp_path), "--quiet"],
        env={"SURVEY_DATABASE_URL": fx_weighted_url},
    )
    assert result.exit_code == 0, result.output
    assert "weight set" in result.output  # not the base weights
    engine = make_sync_engine(fx_weighted_url)
    with engine.connect() as conn:
        estimates = estimate_survey(load_survey_data(conn, SURVEY))
    engine.dispose()
    assert estimates.data.weights.source == "weight_set"
    rows = _estimate(tmp_path, "--indices", str(tmp_path / "codebook.json"), "--by", "unit")
    assert len(rows) > 1000
    _compare(rows, _service(estimates))
