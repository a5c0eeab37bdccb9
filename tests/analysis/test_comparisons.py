"""Unit vs population (with overlap), period vs period, and p-value adjustment."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import (  # type: ignore[import-untyped, unused-ignore]
    multipletests,
)

from analysis import (
    Adjustment,
    Design,
    EstimationOptions,
    OptionsError,
    adjust_p_values,
    compare_indices_with_population,
    compare_means_with_population,
    compare_periods,
    estimate_indices,
    make_design,
)
from tests.analysis.api import ApiData
from tests.analysis.synthetic import clustered_survey

RTOL = 1e-9


def test_domain_minus_population_matches_r_contrast_stratified(
    fx_apistrat: ApiData, fx_dstrat: Design
) -> None:
    # R: apistrat$yes <- as.numeric(apistrat$awards=="Yes"); apistrat$one <- 1
    #    apistrat$ay <- apistrat$api00 * apistrat$yes
    #    r <- svyratio(~ay+api00, ~yes+one, dstrat, covmat=TRUE)
    #    k <- svycontrast(r, c("ay/yes"=1, "api00/one"=-1)); c(coef(k), SE(k))
    expected = (16.135042455117286, 7.0458032188002875)
    d = fx_apistrat
    results = compare_means_with_population(
        {"api00": d.num("api00")}, fx_dstrat, domain=d.text("awards")
    )
    got = next(c for c in results if c.domain == "Yes")
    np.testing.assert_allclose([got.difference, got.se], expected, rtol=RTOL)
    assert got.reference == "population"


def test_domain_minus_population_matches_r_contrast_clustered(
    fx_apiclus1: ApiData, fx_dclus1: Design
) -> None:
    # R: apiclus1$e <- as.numeric(apiclus1$stype=="E"); apiclus1$one <- 1
    #    apiclus1$ae <- apiclus1$api00 * apiclus1$e
    #    r <- svyratio(~ae+api00, ~e+one, dclus1, covmat=TRUE)
    #    k <- svycontrast(r, c("ae/e"=1, "api00/one"=-1)); c(coef(k), SE(k))
    expected = (4.6986566484516743, 2.7085355238988806)
    d = fx_apiclus1
    results = compare_means_with_population(
        {"api00": d.num("api00")}, fx_dclus1, domain=d.text("stype")
    )
    got = next(c for c in results if c.domain == "E")
    np.testing.assert_allclose([got.difference, got.se], expected, rtol=RTOL)


def test_overlap_matters_and_a_unit_equal_to_the_city_does_not_differ() -> None:
    s = clustered_survey(np.random.default_rng(11))
    results = compare_indices_with_population(s.codes, s.items, s.tree, s.design, domain=s.unit)
    by_unit = estimate_indices(s.codes, s.items, s.tree, s.design, domain=s.unit)
    whole = {e.variable: e for e in estimate_indices(s.codes, s.items, s.tree, s.design)}
    naive = {(e.variable, e.domain): np.hypot(e.se, whole[e.variable].se) for e in by_unit}
    assert any(abs(c.se - naive[c.variable, c.domain]) > 1e-6 for c in results)
    single = compare_indices_with_population(
        s.codes, s.items, s.tree, s.design, domain=np.zeros(s.unit.size, dtype=int)
    )
    for c in single:
        assert c.difference == pytest.approx(0.0, abs=1e-14)
        assert c.se == pytest.approx(0.0, abs=1e-9)
        assert c.p_value == 1.0 or c.se > 0


def test_period_comparison_adds_variances_with_satterthwaite_df() -> None:
    rng = np.random.default_rng(5)
    now = clustered_survey(rng)
    before = clustered_survey(rng)
    a = estimate_indices(now.codes, now.items, now.tree, now.design, domain=now.unit)
    b = estimate_indices(before.codes, before.items, before.tree, before.design, domain=before.unit)
    results = compare_periods(a, b, adjust="bh")
    first = results[0]
    x, y = a[0], next(e for e in b if (e.variable, e.domain) == (a[0].variable, a[0].domain))
    v1, v2 = x.se**2, y.se**2
    assert first.difference == x.estimate - y.estimate
    assert first.se == pytest.approx(np.sqrt(v1 + v2), rel=1e-12)
    assert first.df == pytest.approx((v1 + v2) ** 2 / (v1**2 / x.df + v2**2 / y.df), rel=1e-12)
    assert first.ci_low < first.difference < first.ci_high
    assert all(0.0 <= c.p_value <= c.p_adjusted <= 1.0 for c in results)
    assert {c.adjustment for c in results} == {"bh"}


P = [0.01, 0.04, 0.03, 0.2, 0.001]


def test_adjustments_match_r_p_adjust_and_statsmodels() -> None:
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.2, 0.001), "holm")
    holm = [0.04, 0.09, 0.09, 0.2, 0.005]
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.2, 0.001), "BH")
    bh = [0.025, 0.05, 0.05, 0.2, 0.005]
    np.testing.assert_allclose(adjust_p_values(P, "holm"), holm, rtol=1e-12)
    np.testing.assert_allclose(adjust_p_values(P, "bh"), bh, rtol=1e-12)
    rng = np.random.default_rng(9)
    many = rng.random(200) ** 3
    methods: list[tuple[Adjustment, str]] = [("holm", "holm"), ("bh", "fdr_bh")]
    for ours, theirs in methods:
        expected = np.asarray(multipletests(many, method=theirs)[1], dtype=float)
        np.testing.assert_allclose(adjust_p_values(many, ours), expected, rtol=1e-12)
    np.testing.assert_array_equal(adjust_p_values(P, "none"), P)


def test_bad_requests_are_option_errors() -> None:
    with pytest.raises(OptionsError, match=r"\[0, 1\]"):
        adjust_p_values([0.5, 1.5], "holm")
    design = make_design(np.ones(4), strata=np.array([0, 0, 1, 1]))
    with pytest.raises(OptionsError, match="Taylor"):
        compare_means_with_population(
            {"x": np.arange(4.0)},
            design,
            domain=np.array([0, 1, 0, 1]),
            options=EstimationOptions(variance="jkn"),
        )
