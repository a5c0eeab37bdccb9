"""Estimates against samplics on the API samples and the milk data.

Expected values and the script that produced them are in ``samplics_values.py``.
"""

from __future__ import annotations

import csv

import numpy as np

from analysis import (
    Design,
    estimate_means,
    estimate_ratios,
    estimate_shares,
    estimate_totals,
    fay_herriot,
)
from tests.analysis.api import DATA, ApiData
from tests.analysis.samplics_values import SAMPLICS

RTOL = 1e-9


def test_stratified_mean(fx_apistrat: ApiData, fx_dstrat: Design) -> None:
    (got,) = estimate_means({"api00": fx_apistrat.num("api00")}, fx_dstrat)
    np.testing.assert_allclose([got.estimate, got.se], SAMPLICS["strat_mean_api00"], rtol=RTOL)


def test_proportion_by_domain_crossing_strata(fx_apistrat: ApiData, fx_dstrat: Design) -> None:
    d = fx_apistrat
    no, yes = estimate_shares(
        {"sch.wide": d.flag("sch.wide", "Yes")}, [1.0], fx_dstrat, domain=d.text("awards")
    )
    np.testing.assert_allclose(
        [no.estimate, yes.estimate, no.se, yes.se],
        SAMPLICS["strat_prop_schwide_by_awards"],
        rtol=RTOL,
    )


def test_cluster_total_ratio_and_domain_means(fx_apiclus1: ApiData, fx_dclus1: Design) -> None:
    d = fx_apiclus1
    (total,) = estimate_totals({"enroll": d.num("enroll")}, fx_dclus1)
    np.testing.assert_allclose(
        [total.estimate, total.se], SAMPLICS["clus1_total_enroll"], rtol=RTOL
    )
    (ratio,) = estimate_ratios({"r": (d.num("api.stu"), d.num("enroll"))}, fx_dclus1)
    np.testing.assert_allclose([ratio.estimate, ratio.se], SAMPLICS["clus1_ratio"], rtol=RTOL)
    by_type = estimate_means({"api00": d.num("api00")}, fx_dclus1, domain=d.text("stype"))
    figures = [e.estimate for e in by_type] + [e.se for e in by_type]
    np.testing.assert_allclose(figures, SAMPLICS["clus1_mean_by_stype"], rtol=RTOL)


def test_fay_herriot_reml_matches_samplics_on_the_milk_data() -> None:
    with (DATA / "milk.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    direct = np.array([float(r["direct_est"]) for r in rows])
    se = np.array([float(r["std_error"]) for r in rows])
    major = np.array([int(r["major_area"]) for r in rows])
    dummies = (major[:, None] == np.array([2, 3, 4])[None, :]).astype(float)
    fit = fay_herriot(direct, se**2, dummies)
    assert fit.converged
    np.testing.assert_allclose(
        [fit.model_variance, *fit.coefficients], SAMPLICS["milk_model"], rtol=1e-9
    )
    np.testing.assert_allclose(fit.eblup, SAMPLICS["milk_eblup"], rtol=RTOL)
    np.testing.assert_allclose(fit.mse, SAMPLICS["milk_mse"], rtol=RTOL)
