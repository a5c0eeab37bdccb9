"""Calibration methods of ``weights compute`` and the API: linear, truncated, logit, raking;
g-weight bounds; re-calibration after trimming; cells named when calibration cannot work.

Expected margins are frame counts recomputed from plain queries (tests/samples/test_weights.py);
g-weights are checked against a weight set computed without calibration, which holds the
input weights (base weight after the nonresponse adjustment) of the same respondents.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np
import pytest
from sqlalchemy import select

from sampling import CalibrationError
from survey_service.auth import create_api_token
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import ResponseWeight, WeightSet
from survey_service.features.samples.calibration import (
    Calibration,
    Margins,
    calibrate_weights,
)
from survey_service.features.samples.schemas import WeightSetOut
from tests.samples.city import SURVEY, count, query, run, seed_frame
from tests.samples.city import client as client_of
from tests.samples.test_weights import _answered, _frame_counts, _weighted_totals

BASE = f"/api/surveys/{SURVEY}"


@pytest.fixture
def fx_answered(fx_database_url: str, tmp_path: Path) -> str:
    """The test city drawn and invited; two in three main members answered."""
    seed_frame(fx_database_url, tmp_path)
    _answered(fx_database_url, tmp_path)
    return fx_database_url


def _weights(url: str, set_id: int) -> dict[int, float]:
    rows = query(
        url,
        select(ResponseWeight.response_id, ResponseWeight.weight).where(
            ResponseWeight.weight_set_id == set_id
        ),
    )
    return {int(r): float(w) for r, w in rows}


def _compute(url: str, *args: str) -> tuple[int, str]:
    """Run ``weights compute`` and return the new probability set's id and the output."""
    result = run(url, "weights", "compute", SURVEY, "--quiet", *args)
    assert result.exit_code == 0, result.output
    (set_id,) = query(
        url,
        select(WeightSet.id)
        .where(WeightSet.method == "probability")
        .order_by(WeightSet.id.desc())
        .limit(1),
    )[0]
    return int(set_id), result.output


def _stored(url: str, set_id: int) -> WeightSetOut:
    result = run(url, "weights", "show", SURVEY, "--id", str(set_id))
    assert result.exit_code == 0, result.output
    (diagnostics, parameters) = query(
        url, select(WeightSet.diagnostics, WeightSet.parameters).where(WeightSet.id == set_id)
    )[0]
    return msgspec.convert(
        {
            "id": set_id,
            "survey_code": SURVEY,
            "method": "probability",
            "nonprobability": False,
            "created_at": "2026-01-01T00:00:00Z",
            "parameters": parameters,
            "diagnostics": diagnostics,
        },
        WeightSetOut,
    )


def _assert_margins(url: str, set_id: int, names: tuple[str, ...] = ("unit", "channel")) -> None:
    frame = _frame_counts(url)
    reached = _weighted_totals(url, set_id)
    for name in names:
        assert set(reached[name]) == set(frame[name])
        for label, total in frame[name].items():
            assert reached[name][label] == pytest.approx(total, rel=1e-8, abs=0)


def test_linear_on_one_variable_is_poststratification(fx_answered: str) -> None:
    # Linear calibration on the indicators of one variable gives g = N_c / Σ_c w in every
    # cell: post-stratification, which 'raking' on one variable is.
    url = fx_answered
    post, _ = _compute(url, "--calibrate", "unit")
    linear, output = _compute(url, "--calibrate", "unit", "--method", "linear")
    assert "linear calibration (GREG" in output
    a, b = _weights(url, post), _weights(url, linear)
    assert a.keys() == b.keys()
    np.testing.assert_allclose([b[k] for k in a], list(a.values()), rtol=1e-10, atol=0)


@pytest.mark.parametrize(
    ("method", "bounds"), [("linear", None), ("truncated", (0.5, 1.6)), ("logit", (0.5, 1.6))]
)
def test_methods_reproduce_margins_and_respect_bounds(
    fx_answered: str, method: str, bounds: tuple[float, float] | None
) -> None:
    url = fx_answered
    plain, _ = _compute(url, "--calibrate", "")  # the input weights of the calibration
    extra = ["--bounds", f"{bounds[0]},{bounds[1]}"] if bounds else []
    set_id, output = _compute(url, "--method", method, *extra)
    assert f"Calibration {method} on unit, channel: converged" in output
    _assert_margins(url, set_id)
    start, final = _weights(url, plain), _weights(url, set_id)
    g = np.array([final[k] / start[k] for k in start])
    stored = _stored(url, set_id)
    calibration = stored.diagnostics.calibration
    assert calibration.method == method
    assert calibration.g_min == pytest.approx(g.min(), rel=1e-12)
    assert calibration.g_max == pytest.approx(g.max(), rel=1e-12)
    assert stored.parameters.method == method
    assert max(stored.diagnostics.margin_errors.values()) <= 1e-8
    if bounds is not None:
        assert calibration.bounds == list(bounds)
        assert g.min() >= bounds[0] - 1e-12
        assert g.max() <= bounds[1] + 1e-12
        assert f"g-weights from {g.min():.4f} to {g.max():.4f} (bounds" in output


def test_bounds_that_cannot_be_met_name_the_cells(fx_answered: str) -> None:
    url = fx_answered
    result = run(
        url, "weights", "compute", SURVEY, "--quiet", "--method", "logit", "--bounds", "0.99,1.01"
    )
    assert result.exit_code == 1
    assert "no weights with g-weights in [0.99, 1.01] reach these totals" in result.output
    assert "unit=" in result.output  # cells named by variable and category
    assert "needs g =" in result.output
    assert "nothing was changed" in result.output
    assert count(url, WeightSet) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "logit"], "logit calibration needs bounds"),
        (["--bounds", "0.5,2"], "raking calibration takes no bounds"),
        (["--recalibrate"], "re-calibration follows trimming"),
        (["--trim-cap", "2", "--recalibrate", "--calibrate", ""], "re-calibration follows"),
    ],
)
def test_contradictory_options_change_nothing(
    fx_answered: str, args: list[str], message: str
) -> None:
    result = run(fx_answered, "weights", "compute", SURVEY, "--quiet", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert count(fx_answered, WeightSet) == 0


@pytest.mark.parametrize("bounds", ["1.2,2", "0.5,0.9", "0.5", "a,b"])
def test_malformed_bounds_are_usage_errors(fx_database_url: str, bounds: str) -> None:
    result = run(fx_database_url, "weights", "compute", SURVEY, "--bounds", bounds)
    assert result.exit_code == 2
    assert "--bounds" in result.output


@pytest.mark.parametrize(("method", "bounds"), [("raking", None), ("logit", "0.3,3")])
def test_recalibration_after_trimming_restores_the_margins(
    fx_answered: str, method: str, bounds: str | None
) -> None:
    url = fx_answered
    extra = ["--bounds", bounds] if bounds else []
    trimmed, _ = _compute(url, "--trim-cap", "1.01", "--method", method, *extra)
    before = _stored(url, trimmed).diagnostics
    assert before.trimming is not None
    assert before.trimming.trimmed > 0
    assert before.recalibration is None
    # Trimming keeps each unit's total, not each channel's.
    assert before.margin_errors["channel"] > 1e-6
    set_id, output = _compute(
        url, "--trim-cap", "1.01", "--recalibrate", "--method", method, *extra
    )
    _assert_margins(url, set_id)
    stored = _stored(url, set_id)
    recalibration = stored.diagnostics.recalibration
    assert recalibration is not None
    assert recalibration.calibration.converged
    assert recalibration.calibration.max_relative_error <= 1e-10
    assert recalibration.cycles == len(recalibration.history) >= 1
    assert recalibration.max_cap_ratio == recalibration.history[-1]
    assert recalibration.converged == (recalibration.above_cap == 0)
    assert "Re-calibrated after trimming" in output
    assert "re-calibration after trimming" in stored.parameters.steps[-1]
    assert stored.parameters.recalibrate


def test_linear_calibration_names_cells_with_negative_weights() -> None:
    # Hand-worked: one respondent per cell of rows A, B × columns x, y, input weights 1;
    # targets A = 1, B = 7, x = 7, y = 1. With w = 1 + λ_row + μ_col and μ_y = 0:
    # y: 2 + λ_A + λ_B = 1; x: 2 + λ_A + λ_B + 2 μ_x = 7 → μ_x = 3; A: 2 + 2 λ_A + 3 = 1
    # → λ_A = -2; B → λ_B = 1. w = (Ax, Ay, Bx, By) = (2, -1, 5, 2).
    margins = Margins(
        ("unit", "channel"),
        (np.array(["A", "B"]), np.array(["x", "y"])),
        (np.array([1.0, 7.0]), np.array([7.0, 1.0])),
    )
    codes = [np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])]
    with pytest.raises(CalibrationError, match="1 negative weight") as caught:
        calibrate_weights(np.ones(4), codes, margins, Calibration(method="linear"))
    assert caught.value.cells == ("unit=A/channel=y",)
    bounded = calibrate_weights(
        np.ones(4), codes, margins, Calibration(method="logit", bounds=(0.0, 6.0))
    )
    assert bounded.weights.min() > 0
    np.testing.assert_allclose(np.bincount(codes[0], bounded.weights), [1, 7], rtol=1e-10)
    np.testing.assert_allclose(np.bincount(codes[1], bounded.weights), [7, 1], rtol=1e-10)


def test_api_calibration_method(fx_answered: str) -> None:
    url = fx_answered
    engine = make_sync_engine(url)
    with engine.begin() as conn:
        auth = {"Authorization": f"Bearer {create_api_token(conn, 'statistician')}"}
    engine.dispose()
    body = {"method": "logit", "bounds": [0.5, 1.6], "trim_cap": 1.5, "recalibrate": True}
    with client_of(url) as client:
        done = client.post(f"{BASE}/weights", json=body, headers=auth)
        assert done.status_code == 201, done.text
        stored = done.json()["probability"]
        assert stored["parameters"]["method"] == "logit"
        assert stored["parameters"]["bounds"] == [0.5, 1.6]
        assert stored["diagnostics"]["calibration"]["bounds"] == [0.5, 1.6]
        assert stored["diagnostics"]["recalibration"]["calibration"]["converged"]
        assert max(stored["diagnostics"]["margin_errors"].values()) <= 1e-8
        assert client.get(f"{BASE}/weights", headers=auth).json() == stored
        tight = {"method": "truncated", "bounds": [0.99, 1.01]}
        refused = client.post(f"{BASE}/weights", json=tight, headers=auth)
        assert refused.status_code == 422
        assert any("needs g =" in cell for cell in refused.json()["cells"])
        missing = client.post(f"{BASE}/weights", json={"method": "logit"}, headers=auth)
        assert missing.status_code == 422
        assert "needs bounds" in missing.json()["detail"]
        wrong = client.post(
            f"{BASE}/weights", json={"method": "logit", "bounds": [1.5, 2]}, headers=auth
        )
        assert wrong.status_code == 400
    assert count(url, WeightSet) == 2  # the probability set and the open-link set
