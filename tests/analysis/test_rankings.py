"""League tables with simulated rank intervals."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from analysis import Estimate, OptionsError, league_table


def _estimate(domain: str, value: float, se: float, variable: str = "overall") -> Estimate:
    return Estimate(
        variable,
        domain,
        "index",
        value,
        se,
        value - 2 * se,
        value + 2 * se,
        0.95,
        30,
        40,
        35.0,
        1.1,
        "logit",
        "taylor",
        "ok",
    )


def test_rank_intervals_match_a_direct_simulation() -> None:
    rng = np.random.default_rng(1)
    values = rng.uniform(0.7, 0.95, 12)
    ses = rng.uniform(0.005, 0.05, 12)
    estimates = [
        _estimate(f"u{i:02d}", v, s) for i, (v, s) in enumerate(zip(values, ses, strict=True))
    ]
    table = league_table(estimates, np.random.default_rng(7), level=0.9, draws=3000)
    # The same draws, ranked and summarised the plain way.
    draws = values + ses * np.random.default_rng(7).standard_normal((3000, 12))
    ranks = (-draws).argsort(axis=1).argsort(axis=1) + 1
    low = np.quantile(ranks, 0.05, axis=0, method="inverted_cdf")
    high = np.quantile(ranks, 0.95, axis=0, method="inverted_cdf")
    by_domain = {row.domain: row for row in table}
    for i in range(12):
        row = by_domain[f"u{i:02d}"]
        assert (row.rank_low, row.rank_high) == (low[i], high[i])
        assert row.rank_low <= row.rank <= row.rank_high
    assert [row.rank for row in table] == sorted(row.rank for row in table)


def test_clear_leader_and_ties() -> None:
    estimates = [
        _estimate("best", 0.99, 0.0),
        _estimate("a", 0.80, 0.01),
        _estimate("b", 0.80, 0.01),
        _estimate("worst", 0.40, 0.01),
    ]
    table = league_table(estimates, np.random.default_rng(3), draws=2000)
    assert [(r.domain, r.rank, r.rank_low, r.rank_high) for r in (table[0], table[-1])] == [
        ("best", 1, 1, 1),
        ("worst", 4, 4, 4),
    ]
    tied = [r for r in table if r.domain in ("a", "b")]
    assert [(r.rank, r.rank_low, r.rank_high) for r in tied] == [(2, 2, 3), (2, 2, 3)]


def test_same_seed_same_table_and_bad_requests() -> None:
    estimates = [_estimate(str(i), 0.5 + i / 100, 0.02) for i in range(20)]
    first = league_table(estimates, np.random.default_rng(11))
    second = league_table(estimates, np.random.default_rng(11))
    assert first == second
    mixed = [*estimates[:2], msgspec.structs.replace(estimates[2], variable="other")]
    with pytest.raises(OptionsError, match="one variable"):
        league_table(mixed, np.random.default_rng(0))
    with pytest.raises(OptionsError, match="level"):
        league_table(estimates, np.random.default_rng(0), level=1.0)
    assert league_table([], np.random.default_rng(0)) == []


def test_ties_share_the_best_rank_in_every_draw() -> None:
    estimates = [_estimate("a", 0.8, 0.0), _estimate("b", 0.8, 0.0), _estimate("c", 0.5, 0.0)]
    table = league_table(estimates, np.random.default_rng(0), draws=100)
    assert [(r.domain, r.rank, r.rank_low, r.rank_high) for r in table] == [
        ("a", 1, 1, 1),
        ("b", 1, 1, 1),
        ("c", 3, 3, 3),
    ]


def test_bounded_draws_keep_units_at_the_bound_in_their_own_rank() -> None:
    # Every respondent satisfied in six units: estimate 1, the standard error its
    # Korn-Graubard interval implies; one unit is much more precise than the others.
    # Unbounded draws above 100 % would push the precise unit below rank 1 (rank
    # interval from 2, without its own rank); draws kept in [0, 1] tie at 1 half the time.
    estimates = [
        _estimate("precise", 1.0, 0.01),
        *[_estimate(f"small{i}", 1.0, 0.15) for i in range(5)],
        _estimate("lower", 0.7, 0.02),
    ]
    unbounded = league_table(estimates, np.random.default_rng(5), draws=4000)
    assert {r.domain: r.rank_low for r in unbounded}["precise"] >= 2
    table = league_table(estimates, np.random.default_rng(5), draws=4000, bounds=(0.0, 1.0))
    for row in table:
        assert row.rank_low <= row.rank <= row.rank_high
    by_domain = {r.domain: r for r in table}
    assert (by_domain["precise"].rank, by_domain["precise"].rank_low) == (1, 1)
    assert by_domain["precise"].rank_high <= 6
    assert by_domain["lower"].rank_low >= 2
