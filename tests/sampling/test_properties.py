"""Hypothesis property tests of the sampling invariants."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sampling import (
    SelectionMethod,
    allocate,
    allocate_domains,
    calibrate,
    draw_sample,
    pps_inclusion_probabilities,
    rake,
    trim_weights,
)

# Shared CI machines are often loaded; slow example generation is not a failure here.
SLOW_IS_FINE = [HealthCheck.too_slow]

populations = st.lists(st.integers(1, 400), min_size=1, max_size=25)
methods = st.sampled_from(["equal", "proportional", "neyman", "power"])


@st.composite
def allocation_cases(draw: st.DrawFn) -> tuple[list[int], int, int, int, str, list[float]]:
    population = draw(populations)
    low = draw(st.integers(0, 30))
    high = draw(st.integers(max(low, 1), 500))
    floor = int(np.minimum(low, population).sum())
    ceiling = int(np.minimum(high, population).sum())
    total = draw(st.integers(floor, ceiling))
    sd = draw(st.lists(st.floats(0.01, 10.0), min_size=len(population), max_size=len(population)))
    return population, total, low, high, draw(methods), sd


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(allocation_cases())
def test_allocation_sums_to_total_and_respects_bounds(
    case: tuple[list[int], int, int, int, str, list[float]],
) -> None:
    population, total, low, high, method, sd = case
    units = np.arange(len(population)) // 2
    n = allocate(total, population, method=method, sd=sd, minimum=low, maximum=high, units=units)  # type: ignore[arg-type]
    size = np.array(population)
    assert int(n.sum()) == total
    assert np.all(n >= np.minimum(low, size))
    assert np.all(n <= np.minimum(high, size))


@settings(max_examples=100, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(populations, st.integers(0, 20), st.lists(st.integers(0, 600), min_size=13, max_size=13))
def test_domain_allocation_respects_bounds(
    population: list[int], low: int, wanted: list[int]
) -> None:
    size = np.array(population)
    domain = np.arange(size.size) % 13
    n = allocate_domains(wanted, domain, size, minimum=low)
    totals = np.bincount(domain, n, 13)
    floor = np.bincount(domain, np.minimum(low, size), 13)
    ceiling = np.bincount(domain, size, 13)
    assert np.array_equal(totals, np.clip(wanted, floor, ceiling))
    assert np.all((n >= np.minimum(low, size)) & (n <= size))


@st.composite
def frames(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    population = np.array(draw(st.lists(st.integers(1, 60), min_size=1, max_size=8)))
    ids = np.repeat(np.arange(population.size), population)
    order = np.random.default_rng(draw(st.integers(0, 1000))).permutation(ids.size)
    n = np.array([draw(st.integers(0, int(size))) for size in population])
    room = np.where(n > 0, population - n, 0)
    reserve = np.array([draw(st.integers(0, int(extra))) for extra in room])
    return ids[order], n, reserve, draw(st.integers(0, 2**32))


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(frames(), st.sampled_from(["systematic", "srs"]))
def test_equal_probability_sample_invariants(
    frame: tuple[np.ndarray, np.ndarray, np.ndarray, int], method: SelectionMethod
) -> None:
    ids, n, reserve, seed = frame
    keys = [np.arange(ids.size)[::-1]]
    sample = draw_sample(
        ids, n, np.random.default_rng(seed), method=method, sort_keys=keys, reserve_sizes=reserve
    )
    population = np.bincount(ids, minlength=n.size)
    main = ~sample.reserve
    assert np.unique(sample.index).size == sample.index.size
    assert np.array_equal(np.bincount(sample.stratum[main], minlength=n.size), n)
    assert np.array_equal(np.bincount(sample.stratum[~main], minlength=n.size), reserve)
    assert np.all((sample.inclusion_probability > 0) & (sample.inclusion_probability <= 1))
    sums = np.bincount(sample.stratum[main], sample.base_weight[main], n.size)
    np.testing.assert_allclose(sums[n > 0], population[n > 0], rtol=1e-12)
    again = draw_sample(
        ids, n, np.random.default_rng(seed), method=method, sort_keys=keys, reserve_sizes=reserve
    )
    assert np.array_equal(again.index, sample.index)
    assert np.array_equal(again.reserve_order, sample.reserve_order)


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(frames())
def test_pps_sample_invariants(frame: tuple[np.ndarray, np.ndarray, np.ndarray, int]) -> None:
    ids, n, reserve, seed = frame
    sizes = np.random.default_rng(seed).pareto(1.5, ids.size) + 0.1
    draws = n + reserve
    pi = pps_inclusion_probabilities(sizes, ids, draws)
    drawing = draws[ids] > 0
    assert np.all((pi[drawing] > 0) & (pi[drawing] <= 1))
    assert np.all(pi[~drawing] == 0)
    np.testing.assert_allclose(np.bincount(ids, pi, n.size), draws, rtol=1e-9, atol=1e-9)
    sample = draw_sample(
        ids, n, np.random.default_rng(seed), method="pps", size_measure=sizes,
        reserve_sizes=reserve,
    )  # fmt: skip
    assert np.array_equal(np.bincount(sample.stratum, minlength=n.size), draws)
    assert np.all((sample.inclusion_probability > 0) & (sample.inclusion_probability <= 1))
    assert np.array_equal(sample.index, draw_sample(
        ids, n, np.random.default_rng(seed), method="pps", size_measure=sizes,
        reserve_sizes=reserve,
    ).index)  # fmt: skip


@st.composite
def raking_cases(draw: st.DrawFn) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    shape = (draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 5)))
    seed = draw(st.integers(0, 2**32))
    rng = np.random.default_rng(seed)
    # Every cell of the cross-classification has respondents, so the margins are reachable.
    cells = np.repeat(np.arange(np.prod(shape)), rng.integers(1, 4, int(np.prod(shape))))
    codes = np.unravel_index(cells, shape)
    population = rng.uniform(5.0, 500.0, shape)
    totals = [population.sum(axis=(1, 2)), population.sum(axis=(0, 2)), population.sum(axis=(0, 1))]
    return rng.uniform(1.0, 20.0, cells.size), [np.asarray(c) for c in codes], totals


@settings(max_examples=100, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(raking_cases())
def test_raking_reproduces_every_margin(
    case: tuple[np.ndarray, list[np.ndarray], list[np.ndarray]],
) -> None:
    weights, margins, totals = case
    result = rake(weights, margins, totals, tol=1e-12, max_iter=5000)
    for codes, target in zip(margins, totals, strict=True):
        achieved = np.bincount(codes, result.weights, target.size)
        np.testing.assert_allclose(achieved, target, rtol=1e-8, atol=0)


@settings(max_examples=100, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(raking_cases())
def test_linear_calibration_reproduces_every_margin(
    case: tuple[np.ndarray, list[np.ndarray], list[np.ndarray]],
) -> None:
    weights, margins, totals = case
    x = np.column_stack([np.eye(t.size)[c] for c, t in zip(margins, totals, strict=True)])
    result = calibrate(weights, x, np.concatenate(totals))
    np.testing.assert_allclose(x.T @ result.weights, np.concatenate(totals), rtol=1e-8, atol=0)


@settings(max_examples=100, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(st.lists(st.floats(0.1, 1000.0), min_size=2, max_size=60), st.floats(1.2, 5.0))
def test_trimming_keeps_the_total_within_bounds(weights: list[float], factor: float) -> None:
    w = np.array(weights)
    cap = max(factor * float(np.median(w)), 1.0001 * float(w.sum()) / w.size)
    result = trim_weights(w, cap)
    assert result.weights.max() <= cap * (1 + 1e-9)
    np.testing.assert_allclose(result.weights.sum(), w.sum(), rtol=1e-12)
