"""The sufficient-statistics path agrees with the in-memory path to 1e-10."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import (
    Estimate,
    EstimationOptions,
    estimate_indices,
    estimate_indices_from_sums,
    index_statistics,
)
from tests.analysis.synthetic import Survey, clustered_survey, element_survey

RTOL = 1e-10
FIELDS = ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff")


@pytest.fixture(params=["clustered", "element"])
def fx_survey(request: pytest.FixtureRequest) -> Survey:
    rng = np.random.default_rng(20250705)
    return clustered_survey(rng) if request.param == "clustered" else element_survey(rng)


def _assert_same(a: list[Estimate], b: list[Estimate]) -> None:
    assert [(e.variable, e.domain, e.n, e.df, e.method, e.flag) for e in a] == [
        (e.variable, e.domain, e.n, e.df, e.method, e.flag) for e in b
    ]
    for field in FIELDS:
        np.testing.assert_allclose(
            [getattr(e, field) for e in a], [getattr(e, field) for e in b], rtol=RTOL, atol=1e-14
        )


@pytest.mark.parametrize(
    "options",
    [
        EstimationOptions(),
        EstimationOptions(ci="korn-graubard", level=0.9),
        EstimationOptions(ci="wilson"),
        EstimationOptions(variance="jkn"),
        EstimationOptions(variance="jkn", replicate_mse=True),
    ],
    ids=["taylor-logit", "kg-90", "wilson", "jkn", "jkn-mse"],
)
@pytest.mark.parametrize("by_unit", [True, False], ids=["units", "whole"])
def test_sums_and_rows_agree(fx_survey: Survey, options: EstimationOptions, by_unit: bool) -> None:
    s = fx_survey
    domain = s.unit if by_unit else None
    rows = estimate_indices(s.codes, s.items, s.tree, s.design, domain=domain, options=options)
    stats = index_statistics(s.codes, s.items, s.tree, s.design, domain=domain)
    sums = estimate_indices_from_sums(stats, s.items, s.tree, options=options)
    assert len(rows) > 0
    _assert_same(rows, sums)


def test_cell_order_does_not_matter(fx_survey: Survey) -> None:
    s = fx_survey
    stats = index_statistics(s.codes, s.items, s.tree, s.design, domain=s.unit)
    order = np.random.default_rng(7).permutation(stats.cell_domain.size)
    shuffled = type(stats)(
        items=stats.items,
        strata=stats.strata,
        domains=stats.domains,
        cell_stratum=stats.cell_stratum[order],
        cell_psu=stats.cell_psu[order],
        cell_domain=stats.cell_domain[order],
        numerators=stats.numerators[:, order],
        denominators=stats.denominators[:, order],
        counts=stats.counts[:, order],
        support_counts=stats.support_counts[:, order],
        support_weights=stats.support_weights[:, order],
        weight=stats.weight[order],
        gram=stats.gram,
    )
    _assert_same(
        estimate_indices_from_sums(stats, s.items, s.tree),
        estimate_indices_from_sums(shuffled, s.items, s.tree),
    )
