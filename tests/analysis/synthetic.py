"""Small synthetic surveys with a known structure, built from a seeded Generator."""

from __future__ import annotations

import msgspec
import numpy as np
from numpy.typing import NDArray

from analysis import Design, IndexTree, ItemScoring, make_design, make_index_tree

ITEMS = tuple(ItemScoring(code=f"q{j}", satisfied=(4, 5), not_applicable=(0,)) for j in range(7))
TREE = make_index_tree(
    {"a": ["q0", "q1", "q2"], "b": ["q3", "q4"], "c": ["q5", "q6"]},
    {"a": 2.0, "b": 1.0, "c": 1.0},
)


class Survey(msgspec.Struct, frozen=True, eq=False):
    """Answer codes, a design and domain labels."""

    codes: NDArray[np.int64]
    design: Design
    unit: NDArray[np.int64]
    items: tuple[ItemScoring, ...] = ITEMS
    tree: IndexTree = TREE


def clustered_survey(rng: np.random.Generator, n_psu: int = 60, per_psu: int = 6) -> Survey:
    """Stratified two-stage sample: 6 strata, clusters of rows, units crossing strata."""
    psu = np.repeat(np.arange(n_psu), per_psu)
    stratum = psu % 6
    n = psu.size
    unit = rng.integers(0, 5, n)
    weights = rng.uniform(1.0, 9.0, n)
    weights[rng.random(n) < 0.03] = 0.0
    probability = np.linspace(0.55, 0.95, 5)[unit]
    codes = np.where(rng.random((n, len(ITEMS))) < probability[:, None], 5, 2)
    codes[rng.random((n, len(ITEMS))) < 0.1] = 0
    # Item q6 is not applicable anywhere in unit 4.
    codes[unit == 4, 6] = 0
    population = np.bincount(stratum, minlength=6)[stratum] // per_psu * 4
    design = make_design(weights, strata=stratum, psu=psu, fpc=population)
    return Survey(codes=codes.astype(np.int64), design=design, unit=unit)


def element_survey(rng: np.random.Generator, n: int = 400) -> Survey:
    """Stratified element sample (every respondent its own PSU), strata nested in units."""
    unit = rng.integers(0, 8, n)
    stratum = unit * 2 + rng.integers(0, 2, n)
    weights = rng.uniform(1.0, 5.0, n)
    probability = np.linspace(0.6, 0.99, 8)[unit]
    codes = np.where(rng.random((n, len(ITEMS))) < probability[:, None], 4, 1)
    codes[rng.random((n, len(ITEMS))) < 0.05] = 0
    design = make_design(weights, strata=stratum)
    return Survey(codes=codes.astype(np.int64), design=design, unit=unit)
