"""Post-stratification, raking and calibration against R survey 4.1.1 on the api data.

Every expected weight comes from data/apiclus1_r_survey.csv, written by
``Rscript data/r_survey_reference.R`` (R 4.2.2, survey 4.1.1) with 17 significant digits;
the R call behind each column is repeated beside each test. Population totals are those of
the R documentation (``?rake``, ``?calibrate``): stype E/H/M = 4421/755/1018, sch.wide
No/Yes = 1072/5122, api99 total 3914069, N = 6194.
"""

from __future__ import annotations

import numpy as np
import pytest

from sampling import DistanceFunction, calibrate, poststratify, rake

POP_TYPES = [4421.0, 755.0, 1018.0]
POP_SCHWIDE = [1072.0, 5122.0]
POP_TOTALS = [6194.0, 755.0, 1018.0, 3914069.0]
RTOL = 1e-8


def _x(fx: dict[str, np.ndarray]) -> np.ndarray:
    # R's model matrix of ~stype + api99: intercept, stypeH, stypeM, api99.
    stype = fx["stype"]
    return np.column_stack([np.ones(stype.size), stype == 1, stype == 2, fx["api99"]])


def test_poststratify_matches_r_survey(fx_apiclus1: dict[str, np.ndarray]) -> None:
    # R: weights(postStratify(dclus1, ~stype, pop.types))
    result = poststratify(fx_apiclus1["pw"], fx_apiclus1["stype"], POP_TYPES)
    np.testing.assert_allclose(result.weights, fx_apiclus1["w_post"], rtol=RTOL, atol=0)
    assert result.method == "poststratification"


def test_rake_matches_r_survey(fx_apiclus1: dict[str, np.ndarray]) -> None:
    # R: weights(rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
    #                 control = list(maxit = 1000, epsilon = 1e-13, verbose = FALSE)))
    margins = [fx_apiclus1["stype"], fx_apiclus1["sch_wide"]]
    result = rake(fx_apiclus1["pw"], margins, [POP_TYPES, POP_SCHWIDE], tol=1e-13)
    np.testing.assert_allclose(result.weights, fx_apiclus1["w_rake"], rtol=RTOL, atol=0)
    assert result.report.converged
    assert result.report.max_relative_error <= 1e-13


@pytest.mark.parametrize(
    ("method", "bounds", "column"),
    [
        # R: calibrate(dclus1, ~stype + api99, pop.totals, epsilon = 1e-13, maxit = 500)
        ("linear", None, "w_linear"),
        # R: calibrate(dclus1, ~stype + api99, pop.totals, bounds = c(0.5, 1.7), ...)
        ("truncated", (0.5, 1.7), "w_trunc"),
        # R: calibrate(dclus1, ~stype + api99, pop.totals, calfun = "logit",
        #              bounds = c(0.7, 1.7), ...)
        ("logit", (0.7, 1.7), "w_logit"),
        # R: calibrate(dclus1, ~stype + api99, pop.totals, calfun = "raking", ...)
        ("raking", None, "w_raking_calfun"),
    ],
)
def test_calibrate_matches_r_survey(
    fx_apiclus1: dict[str, np.ndarray],
    method: DistanceFunction,
    bounds: tuple[float, float] | None,
    column: str,
) -> None:
    result = calibrate(
        fx_apiclus1["pw"], _x(fx_apiclus1), POP_TOTALS, method=method, bounds=bounds, tol=1e-13
    )
    np.testing.assert_allclose(result.weights, fx_apiclus1[column], rtol=RTOL, atol=0)
    achieved = _x(fx_apiclus1).T @ result.weights
    np.testing.assert_allclose(achieved, POP_TOTALS, rtol=1e-12, atol=0)
    if bounds is not None:
        ratio = result.weights / fx_apiclus1["pw"]
        assert ratio.min() >= bounds[0] - 1e-12
        assert ratio.max() <= bounds[1] + 1e-12
