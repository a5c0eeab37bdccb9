"""Driver analysis (against R svyglm), importance-performance, element scores."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import (
    Design,
    DriverAnalysis,
    ModelError,
    driver_analysis,
    element_scores,
    estimate_indices,
    importance_performance,
    make_design,
)
from tests.analysis.api import ApiData
from tests.analysis.synthetic import clustered_survey

RTOL = 1e-9


def _fit(d: ApiData, design: Design, third: str) -> DriverAnalysis:
    return driver_analysis(
        d.num("api00"),
        {"ell": d.num("ell"), "meals": d.num("meals"), third: d.num(third)},
        design,
        name="api00",
    )


@pytest.mark.parametrize(
    ("which", "third", "expected"),
    [
        # R: m <- svyglm(api00 ~ ell + meals + mobility, design=dstrat)
        #    c(coef(m), SE(m), m$df.residual)
        (
            "strat",
            "mobility",
            (
                820.88731590562315,
                -0.48058661217195053,
                -3.1415353099845609,
                0.2257132102296367,
                10.077735949885394,
                0.39197340322252844,
                0.28394650641650154,
                0.3932183620225293,
                194,
            ),
        ),
        # R: m <- svyglm(api00 ~ ell + meals + mobility, design=dclus1)
        (
            "clus1",
            "mobility",
            (
                819.27905113912527,
                -0.51672177968348021,
                -3.1232042648993521,
                -0.16891968218716674,
                21.389971265152099,
                0.3240039449654134,
                0.27808304376088439,
                0.44491841915120217,
                11,
            ),
        ),
        # R: m <- svyglm(api00 ~ ell + meals + acs.k3, design=dclus2)  (82 complete rows)
        (
            "clus2",
            "acs.k3",
            (
                844.10275124950533,
                -1.5371483708536859,
                -2.2275402238123747,
                0.84221673578543876,
                168.04978650322965,
                1.4619618720775445,
                0.96042430768023268,
                8.9504160191314952,
                31,
            ),
        ),
    ],
)
def test_coefficients_and_design_based_ses_match_r_svyglm(
    which: str, third: str, expected: tuple[float, ...], request: pytest.FixtureRequest
) -> None:
    data = request.getfixturevalue(f"fx_api{which}")
    design = request.getfixturevalue(f"fx_d{which}")
    model = _fit(data, design, third)
    got = [c.coefficient for c in model.coefficients] + [c.se for c in model.coefficients]
    np.testing.assert_allclose(got, expected[:8], rtol=RTOL)
    assert model.df == expected[8]
    if which == "clus2":
        assert model.n == 82


def test_element_scores_drive_overall_satisfaction() -> None:
    s = clustered_survey(np.random.default_rng(2))
    scores = element_scores(s.codes, s.items, s.tree)
    assert set(scores) == {"overall", "a", "b", "c"}
    a = scores["a"]
    assert np.all((a[np.isfinite(a)] >= 0) & (a[np.isfinite(a)] <= 1))
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.3, a.size)
    outcome = (
        1 + 3 * np.nan_to_num(scores["a"], nan=0.5) + np.nan_to_num(scores["c"], nan=0.5) + noise
    )
    predictors = {k: scores[k] for k in ("a", "b", "c")}
    model = driver_analysis(outcome, predictors, s.design)
    by_term = {c.term: c for c in model.coefficients}
    assert by_term["a"].ci_low < 3 < by_term["a"].ci_high
    assert by_term["a"].p_value < 1e-6
    assert by_term["a"].standardized > by_term["b"].standardized
    performance = estimate_indices(s.codes, s.items, s.tree, s.design)
    table = importance_performance(model, performance)
    assert table[0].term == "a"
    assert {row.quadrant for row in table} <= {
        "concentrate_here",
        "keep_up",
        "low_priority",
        "possible_overkill",
    }


def test_too_few_complete_respondents_is_a_model_error() -> None:
    design = make_design(np.ones(4))
    with pytest.raises(ModelError, match="complete respondents"):
        driver_analysis(
            np.array([1.0, 2.0, np.nan, 4.0]), {"a": np.array([1, np.nan, 3, 4.0])}, design
        )
