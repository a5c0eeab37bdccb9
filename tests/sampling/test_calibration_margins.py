"""calibrate_margins: linear, truncated, logit and raking calibration on categorical margins.

Reference values: R survey 4.1.1 on the api data (data/apiclus1_r_survey.csv, written by
data/r_survey_reference.R, the R call beside each test), a 2 × 2 case worked by hand (the
working is in the test), and :func:`sampling.calibrate` on the equivalent indicator matrix,
which tests/sampling/test_calibration_reference.py checks against R.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling import (
    CalibrationError,
    DistanceFunction,
    EmptyCellError,
    WeightingError,
    calibrate,
    calibrate_margins,
    rake,
)

POP_TYPES = [4421.0, 755.0, 1018.0]
POP_SCHWIDE = [1072.0, 5122.0]
RTOL = 1e-8


def test_one_margin_linear_is_r_poststratify(fx_apiclus1: dict[str, np.ndarray]) -> None:
    # R: weights(postStratify(dclus1, ~stype, pop.types)); linear calibration on the
    # indicators of one variable gives g = N_c / Σ_c d in each cell, i.e. post-stratification.
    result = calibrate_margins(fx_apiclus1["pw"], [fx_apiclus1["stype"]], [POP_TYPES])
    np.testing.assert_allclose(result.weights, fx_apiclus1["w_post"], rtol=RTOL, atol=0)
    assert result.method == "linear"
    assert result.report.iterations == 1


def test_raking_distance_is_r_rake(fx_apiclus1: dict[str, np.ndarray]) -> None:
    # R: weights(rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
    #                 control = list(maxit = 1000, epsilon = 1e-13, verbose = FALSE)))
    margins = [fx_apiclus1["stype"], fx_apiclus1["sch_wide"]]
    result = calibrate_margins(
        fx_apiclus1["pw"], margins, [POP_TYPES, POP_SCHWIDE], method="raking", tol=1e-13
    )
    np.testing.assert_allclose(result.weights, fx_apiclus1["w_rake"], rtol=RTOL, atol=0)


@pytest.mark.parametrize(
    ("method", "bounds"),
    [("linear", None), ("truncated", (0.85, 1.75)), ("logit", (0.85, 1.75)), ("raking", None)],
)
def test_same_as_dense_calibrate(
    fx_apiclus1: dict[str, np.ndarray],
    method: DistanceFunction,
    bounds: tuple[float, float] | None,
) -> None:
    stype, wide, pw = fx_apiclus1["stype"], fx_apiclus1["sch_wide"], fx_apiclus1["pw"]
    x = np.column_stack([stype == 0, stype == 1, stype == 2, wide == 0, wide == 1])
    dense = calibrate(pw, x, [*POP_TYPES, *POP_SCHWIDE], method=method, bounds=bounds, tol=1e-12)
    result = calibrate_margins(
        pw, [stype, wide], [POP_TYPES, POP_SCHWIDE], method=method, bounds=bounds, tol=1e-12
    )
    np.testing.assert_allclose(result.weights, dense.weights, rtol=1e-10, atol=0)
    np.testing.assert_allclose(np.bincount(stype, result.weights), POP_TYPES, rtol=1e-10)
    np.testing.assert_allclose(np.bincount(wide, result.weights), POP_SCHWIDE, rtol=1e-10)
    if bounds is not None:
        g = result.weights / pw
        assert g.min() >= bounds[0] - 1e-12
        assert g.max() <= bounds[1] + 1e-12
        assert g.max() > 1.7  # the bounds bind: linear g reaches 1.86 here
    assert result.report.converged


# Four respondents, input weight 1 each, one in each cell of a 2 × 2 table (rows A, B;
# columns x, y); targets A = 3, B = 5, x = 3, y = 5 (N = 8).
#   Linear: w = 1 + λ_row + μ_col. Fix μ_y = 0 (the indicators are collinear). Then
#   y: 2 + λ_A + λ_B = 5, x: 2 + λ_A + λ_B + 2 μ_x = 3 → μ_x = -1; A: 2 + 2 λ_A - 1 = 3 →
#   λ_A = 1; B: 2 + 2 λ_B - 1 = 5 → λ_B = 2. w = (Ax, Ay, Bx, By) = (1, 2, 2, 3).
#   Raking: w = a_row b_col reaches independence, w_rc = N_r N_c / N:
#   (9/8, 15/8, 15/8, 25/8).
HAND_ROWS = np.array([0, 0, 1, 1])
HAND_COLS = np.array([0, 1, 0, 1])
HAND_TOTALS = [[3.0, 5.0], [3.0, 5.0]]


@pytest.mark.parametrize(
    ("method", "expected"),
    [("linear", [1.0, 2.0, 2.0, 3.0]), ("raking", [9 / 8, 15 / 8, 15 / 8, 25 / 8])],
)
def test_hand_worked_two_by_two(method: DistanceFunction, expected: list[float]) -> None:
    result = calibrate_margins(
        np.ones(4), [HAND_ROWS, HAND_COLS], HAND_TOTALS, method=method, tol=1e-14
    )
    np.testing.assert_allclose(result.weights, expected, rtol=1e-12, atol=0)


def test_logit_keeps_g_inside_the_bounds_where_linear_leaves_them() -> None:
    # Linear g reaches 3 (cell By above); logit with U = 3.2 must stay below it and
    # still reproduce the four totals.
    result = calibrate_margins(
        np.ones(4), [HAND_ROWS, HAND_COLS], HAND_TOTALS, method="logit", bounds=(0.5, 3.2)
    )
    assert result.weights.min() > 0.5
    assert result.weights.max() < 3.2
    np.testing.assert_allclose(np.bincount(HAND_ROWS, result.weights), [3, 5], rtol=1e-10)
    np.testing.assert_allclose(np.bincount(HAND_COLS, result.weights), [3, 5], rtol=1e-10)


def test_infeasible_bounds_name_the_cells() -> None:
    # Cell y needs g = 5 / 2 = 2.5 on average: no weights within [0.5, 2] reach it.
    with pytest.raises(CalibrationError, match=r"g-weights in \[0.5, 2\]") as caught:
        calibrate_margins(
            np.ones(4),
            [HAND_ROWS, HAND_COLS],
            HAND_TOTALS,
            method="logit",
            bounds=(0.5, 2.0),
            labels=[["A", "B"], ["x", "y"]],
        )
    assert caught.value.cells == ("margin 0=B (needs g = 2.5)", "margin 1=y (needs g = 2.5)")


def test_no_convergence_names_the_cells_and_keeps_the_report() -> None:
    with pytest.raises(CalibrationError, match="did not converge in 1 steps") as caught:
        calibrate_margins(
            np.ones(4),
            [HAND_ROWS, HAND_COLS],
            HAND_TOTALS,
            method="logit",
            bounds=(0.5, 3.2),
            max_iter=1,
            labels=[["A", "B"], ["x", "y"]],
        )
    assert caught.value.report is not None
    assert not caught.value.report.converged
    assert set(caught.value.cells) <= {"margin 0=A", "margin 0=B", "margin 1=x", "margin 1=y"}
    assert caught.value.cells


def test_bad_input() -> None:
    with pytest.raises(EmptyCellError, match="margin 1=y"):
        calibrate_margins(
            np.ones(2), [[0, 1], [0, 0]], HAND_TOTALS, labels=[["A", "B"], ["x", "y"]]
        )
    with pytest.raises(CalibrationError, match="disagree on the population total"):
        calibrate_margins(np.ones(4), [HAND_ROWS, HAND_COLS], [[3.0, 5.0], [3.0, 6.0]])
    with pytest.raises(WeightingError, match="needs bounds"):
        calibrate_margins(np.ones(4), [HAND_ROWS], [[4.0, 4.0]], method="truncated")
    with pytest.raises(WeightingError, match="takes no bounds"):
        calibrate_margins(np.ones(4), [HAND_ROWS], [[4.0, 4.0]], bounds=(0.5, 2.0))
    with pytest.raises(WeightingError, match="one totals array per margin"):
        calibrate_margins(np.ones(4), [], [])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(30, 300),
    method=st.sampled_from(["linear", "logit", "raking"]),
)
def test_margins_reproduced(seed: int, n: int, method: DistanceFunction) -> None:
    rng = np.random.default_rng(seed)
    first, second = rng.integers(0, 4, n), rng.integers(0, 3, n)
    first[:4], second[:3] = np.arange(4), np.arange(3)  # no empty category
    d = rng.uniform(1.0, 5.0, n)
    # Totals a calibration can reach: those of the input weights, perturbed by ≤ 10 %.
    start = d * rng.uniform(0.9, 1.1, n)
    totals = [np.bincount(first, start, 4), np.bincount(second, start, 3)]
    bounds = (0.3, 3.0) if method == "logit" else None
    result = calibrate_margins(d, [first, second], totals, method=method, bounds=bounds)
    np.testing.assert_allclose(np.bincount(first, result.weights, 4), totals[0], rtol=1e-8)
    np.testing.assert_allclose(np.bincount(second, result.weights, 3), totals[1], rtol=1e-8)
    if bounds is not None:
        g = result.weights / d
        assert bounds[0] < g.min()
        assert g.max() < bounds[1]


def test_cells_named_by_code_without_labels() -> None:
    with pytest.raises(CalibrationError) as infeasible:
        calibrate_margins(
            np.ones(4), [HAND_ROWS, HAND_COLS], HAND_TOTALS, method="truncated", bounds=(0.5, 2.0)
        )
    assert infeasible.value.cells == ("margin 0=1 (needs g = 2.5)", "margin 1=1 (needs g = 2.5)")
    with pytest.raises(CalibrationError) as slow:
        calibrate_margins(
            np.ones(4), [HAND_ROWS, HAND_COLS], HAND_TOTALS, method="raking", max_iter=1
        )
    assert set(slow.value.cells) <= {"margin 0=0", "margin 0=1", "margin 1=0", "margin 1=1"}


def test_cells_named_by_margin_names() -> None:
    names = ["unit", "channel"]
    labels = [["A", "B"], ["x", "y"]]
    with pytest.raises(CalibrationError) as caught:
        calibrate_margins(
            np.ones(4),
            [HAND_ROWS, HAND_COLS],
            HAND_TOTALS,
            method="logit",
            bounds=(0.5, 2.0),
            labels=labels,
            margin_names=names,
        )
    assert caught.value.cells == ("unit=B (needs g = 2.5)", "channel=y (needs g = 2.5)")
    with pytest.raises(EmptyCellError, match="channel=y"):
        calibrate_margins(
            np.ones(2), [[0, 1], [0, 0]], HAND_TOTALS, labels=labels, margin_names=names
        )
    with pytest.raises(CalibrationError, match="unit=A, unit=B") as slow:
        rake(
            np.array([1.0, 2.0, 3.0, 4.0]),
            [HAND_ROWS, HAND_COLS],
            [[3.0, 5.0], [2.0, 6.0]],
            max_iter=1,
            labels=labels,
            margin_names=names,
        )
    assert all(cell.startswith(("unit=", "channel=")) for cell in slow.value.cells)


@pytest.mark.parametrize(
    ("method", "bounds"), [("linear", None), ("truncated", (0.85, 1.75)), ("logit", (0.85, 1.75))]
)
def test_margin_order_does_not_matter(
    fx_apiclus1: dict[str, np.ndarray],
    method: DistanceFunction,
    bounds: tuple[float, float] | None,
) -> None:
    # The largest margin's block is eliminated first, wherever it stands.
    stype, wide, pw = fx_apiclus1["stype"], fx_apiclus1["sch_wide"], fx_apiclus1["pw"]
    first = calibrate_margins(
        pw, [stype, wide], [POP_TYPES, POP_SCHWIDE], method=method, bounds=bounds, tol=1e-12
    )
    second = calibrate_margins(
        pw, [wide, stype], [POP_SCHWIDE, POP_TYPES], method=method, bounds=bounds, tol=1e-12
    )
    np.testing.assert_allclose(second.weights, first.weights, rtol=1e-10, atol=0)
