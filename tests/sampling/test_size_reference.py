"""Sample sizes, allocations and PPS probabilities against samplics, R and worked examples.

samplics rows come from data/samplics_sizes.csv, written by
``python data/samplics_reference.py > data/samplics_sizes.csv`` (samplics 0.6.1, Wald method
for a proportion with finite-population correction). PPS probabilities come from
data/pps_r_sampling.csv, written by ``Rscript data/r_sampling_reference.R`` (R package
sampling 2.9, ``inclusionprobabilities``).
"""

from __future__ import annotations

import numpy as np
import pytest

from sampling import (
    allocate,
    expected_margin,
    margin_sample_size,
    pps_inclusion_probabilities,
    stratified_margin,
    yamane_sample_size,
)
from tests.sampling.conftest import read_table


def _samplics_rows(kind: str) -> list[dict[str, str]]:
    table = read_table("samplics_sizes.csv")
    rows = [dict(zip(table, values, strict=True)) for values in zip(*table.values(), strict=True)]
    return [row for row in rows if row["kind"] == kind]


@pytest.mark.parametrize("row", _samplics_rows("wald"), ids=lambda row: row["stratum"])
def test_margin_sample_size_matches_samplics(row: dict[str, str]) -> None:
    # samplics: SampleSize(param=PopParam.prop, method=SizeMethod.wald, strat=True)
    #   .calculate(half_ci, target, pop_size, deff=1.0, resp_rate, alpha=0.05)
    n = margin_sample_size(
        [int(row["N"])],
        float(row["margin"]),
        confidence=float(row["confidence"]),
        proportion=float(row["proportion"]),
        response_rate=float(row["response_rate"]),
    )
    assert int(n[0]) == int(row["n"])


def test_proportional_and_equal_allocation_match_samplics() -> None:
    # samplics: allocate("propal", strata, pop, samp_size=500) and
    #           allocate("equal", strata, pop, constant=125); the shares are whole numbers,
    #           so samplics' rounding up and our exact-sum rounding must agree.
    propal = _samplics_rows("propal")
    population = [int(row["N"]) for row in propal]
    assert allocate(500, population).tolist() == [int(row["n"]) for row in propal]
    equal = _samplics_rows("equal")
    assert allocate(500, population, method="equal").tolist() == [int(r["n"]) for r in equal]


def test_cochran_infinite_population_size() -> None:
    # Worked by hand from Cochran (1977) §4.4: n0 = z² P Q / d² = 1.959964² · 0.25 / 0.05²
    # = 384.15 → 385 respondents for ±5 points at 95 % (the textbook "385").
    assert margin_sample_size([10**12], 0.05).tolist() == [385]


def test_finite_population_correction_example() -> None:
    # Israel, G. D. (1992). Determining Sample Size, University of Florida IFAS fact sheet
    # PEOD-6: N = 2,000 gives n = n0 / (1 + (n0 - 1)/N) = 323 (samplics row "b" agrees).
    assert margin_sample_size([2000], 0.05).tolist() == [323]


def test_design_effect_and_response_rate_inflate_before_rounding() -> None:
    # By hand: n0 = 1.959964² · 1.5 · 0.25 / 0.05² = 576.23; m = 5000 n0 / (4999 + n0)
    # = 516.7; n = ⌈516.7 / 0.6⌉ = 862.
    assert margin_sample_size([5000], 0.05, deff=1.5, response_rate=0.6).tolist() == [862]


@pytest.mark.parametrize(
    ("population", "error", "expected"),
    [
        # By hand: 10000 / (1 + 10000 · 0.05²) = 384.6 → 385; 2000 / 6 = 333.3 → 334;
        # 500 / 2.25 = 222.2 → 223; 400 / 2 = 200; 10000 / 10 = 1000.
        (10000, 0.05, 385),
        (2000, 0.05, 334),
        (500, 0.05, 223),
        (400, 0.05, 200),
        (10000, 0.03, 1000),
    ],
)
def test_yamane_rule(population: int, error: float, expected: int) -> None:
    assert yamane_sample_size([population], error).tolist() == [expected]


def test_expected_margin_inverts_the_sample_size() -> None:
    population = np.array([500, 2000, 10000, 1251])
    n = margin_sample_size(population, 0.05, proportion=0.3, deff=1.3)
    margin = expected_margin(n, population, proportion=0.3, deff=1.3)
    assert np.all(margin <= 0.05 + 1e-12)
    smaller = expected_margin(n - 1, population, proportion=0.3, deff=1.3)
    assert np.all(smaller > 0.05)


def test_stratified_margin_of_one_stratum_equals_expected_margin() -> None:
    margin = stratified_margin([0, 1, 1], [1000, 400, 600], [100.0, 40.0, 60.0])
    single = expected_margin([100.0], [1000])
    np.testing.assert_allclose(margin[0], single[0], rtol=1e-14)
    # Proportional allocation in unit 1 with equal S²: V = Σ W_h² (1 - f) S_h² / m_h.
    s2 = np.array([400 / 399, 600 / 599]) * 0.25
    w = np.array([0.4, 0.6])
    by_hand = 1.959963984540054 * np.sqrt(np.sum(w**2 * 0.9 * s2 / np.array([40, 60])))
    np.testing.assert_allclose(margin[1], by_hand, rtol=1e-12)


def test_neyman_allocation_by_hand() -> None:
    # Cochran (1977) §5.5, n_h = n N_h S_h / Σ N_k S_k. By hand: N S = 1000·10, 2000·5,
    # 500·40 → shares 1/4, 1/4, 1/2 of n = 400: exactly 100, 100, 200.
    n = allocate(400, [1000, 2000, 500], method="neyman", sd=[10.0, 5.0, 40.0])
    assert n.tolist() == [100, 100, 200]


def test_power_allocation_by_hand() -> None:
    # Bankier (1988): n_h ∝ N_h^q S_h; q = 0.5, S_h = 1: √N = 10, 20, 30 → 60 splits 10/20/30.
    n = allocate(60, [100, 400, 900], method="power", power=0.5)
    assert n.tolist() == [10, 20, 30]


def test_largest_remainder_rounding_by_hand() -> None:
    # Proportional shares of 10 over N = 5, 3, 2 with n = 4: 2.0, 1.2, 0.8 → floors 2, 1, 0
    # and the last unit to the largest remainder (0.8).
    assert allocate(4, [5, 3, 2]).tolist() == [2, 1, 1]


def test_bounded_allocation_keeps_capped_strata_at_their_bound() -> None:
    # Proportional 100 over 1000/10/10/5000 with min 20, max 60: the small strata sit at
    # 20 (and at most N_h = 10), the largest at 60, the rest (100 - 10 - 10 - 60 = 20) goes to
    # the stratum of 1000.
    n = allocate(100, [1000, 10, 10, 5000], minimum=20, maximum=60)
    assert n.tolist() == [20, 10, 10, 60]


@pytest.mark.parametrize("draws", [4, 7, 12])
def test_pps_probabilities_match_r_sampling(draws: int) -> None:
    # R: sampling::inclusionprobabilities(sizes, draws)
    table = read_table("pps_r_sampling.csv")
    sizes = np.array(table["size"], dtype=np.float64)
    expected = np.array(table[f"pi_{draws}"], dtype=np.float64)
    pi = pps_inclusion_probabilities(sizes, np.zeros(sizes.size, np.int64), [draws])
    np.testing.assert_allclose(pi, expected, rtol=1e-12, atol=0)
    assert pi.sum() == pytest.approx(draws, rel=1e-12)


# Lohr, S. L. (2021). Sampling: Design and Analysis, 3rd ed., CRC Press, Example 3.2:
# 300 of the 3,078 counties of the 1992 Census of Agriculture (agpop), strata by region
# NC, NE, S, W with N_h = 1054, 220, 1382, 422. The R code of Lu & Lohr (2021), R Companion,
# ch. 3 ("Allocation Methods") computes, and R's round() gives:
#   propalloc <- 300 * popsize / sum(popsize)                       → 103, 21, 135, 41
#   neymanalloc <- 300 * (popsize * sqrt(stratvar)) / sum(...),
#   stratvar <- c(1.1, 0.8, 1.0, 2.0)                               → 101, 18, 126, 55
# (the agstrat sample of the book has the proportional sizes). Largest remainders agree with
# rounding here, and the sums are exactly 300.
AGPOP_REGIONS = [1054, 220, 1382, 422]


def test_lohr_example_3_2_proportional_allocation() -> None:
    assert allocate(300, AGPOP_REGIONS).tolist() == [103, 21, 135, 41]


def test_lohr_example_3_2_neyman_allocation() -> None:
    sd = np.sqrt([1.1, 0.8, 1.0, 2.0])
    assert allocate(300, AGPOP_REGIONS, method="neyman", sd=sd).tolist() == [101, 18, 126, 55]


def test_lohr_example_3_2_optimal_allocation_with_costs() -> None:
    # Same R Companion code: relcost <- c(1.4, 1.0, 1.0, 1.8);
    # optalloc <- 300 * (popsize * sqrt(stratvar / relcost)) / sum(...)  → 95, 20, 140, 45
    # (94.758, 19.958, 140.168, 45.116 before rounding).
    sd = np.sqrt([1.1, 0.8, 1.0, 2.0])
    n = allocate(300, AGPOP_REGIONS, method="neyman", sd=sd, cost=[1.4, 1.0, 1.0, 1.8])
    assert n.tolist() == [95, 20, 140, 45]
