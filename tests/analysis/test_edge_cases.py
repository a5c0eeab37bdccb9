"""Edge cases: each gives a defined result or a clear AnalysisError, never NaN."""

from __future__ import annotations

import math

import msgspec
import numpy as np
import pytest

from analysis import (
    DesignError,
    EmptyDomainError,
    Estimate,
    EstimationOptions,
    LonelyPsuError,
    OptionsError,
    estimate_indices,
    estimate_means,
    estimate_shares,
    estimate_totals,
    find_estimate,
    make_design,
    make_strata,
)
from tests.analysis.synthetic import ITEMS, TREE

LEVEL = 0.95


def _finite(results: list[Estimate]) -> None:
    for estimate in results:
        for name, value in msgspec.structs.asdict(estimate).items():
            if isinstance(value, float):
                assert math.isfinite(value), (name, estimate)


def _codes(rows: list[list[int]]) -> np.ndarray:
    return np.array(rows, dtype=np.int64)


@pytest.mark.parametrize("ci", ["logit", "wilson", "korn-graubard"])
def test_all_satisfied_has_upper_limit_one_and_lower_below_one(ci: str) -> None:
    codes = _codes([[5] * 7] * 40)
    design = make_design(np.linspace(1, 3, 40), strata=np.arange(40) % 2)
    options = EstimationOptions(ci=ci)  # type: ignore[arg-type]
    results = estimate_indices(codes, ITEMS, TREE, design, options=options)
    _finite(results)
    for e in results:
        assert e.estimate == 1.0
        assert e.ci_high == 1.0
        assert 0.8 < e.ci_low < 1.0
        assert e.se == 0.0
        assert e.deff == 1.0
        assert e.n_eff == 40
        assert "estimate_at_bound" in e.reasons
    assert {e.method for e in results} == {"korn-graubard" if ci == "logit" else ci}


def test_none_satisfied_has_lower_limit_zero_and_upper_above_zero() -> None:
    codes = _codes([[1] * 7] * 40)
    design = make_design(np.ones(40))
    for e in estimate_indices(codes, ITEMS, TREE, design):
        assert (e.estimate, e.ci_low) == (0.0, 0.0)
        assert 0.0 < e.ci_high < 0.2


def test_one_respondent_is_a_lonely_psu_under_fail() -> None:
    design = make_design(np.array([2.0]))
    with pytest.raises(LonelyPsuError):
        estimate_indices(_codes([[5, 4, 1, 5, 5, 2, 5]]), ITEMS, TREE, design)


@pytest.mark.parametrize("rule", ["certainty", "adjust", "remove"])
def test_one_respondent_gives_a_wide_defined_interval(rule: str) -> None:
    # A unit with one respondent, in a stratum of its own, next to a larger unit.
    codes = _codes([[5, 4, 1, 5, 5, 2, 5]] + [[5, 1, 5, 1, 5, 1, 5]] * 9)
    unit = np.array(["one"] + ["big"] * 9)
    design = make_design(np.full(10, 2.0), strata=unit)
    options = EstimationOptions(lonely_psu=rule)  # type: ignore[arg-type]
    results = estimate_indices(codes, ITEMS, TREE, design, domain=unit, options=options)
    _finite(results)
    q2 = find_estimate(results, "q2", "one")
    assert (q2.estimate, q2.n, q2.df, q2.se) == (0.0, 1, 1, 0.0)
    assert q2.ci_low == 0.0
    assert q2.ci_high > 0.9
    overall = find_estimate(results, "overall", "one")
    assert 0.0 < overall.ci_low < overall.estimate < overall.ci_high <= 1.0
    assert overall.flag == "suppress"
    (mean,) = estimate_means({"x": np.array([3.5])}, make_design(np.ones(1)), options=options)
    assert (mean.estimate, mean.se, mean.ci_low, mean.ci_high) == (3.5, 0.0, 3.5, 3.5)


def test_one_respondent_cannot_be_averaged_with_other_strata_of_its_unit() -> None:
    codes = _codes([[5, 4, 1, 5, 5, 2, 5]] + [[5, 1, 5, 1, 5, 1, 5]] * 9)
    unit = np.array(["one"] + ["big"] * 9)
    design = make_design(np.full(10, 2.0), strata=unit)
    options = EstimationOptions(lonely_psu="average")
    with pytest.raises(DesignError, match="domain 'one' has a single PSU"):
        estimate_indices(codes, ITEMS, TREE, design, domain=unit, options=options)


def test_one_psu_stratum_fails_by_default_and_is_defined_otherwise() -> None:
    strata = np.array([0, 0, 0, 1, 1, 2])
    x = np.array([1.0, 2.0, 4.0, 3.0, 5.0, 7.0])
    design = make_design(np.ones(6), strata=strata)
    with pytest.raises(LonelyPsuError, match="'2'") as info:
        estimate_means({"x": x}, design)
    assert info.value.stratum == "2"
    for rule in ("certainty", "remove", "adjust", "average"):
        options = EstimationOptions(lonely_psu=rule)
        (estimate,) = estimate_means({"x": x}, design, options=options)
        _finite([estimate])
        assert estimate.se > 0


def test_lonely_stratum_outside_a_domain_does_not_fail_it() -> None:
    strata = np.array([0, 0, 0, 1, 1, 2])
    domain = np.array(["a", "a", "a", "a", "a", "b"])
    design = make_design(np.ones(6), strata=strata)
    options = EstimationOptions(lonely_psu="fail")
    with pytest.raises(LonelyPsuError):
        estimate_means({"x": np.arange(6.0)}, design, domain=domain, options=options)
    kept = domain == "a"
    results = estimate_means(
        {"x": np.where(kept, np.arange(6.0), np.nan)}, design, domain=domain, options=options
    )
    assert [e.domain for e in results] == ["a"]


def test_zero_weights_leave_rows_out_but_keep_their_psus() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    weights = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    (with_zero,) = estimate_means({"x": x}, make_design(weights))
    (without,) = estimate_means({"x": x[:4]}, make_design(weights[:4]))
    assert with_zero.estimate == without.estimate == 2.5
    assert with_zero.n == 4
    # The zero-weight row is still a PSU of the stratum: n_h = 5 instead of 4, as in R:
    # d <- data.frame(x=c(1,2,3,4,100), w=c(1,1,1,1,0))
    # SE(svymean(~x, svydesign(id=~1, weights=~w, data=d)))          # 0.625
    # SE(svymean(~x, svydesign(id=~1, weights=~w, data=d[1:4, ])))   # 0.6454972243679028
    np.testing.assert_allclose([with_zero.se, without.se], [0.625, 0.6454972243679028], rtol=1e-12)


def test_all_weights_zero_is_an_empty_domain_error() -> None:
    design = make_design(np.zeros(3))
    with pytest.raises(EmptyDomainError, match="positive weight"):
        estimate_means({"x": np.array([1.0, 2.0, 3.0])}, design)


def test_item_not_applicable_everywhere_is_left_out_and_indices_use_the_rest() -> None:
    rng = np.random.default_rng(3)
    codes = rng.choice([1, 5], size=(50, 7))
    codes[:, 6] = 0
    design = make_design(np.ones(50))
    results = estimate_indices(codes, ITEMS, TREE, design)
    _finite(results)
    with pytest.raises(EmptyDomainError, match="'q6'"):
        find_estimate(results, "q6")
    assert find_estimate(results, "c").estimate == find_estimate(results, "q5").estimate


def test_element_with_no_usable_item_drops_out_of_the_overall_index() -> None:
    rng = np.random.default_rng(4)
    codes = rng.choice([1, 5], size=(60, 7))
    codes[:, 5:] = 0
    results = estimate_indices(codes, ITEMS, TREE, make_design(np.ones(60)))
    names = {e.variable for e in results}
    assert "c" not in names
    a, b = find_estimate(results, "a").estimate, find_estimate(results, "b").estimate
    assert find_estimate(results, "overall").estimate == pytest.approx((2 * a + b) / 3)


def test_empty_domain_has_no_estimate() -> None:
    weights = np.array([1.0, 2.0, 0.0, 0.0])
    domain = np.array(["a", "a", "b", "b"])
    results = estimate_shares(
        {"s": np.array([1.0, 0.0, 1.0, 1.0])}, [1.0], make_design(weights), domain=domain
    )
    assert [e.domain for e in results] == ["a"]
    with pytest.raises(EmptyDomainError, match="'b'"):
        find_estimate(results, "s", "b")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": np.array([1.0, -1.0])}, "weights: negative"),
        ({"weights": np.array([1.0, np.nan])}, "weights: missing"),
        ({"weights": np.ones(2), "strata": np.ones(3)}, "strata: expected 2"),
        ({"weights": np.ones(2), "fpc": np.array([0.5, 0.7])}, "fpc: varies"),
        ({"weights": np.ones(4), "fpc": np.full(4, 2.0)}, "more sampled PSUs"),
        (
            {"weights": np.ones(2), "strata": np.arange(2), "fpc": np.array([2.0, 0.5])},
            "mixes",
        ),
    ],
)
def test_bad_design_input_is_a_design_error(kwargs: dict[str, np.ndarray], message: str) -> None:
    with pytest.raises(DesignError, match=message):
        make_design(**kwargs)


def test_bad_variable_is_a_design_error_naming_it() -> None:
    design = make_design(np.ones(3))
    with pytest.raises(DesignError, match="income: non-numeric"):
        estimate_totals({"income": np.array(["a", "b", "c"])}, design)
    with pytest.raises(DesignError, match="income: expected 3"):
        estimate_totals({"income": np.ones(4)}, design)


def test_level_outside_zero_one_is_rejected() -> None:
    with pytest.raises(OptionsError, match="level"):
        estimate_means(
            {"x": np.ones(3)}, make_design(np.ones(3)), options=EstimationOptions(level=1.5)
        )


def test_wald_is_the_only_interval_for_means() -> None:
    with pytest.raises(OptionsError, match="shares and indices"):
        estimate_means(
            {"x": np.arange(5.0)}, make_design(np.ones(5)), options=EstimationOptions(ci="logit")
        )


def test_fpc_as_sampling_fractions_equals_population_sizes() -> None:
    rng = np.random.default_rng(8)
    strata = np.repeat([0, 1, 2], [5, 8, 4])
    population = np.array([50.0, 40.0, 10.0])[strata]
    fraction = np.bincount(strata)[strata] / population
    x = rng.normal(size=strata.size)
    weights = population / np.bincount(strata)[strata]
    (sizes,) = estimate_means({"x": x}, make_design(weights, strata=strata, fpc=population))
    (fractions,) = estimate_means({"x": x}, make_design(weights, strata=strata, fpc=fraction))
    assert sizes.se == pytest.approx(fractions.se, rel=1e-12)
    (without,) = estimate_means({"x": x}, make_design(weights, strata=strata))
    assert sizes.se < without.se


def test_make_strata_reads_fractions_and_sizes() -> None:
    by_size = make_strata(("a", "b"), [2, 5], [10.0, 5.0])
    by_fraction = make_strata(("a", "b"), [2, 5], [0.2, 1.0])
    np.testing.assert_allclose(by_size.fpc, [0.8, 0.0])
    np.testing.assert_allclose(by_fraction.fpc, [0.8, 0.0])
    assert by_size.total_psu == 7
    with pytest.raises(DesignError, match="positive count"):
        make_strata(("a",), [0])
