"""Invariants of the estimators, checked by hypothesis on random small surveys."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import (
    EmptyDomainError,
    EstimationOptions,
    estimate_indices,
    estimate_means,
    estimate_totals,
    make_design,
)
from tests.analysis.synthetic import ITEMS, TREE

SETTINGS = settings(max_examples=40, deadline=None)


Survey = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@st.composite
def surveys(draw: st.DrawFn) -> Survey:
    """Codes (n x 7), weights, strata (each with >= 2 rows) and domains."""
    n_strata = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(2, 12), min_size=n_strata, max_size=n_strata))
    strata = np.repeat(np.arange(n_strata), sizes)
    n = strata.size
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p = draw(st.floats(0.0, 1.0))
    codes = np.where(rng.random((n, 7)) < p, 5, 1)
    codes[rng.random((n, 7)) < draw(st.floats(0.0, 0.5))] = 0
    weights = rng.uniform(0.5, 20.0, n)
    domains = rng.integers(0, 3, n)
    return codes, weights, strata, domains


@SETTINGS
@given(surveys(), st.sampled_from(["logit", "wilson", "korn-graubard"]))
def test_intervals_stay_in_unit_interval_and_keep_a_width(survey: Survey, ci: str) -> None:
    codes, weights, strata, domains = survey
    options = EstimationOptions(ci=ci, lonely_psu="adjust")  # type: ignore[arg-type]
    design = make_design(weights, strata=strata)
    try:
        results = estimate_indices(codes, ITEMS, TREE, design, domain=domains, options=options)
    except EmptyDomainError:  # every answer not applicable: nothing to estimate
        return
    for e in results:
        assert 0.0 <= e.ci_low <= e.estimate <= e.ci_high <= 1.0
        assert e.ci_high - e.ci_low > 0.0
        assert np.isfinite([e.se, e.n_eff, e.deff]).all()
        assert e.n >= 1
        assert e.df >= 1


@SETTINGS
@given(surveys(), st.floats(0.01, 1000.0))
def test_means_and_shares_do_not_depend_on_the_scale_of_the_weights(
    survey: Survey, factor: float
) -> None:
    codes, weights, strata, domains = survey
    options = EstimationOptions(lonely_psu="adjust")
    base = make_design(weights, strata=strata)
    scaled = make_design(weights * factor, strata=strata)
    try:
        a = estimate_indices(codes, ITEMS, TREE, base, domain=domains, options=options)
    except EmptyDomainError:  # nothing to estimate: the scaled design has nothing either
        return
    b = estimate_indices(codes, ITEMS, TREE, scaled, domain=domains, options=options)
    for x, y in zip(a, b, strict=True):
        assert (x.variable, x.domain, x.n, x.df, x.method) == (
            y.variable,
            y.domain,
            y.n,
            y.df,
            y.method,
        )
        np.testing.assert_allclose(
            [x.estimate, x.se, x.ci_low, x.ci_high],
            [y.estimate, y.se, y.ci_low, y.ci_high],
            rtol=1e-9,
            atol=1e-12,
        )


@SETTINGS
@given(surveys(), st.floats(0.01, 1000.0))
def test_totals_scale_with_the_weights(survey: Survey, factor: float) -> None:
    _, weights, strata, domains = survey
    x = np.arange(weights.size, dtype=float)
    options = EstimationOptions(lonely_psu="adjust")
    a = estimate_totals(
        {"x": x}, make_design(weights, strata=strata), domain=domains, options=options
    )
    b = estimate_totals(
        {"x": x}, make_design(weights * factor, strata=strata), domain=domains, options=options
    )
    for u, v in zip(a, b, strict=True):
        np.testing.assert_allclose(
            [u.estimate * factor, u.se * factor], [v.estimate, v.se], rtol=1e-9
        )
        np.testing.assert_allclose(u.deff, v.deff, rtol=1e-9)


@SETTINGS
@given(surveys())
def test_domain_totals_add_up_to_the_population_total(survey: Survey) -> None:
    _, weights, strata, domains = survey
    x = np.sqrt(np.arange(weights.size, dtype=float))
    design = make_design(weights, strata=strata)
    (whole,) = estimate_totals({"x": x}, design)
    parts = estimate_totals({"x": x}, design, domain=domains)
    np.testing.assert_allclose(sum(e.estimate for e in parts), whole.estimate, rtol=1e-12)


@SETTINGS
@given(surveys())
def test_one_domain_covering_everything_is_the_whole_population(survey: Survey) -> None:
    _, weights, strata, _ = survey
    x = np.cos(np.arange(weights.size, dtype=float))
    design = make_design(weights, strata=strata)
    (whole,) = estimate_means({"x": x}, design)
    (domain,) = estimate_means({"x": x}, design, domain=np.full(x.size, "all"))
    np.testing.assert_allclose(
        [whole.estimate, whole.se, whole.deff],
        [domain.estimate, domain.se, domain.deff],
        rtol=1e-12,
    )


@SETTINGS
@given(surveys())
def test_jackknife_of_a_total_equals_its_linearisation(survey: Survey) -> None:
    # A total is linear in the weights: every JKn replicate deviation is exactly the
    # linearised one, so the two variances coincide (R's output shows the same).
    _, weights, strata, domains = survey
    x = np.arange(weights.size, dtype=float) % 7
    design = make_design(weights, strata=strata)
    taylor = estimate_totals({"x": x}, design, domain=domains)
    jackknife = estimate_totals(
        {"x": x},
        design,
        domain=domains,
        options=EstimationOptions(variance="jkn", replicate_mse=True),
    )
    np.testing.assert_allclose([e.se for e in taylor], [e.se for e in jackknife], rtol=1e-9)
