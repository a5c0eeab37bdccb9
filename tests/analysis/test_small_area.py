"""Fay-Herriot estimates beside the direct ones."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from analysis import (
    Estimate,
    EstimationOptions,
    ModelError,
    estimate_indices,
    fay_herriot,
    make_design,
    small_area_estimates,
)
from tests.analysis.synthetic import ITEMS, TREE


@pytest.fixture(scope="module")
def fx_overall() -> list[Estimate]:
    rng = np.random.default_rng(21)
    units = np.repeat(np.arange(30), rng.integers(3, 40, 30))
    truth = np.clip(rng.normal(0.85, 0.06, 30), 0.5, 1.0)[units]
    codes = np.where(rng.random((units.size, 7)) < truth[:, None], 5, 1)
    design = make_design(np.ones(units.size), strata=units)
    options = EstimationOptions(lonely_psu="adjust")
    results = estimate_indices(codes, ITEMS, TREE, design, domain=units, options=options)
    return [e for e in results if e.variable == "overall"]


@pytest.mark.parametrize("transform", ["arcsine", "none"])
def test_eblup_shrinks_small_units_towards_the_mean(
    fx_overall: list[Estimate], transform: str
) -> None:
    if transform == "none" and any(e.se == 0 for e in fx_overall):
        with pytest.raises(ModelError, match="zero standard error"):
            small_area_estimates(fx_overall, transform=transform)  # type: ignore[arg-type]
        return
    results = small_area_estimates(fx_overall, transform=transform)  # type: ignore[arg-type]
    assert [r.domain for r in results] == [e.domain for e in fx_overall]
    centre = np.mean([r.eblup for r in results])
    for r in results:
        assert 0.0 <= r.eblup <= 1.0
        assert 0.0 <= r.shrinkage <= 1.0
        assert np.isfinite(r.rmse)
        assert r.rmse > 0
        assert abs(r.eblup - centre) <= abs(r.direct - centre) + 1e-12
    small = min(results, key=lambda r: r.n)
    large = max(results, key=lambda r: r.n)
    assert small.shrinkage < large.shrinkage


def test_unit_at_one_hundred_percent_is_shrunk_below_one(fx_overall: list[Estimate]) -> None:
    results = small_area_estimates(fx_overall)
    for r in results:
        if r.direct == 1.0:
            assert r.eblup < 1.0


def test_no_between_area_variance_gives_the_synthetic_estimate() -> None:
    fit = fay_herriot(np.array([0.5, 0.5, 0.5, 0.5]), np.array([0.1, 0.2, 0.1, 0.3]))
    assert fit.model_variance == 0.0
    np.testing.assert_allclose(fit.eblup, 0.5)
    assert all(g == 0.0 for g in fit.shrinkage)


@pytest.mark.parametrize(
    ("direct", "variance", "message"),
    [
        ([0.1, 0.2], [0.1, 0.1], "2 areas"),
        ([0.1, 0.2, 0.3], [0.1, 0.0, 0.1], "positive"),
    ],
)
def test_bad_model_input_is_a_model_error(
    direct: list[float], variance: list[float], message: str
) -> None:
    with pytest.raises(ModelError, match=message):
        fay_herriot(np.array(direct), np.array(variance))


def test_estimates_of_several_variables_are_rejected(fx_overall: list[Estimate]) -> None:
    other = (
        fx_overall[0].__class__(**{**fx_overall[0].__struct_config__.__dict__}) if False else None
    )
    assert other is None
    mixed = [*fx_overall[:3]]

    mixed.append(msgspec.structs.replace(fx_overall[3], variable="other"))
    with pytest.raises(ModelError, match="one variable"):
        small_area_estimates(mixed)


def test_zero_standard_error_needs_the_arcsine_scale(fx_overall: list[Estimate]) -> None:
    zero = [*fx_overall[:4], msgspec.structs.replace(fx_overall[4], se=0.0)]
    with pytest.raises(ModelError, match="zero standard error"):
        small_area_estimates(zero, transform="none")
    assert len(small_area_estimates(zero)) == 5
