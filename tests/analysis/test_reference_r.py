"""Estimates, SEs, design effects, df and intervals against R survey on the API samples.

Expected values and the R commands that produced them are in ``r_values.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from analysis import (
    Design,
    Estimate,
    EstimationOptions,
    LonelyPsuError,
    estimate_means,
    estimate_ratios,
    estimate_shares,
    estimate_totals,
    make_design,
)
from tests.analysis.api import ApiData
from tests.analysis.r_values import R

RTOL = 1e-9

Case = Callable[[ApiData, Design], list[Estimate]]


def _figures(results: list[Estimate], with_deff: bool) -> list[float]:
    values = [e.estimate for e in results] + [e.se for e in results]
    if with_deff:
        values += [e.deff for e in results]
    return values


STRAT: dict[str, Case] = {
    "strat_mean_api00": lambda d, s: estimate_means({"api00": d.num("api00")}, s),
    "strat_total_enroll": lambda d, s: estimate_totals({"enroll": d.num("enroll")}, s),
    "strat_by_stype": lambda d, s: estimate_means(
        {"api00": d.num("api00")}, s, domain=d.text("stype")
    ),
    "strat_by_awards": lambda d, s: estimate_means(
        {"api00": d.num("api00")}, s, domain=d.text("awards")
    ),
    "strat_total_by_awards": lambda d, s: estimate_totals(
        {"enroll": d.num("enroll")}, s, domain=d.text("awards")
    ),
}

CLUS1: dict[str, Case] = {
    "clus1_mean_api00": lambda d, s: estimate_means({"api00": d.num("api00")}, s),
    "clus1_total_enroll": lambda d, s: estimate_totals({"enroll": d.num("enroll")}, s),
    "clus1_by_stype": lambda d, s: estimate_means(
        {"api00": d.num("api00")}, s, domain=d.text("stype")
    ),
}

CLUS2: dict[str, Case] = {
    "clus2_mean_api00": lambda d, s: estimate_means({"api00": d.num("api00")}, s),
    "clus2_mean_acsk3": lambda d, s: estimate_means({"acs.k3": d.num("acs.k3")}, s),
    "clus2_total_enroll": lambda d, s: estimate_totals({"enroll": d.num("enroll")}, s),
    "clus2_by_stype": lambda d, s: estimate_means(
        {"api00": d.num("api00")}, s, domain=d.text("stype")
    ),
}


@pytest.mark.parametrize("key", list(STRAT))
def test_stratified_design_matches_r(key: str, fx_apistrat: ApiData, fx_dstrat: Design) -> None:
    got = _figures(STRAT[key](fx_apistrat, fx_dstrat), with_deff=True)
    np.testing.assert_allclose(got, R[key], rtol=RTOL)


@pytest.mark.parametrize("key", list(CLUS1))
def test_one_stage_cluster_design_matches_r(
    key: str, fx_apiclus1: ApiData, fx_dclus1: Design
) -> None:
    got = _figures(CLUS1[key](fx_apiclus1, fx_dclus1), with_deff=True)
    np.testing.assert_allclose(got, R[key], rtol=RTOL)


@pytest.mark.parametrize("key", list(CLUS2))
def test_two_stage_cluster_design_matches_r(
    key: str, fx_apiclus2: ApiData, fx_dclus2: Design
) -> None:
    got = _figures(CLUS2[key](fx_apiclus2, fx_dclus2), with_deff=True)
    np.testing.assert_allclose(got, R[key], rtol=RTOL)


def test_ratio_matches_r_svyratio(fx_apiclus1: ApiData, fx_dclus1: Design) -> None:
    d = fx_apiclus1
    (got,) = estimate_ratios({"r": (d.num("api.stu"), d.num("enroll"))}, fx_dclus1)
    np.testing.assert_allclose([got.estimate, got.se], R["clus1_ratio"], rtol=RTOL)


def test_domain_df_is_psus_minus_strata_of_the_domain(
    fx_apistrat: ApiData, fx_dstrat: Design, fx_apiclus1: ApiData, fx_dclus1: Design
) -> None:
    by_awards = estimate_means(
        {"api00": fx_apistrat.num("api00")}, fx_dstrat, domain=fx_apistrat.text("awards")
    )
    assert [e.df for e in by_awards] == list(R["strat_degf_awards"])
    by_stype = estimate_means(
        {"api00": fx_apiclus1.num("api00")}, fx_dclus1, domain=fx_apiclus1.text("stype")
    )
    assert by_stype[0].df == R["clus1_degf_E"][0]


def _share(d: ApiData, design: Design, ci: str, domain: str | None = None) -> list[Estimate]:
    options = EstimationOptions(ci=ci)  # type: ignore[arg-type]
    return estimate_shares(
        {"sch.wide": d.flag("sch.wide", "Yes")},
        [1.0],
        design,
        domain=None if domain is None else d.text("awards"),
        options=options,
    )


@pytest.mark.parametrize(
    ("key", "ci", "domain"),
    [
        ("strat_ciprop_xlogit", "logit", None),
        ("strat_ciprop_beta", "korn-graubard", None),
        ("strat_ciprop_beta_no", "korn-graubard", "No"),
        ("strat_ciprop_xlogit_no", "logit", "No"),
    ],
)
def test_share_intervals_match_r_svyciprop(
    key: str, ci: str, domain: str | None, fx_apistrat: ApiData, fx_dstrat: Design
) -> None:
    results = _share(fx_apistrat, fx_dstrat, ci, domain)
    got = results[0] if domain is None else next(e for e in results if e.domain == domain)
    assert got.method == ci
    np.testing.assert_allclose([got.estimate, got.se, got.ci_low, got.ci_high], R[key], rtol=RTOL)


def test_logit_interval_matches_svyciprop_logit_up_to_glm_convergence(
    fx_apistrat: ApiData, fx_dstrat: Design
) -> None:
    # R's "logit" method refits the share by IRLS (svyglm), whose convergence tolerance
    # leaves the point estimate 5e-10 away from the exact weighted mean; "xlogit" (above)
    # is the same interval computed from the exact mean.
    (got,) = _share(fx_apistrat, fx_dstrat, "logit")
    np.testing.assert_allclose(
        [got.estimate, got.se, got.ci_low, got.ci_high], R["strat_ciprop_logit"], rtol=1e-8
    )


def test_share_in_a_cluster_domain_matches_r(fx_apiclus1: ApiData, fx_dclus1: Design) -> None:
    d = fx_apiclus1
    results = estimate_shares(
        {"sch.wide": d.flag("sch.wide", "Yes")}, [1.0], fx_dclus1, domain=d.text("stype")
    )
    got = results[0]
    assert got.domain == "E"
    np.testing.assert_allclose(
        [got.estimate, got.se, got.ci_low, got.ci_high], R["clus1_ciprop_xlogit_E"], rtol=RTOL
    )


def test_share_of_one_has_a_defined_interval_where_r_gives_nan(
    fx_apistrat: ApiData, fx_dstrat: Design
) -> None:
    # R: svyciprop(..., subset(dstrat, awards=='Yes'), method='beta') gives NaN limits.
    results = _share(fx_apistrat, fx_dstrat, "korn-graubard", "Yes")
    got = next(e for e in results if e.domain == "Yes")
    assert (got.estimate, got.se) == R["strat_ciprop_beta_yes"][:2]
    assert got.ci_high == 1.0
    assert 0.9 < got.ci_low < 1.0


JACKKNIFE: dict[str, tuple[str, Case]] = {
    "clus1_jk1_mean": ("clus1", lambda d, s: _jk(estimate_means, d, s, "api00", None, "jk1")),
    "clus1_jk1_by_stype": (
        "clus1",
        lambda d, s: _jk(estimate_means, d, s, "api00", "stype", "jk1"),
    ),
    "clus1_jk1_total": ("clus1", lambda d, s: _jk(estimate_totals, d, s, "enroll", None, "jk1")),
    "strat_jkn_mean": ("strat", lambda d, s: _jk(estimate_means, d, s, "api00", None, "jkn")),
    "strat_jkn_by_awards": (
        "strat",
        lambda d, s: _jk(estimate_means, d, s, "api00", "awards", "jkn"),
    ),
    "strat_jkn_total": ("strat", lambda d, s: _jk(estimate_totals, d, s, "enroll", None, "jkn")),
    "strat_jkn_mse_by_awards": (
        "strat",
        lambda d, s: _jk(estimate_means, d, s, "api00", "awards", "jkn", mse=True),
    ),
}


def _jk(
    estimator: Callable[..., list[Estimate]],
    d: ApiData,
    design: Design,
    variable: str,
    domain: str | None,
    method: str,
    mse: bool = False,
) -> list[Estimate]:
    options = EstimationOptions(variance=method, replicate_mse=mse)  # type: ignore[arg-type]
    labels = None if domain is None else d.text(domain)
    return estimator({variable: d.num(variable)}, design, domain=labels, options=options)


@pytest.mark.parametrize("key", list(JACKKNIFE))
def test_jackknife_matches_r_replicate_designs(
    key: str,
    fx_apistrat: ApiData,
    fx_dstrat: Design,
    fx_apiclus1: ApiData,
    fx_dclus1: Design,
) -> None:
    which, case = JACKKNIFE[key]
    data, design = (fx_apistrat, fx_dstrat) if which == "strat" else (fx_apiclus1, fx_dclus1)
    got = _figures(case(data, design), with_deff=False)
    np.testing.assert_allclose(got, R[key], rtol=RTOL)


def test_jackknife_ratio_matches_r(fx_apiclus1: ApiData, fx_dclus1: Design) -> None:
    d = fx_apiclus1
    options = EstimationOptions(variance="jk1")
    (got,) = estimate_ratios({"r": (d.num("api.stu"), d.num("enroll"))}, fx_dclus1, options=options)
    np.testing.assert_allclose([got.estimate, got.se], R["clus1_jk1_ratio"], rtol=RTOL)


@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust", "average"])
def test_lonely_psu_rules_match_r(rule: str, fx_apiclus1: ApiData, fx_dlonely: Design) -> None:
    d = fx_apiclus1
    options = EstimationOptions(lonely_psu=rule)  # type: ignore[arg-type]
    whole = estimate_means({"api00": d.num("api00")}, fx_dlonely, options=options)
    np.testing.assert_allclose(_figures(whole, with_deff=True), R[f"lonely_{rule}_mean"], rtol=RTOL)
    by_type = estimate_means(
        {"api00": d.num("api00")}, fx_dlonely, domain=d.text("stype"), options=options
    )
    np.testing.assert_allclose(
        _figures(by_type, with_deff=True), R[f"lonely_{rule}_by_stype"], rtol=RTOL
    )


@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust", "average"])
def test_lonely_psu_rules_match_r_jackknife(
    rule: str, fx_apiclus1: ApiData, fx_dlonely: Design
) -> None:
    d = fx_apiclus1
    options = EstimationOptions(lonely_psu=rule, variance="jkn")  # type: ignore[arg-type]
    mean = estimate_means({"api00": d.num("api00")}, fx_dlonely, options=options)
    total = estimate_totals({"enroll": d.num("enroll")}, fx_dlonely, options=options)
    np.testing.assert_allclose(
        _figures(mean, with_deff=False), R[f"lonely_{rule}_jkn_mean"], rtol=RTOL
    )
    np.testing.assert_allclose(
        _figures(total, with_deff=False), R[f"lonely_{rule}_jkn_total"], rtol=RTOL
    )


def test_lonely_psu_fail_names_the_stratum(fx_apiclus1: ApiData, fx_dlonely: Design) -> None:
    # R: svymean(~api00, ds) stops with "Stratum (...) has only one PSU" (code 1 above).
    assert R["lonely_fail_message"] == (1.0,)
    with pytest.raises(LonelyPsuError, match="has only one PSU") as info:
        estimate_means({"api00": fx_apiclus1.num("api00")}, fx_dlonely)
    assert info.value.stratum in set(fx_apiclus1.text("dnum").tolist()) | {
        str(int(v)) for v in fx_apiclus1.num("dnum")
    }


def test_census_stratum_is_not_lonely(fx_apiclus1: ApiData) -> None:
    d = fx_apiclus1
    fpc = np.where(d.num("dnum") == 413, 1.0, 1000.0)
    # R: fpc <- ifelse(apiclus1$dnum==413, 1, 1000)
    #    svydesign(id=~1, weights=~pw, strata=~dnum, data=apiclus1, fpc=fpc)
    design = make_design(d.num("pw"), strata=d.num("dnum").astype(int), fpc=fpc)
    (got,) = estimate_means({"api00": d.num("api00")}, design)
    np.testing.assert_allclose([got.estimate, got.se], R["lonely_fpc_fail_ok"], rtol=RTOL)


def test_two_stage_design_with_first_stage_fpc_matches_r_ultimate_cluster(
    fx_apiclus2: ApiData,
) -> None:
    # R: options(survey.ultimate.cluster=TRUE)
    #    d <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, weights=~pw, data=apiclus2)
    #    m <- svymean(~api00, d, deff="replace"); c(coef(m), SE(m), deff(m))
    #    b <- svyby(~api00, ~stype, d, svymean, deff="replace")
    #    c(coef(b), SE(b), b[, ncol(b)])
    mean = (670.8118081180811, 29.889162472471149, 6.0122273321984894)
    by_type = (
        692.81040086673897, 598.34065934065927, 642.35199999999998,
        29.471517400566448, 16.510696023023641, 44.129393227115436,
        3.7360150954102926, 0.56044119486939803, 2.4998064813390046,
    )  # fmt: skip
    d = fx_apiclus2
    design = make_design(d.num("pw"), psu=d.num("dnum").astype(int), fpc=d.num("fpc1"))
    whole = estimate_means({"api00": d.num("api00")}, design)
    np.testing.assert_allclose(_figures(whole, with_deff=True), mean, rtol=RTOL)
    parts = estimate_means({"api00": d.num("api00")}, design, domain=d.text("stype"))
    np.testing.assert_allclose(_figures(parts, with_deff=True), by_type, rtol=RTOL)
