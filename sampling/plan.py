"""From a design and the stratum sizes to a sample plan: n, reserve, respondents, margins.

This is what ``sample preview`` shows before anything is drawn, and what ``sample draw``
passes to :func:`sampling.draw_sample`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from msgspec import Struct

from sampling.allocation import allocate, allocate_domains
from sampling.design import FixedSize, MarginSize, TotalSize, YamaneSize
from sampling.errors import DesignError
from sampling.size import expected_margin, margin_sample_size, stratified_margin, yamane_sample_size

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from sampling.design import SampleDesign

__all__ = ["SamplePlan", "plan_sample"]


class SamplePlan(Struct, frozen=True):
    """Per-stratum and per-unit sizes and expected precision of a design.

    Attributes
    ----------
    population
        N_h.
    sample_size
        Main sample n_h.
    reserve_size
        Reserve r_h.
    expected_respondents
        n_h × anticipated response rate.
    margin
        Expected margin of error of each stratum's proportion.
    unit_population, unit_sample_size, unit_expected_respondents, unit_margin
        The same per unit (stratified over the unit's strata); empty without units.
    overall_margin
        Expected margin of the whole population's proportion.
    """

    population: NDArray[np.int64]
    sample_size: NDArray[np.int64]
    reserve_size: NDArray[np.int64]
    expected_respondents: NDArray[np.float64]
    margin: NDArray[np.float64]
    unit_population: NDArray[np.int64]
    unit_sample_size: NDArray[np.int64]
    unit_expected_respondents: NDArray[np.float64]
    unit_margin: NDArray[np.float64]
    overall_margin: float


def _rule_size(design: SampleDesign, population: NDArray[np.int64]) -> NDArray[np.int64]:
    """The size rule applied to each domain's population."""
    rule, assume = design.size, design.assumptions
    if isinstance(rule, MarginSize):
        return margin_sample_size(
            population,
            rule.margin,
            confidence=assume.confidence,
            proportion=assume.proportion,
            deff=assume.deff,
            response_rate=assume.response_rate,
        )
    if isinstance(rule, YamaneSize):
        return yamane_sample_size(population, rule.error)
    assert isinstance(rule, FixedSize)
    return np.full(population.shape, rule.n, dtype=np.int64)


def _sizes(
    design: SampleDesign,
    population: NDArray[np.int64],
    units: NDArray[np.int64] | None,
    sd: ArrayLike | None,
    cost: ArrayLike | None,
) -> NDArray[np.int64]:
    """n_h from the size rule, the allocation and the bounds."""
    alloc, rule = design.allocation, design.size
    low, high = alloc.minimum, alloc.maximum
    per = getattr(rule, "per", "population")
    if isinstance(rule, TotalSize) or per == "population":
        total = rule.n if isinstance(rule, TotalSize) else _population_total(design, population)
        return allocate(
            total, population, method=alloc.method, sd=sd, power=alloc.power, cost=cost,
            minimum=low, maximum=high, units=units,
        )  # fmt: skip
    if per == "unit":
        if units is None:
            raise DesignError("a size per unit needs the unit of every stratum")
        count = int(units.max(initial=-1)) + 1
        wanted = _rule_size(design, np.bincount(units, population, count).astype(np.int64))
        return allocate_domains(
            wanted, units, population, method=alloc.method, sd=sd, power=alloc.power,
            cost=cost, minimum=low, maximum=high,
        )  # fmt: skip
    strata = np.arange(population.size, dtype=np.int64)
    wanted = _rule_size(design, population)
    return allocate_domains(wanted, strata, population, minimum=low, maximum=high)


def _population_total(design: SampleDesign, population: NDArray[np.int64]) -> int:
    """The rule's total for the whole population, moved inside the allocation bounds."""
    total = int(_rule_size(design, np.array([population.sum()], dtype=np.int64))[0])
    low = np.minimum(design.allocation.minimum, population).sum()
    cap = design.allocation.maximum
    high = population.sum() if cap is None else np.minimum(cap, population).sum()
    return int(np.clip(total, low, high))


def plan_sample(
    design: SampleDesign,
    population: ArrayLike,
    units: ArrayLike | None = None,
    *,
    sd: ArrayLike | None = None,
    cost: ArrayLike | None = None,
) -> SamplePlan:
    """Compute the sample sizes, reserve and expected precision of a design.

    Parameters
    ----------
    design
        The sample design.
    population
        N_h of each stratum (eligible frame rows after exclusions).
    units
        Unit code (0 … U-1) of each stratum; needed for sizes per unit, equal allocation
        per unit and the per-unit preview.
    sd
        Standard deviation of the study variable per stratum for Neyman or power allocation
        (default :math:`\\sqrt{P(1-P)}` from the assumptions, the same in every stratum).
    cost
        Relative cost of an interview per stratum, for optimal (Neyman or power) allocation.

    Returns
    -------
    SamplePlan
        n_h, r_h, expected respondents and margins per stratum, per unit and overall.

    Notes
    -----
    Sizes per unit or per stratum come from the size rule applied to each domain's N, then
    are shared among the domain's strata (:func:`sampling.allocate_domains`); a population
    size rule gives a total allocated by the design's method (:func:`sampling.allocate`).
    Bounds win over the size rule; a fixed total outside the bounds is an error. The reserve
    is :math:`r_h = \\min(\\lceil f n_h \\rceil, N_h - n_h)`. Margins use the anticipated
    proportion, design effect and response rate (:func:`sampling.stratified_margin`).
    """
    size = np.asarray(population, dtype=np.int64)
    unit = None if units is None else np.asarray(units, dtype=np.int64)
    if unit is not None and unit.shape != size.shape:
        raise DesignError("units must give one unit code per stratum")
    assume = design.assumptions
    if sd is None:
        sd = np.full(size.shape, np.sqrt(assume.proportion * (1.0 - assume.proportion)))
    n = _sizes(design, size, unit, sd, cost)
    reserve = np.ceil(design.selection.reserve_fraction * n - 1e-9).astype(np.int64)
    reserve = np.minimum(reserve, size - n)
    m = n.astype(np.float64) * assume.response_rate
    precision = {"confidence": assume.confidence, "proportion": assume.proportion}
    precision["deff"] = assume.deff
    unit_code = np.zeros(0, np.int64) if unit is None else unit
    count = int(unit_code.max(initial=-1)) + 1
    unit_margin = np.zeros(0) if unit is None else stratified_margin(unit, size, m, **precision)
    return SamplePlan(
        population=size,
        sample_size=n,
        reserve_size=reserve,
        expected_respondents=m,
        margin=expected_margin(m, size, **precision),
        unit_population=np.bincount(unit_code, size, count).astype(np.int64),
        unit_sample_size=np.bincount(unit_code, n, count).astype(np.int64),
        unit_expected_respondents=np.bincount(unit_code, m, count).astype(np.float64),
        unit_margin=unit_margin,
        overall_margin=float(stratified_margin(np.zeros_like(size), size, m, **precision)[0]),
    )
