"""Integer allocation of sample sizes to strata, within minimum and maximum bounds.

Every allocation is solved for all strata at once (no Python loop over strata), so that
allocating over the ~10,000 strata of a city (unit × channel) stays instantaneous.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from sampling._groups import rank_within
from sampling.errors import AllocationError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = ["AllocationMethod", "allocate", "allocate_domains", "allocation_weights"]

AllocationMethod = Literal["equal", "proportional", "neyman", "power"]

_BISECTION_STEPS = 200


def allocation_weights(
    population: ArrayLike,
    method: AllocationMethod,
    *,
    sd: ArrayLike | None = None,
    power: float = 0.5,
    cost: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Return the weights w_h that an allocation makes n_h proportional to.

    Parameters
    ----------
    population
        N_h per stratum.
    method
        ``"equal"`` (w = 1), ``"proportional"`` (w = N_h), ``"neyman"`` (w = N_h S_h) or
        ``"power"`` (w = N_h^q S_h, S_h = 1 when ``sd`` is not given).
    sd
        Standard deviation S_h of the study variable per stratum (for a proportion P_h,
        :math:`\\sqrt{P_h(1-P_h)}`); required by Neyman allocation.
    power
        Exponent q of power allocation, in [0, 1]: 0 gives equal (or S_h-proportional)
        allocation, 1 Neyman (or proportional) allocation, 0.5 the usual compromise.
    cost
        Relative cost c_h of one interview per stratum (e.g. higher for postal follow-up);
        Neyman and power weights are divided by √c_h (optimal allocation).

    Returns
    -------
    NDArray[np.float64]
        Non-negative weights, one per stratum.

    Notes
    -----
    Neyman allocation :math:`n_h \\propto N_h S_h` minimises the variance of the stratified
    mean for a fixed n; with costs, :math:`n_h \\propto N_h S_h / \\sqrt{c_h}` minimises it
    for a fixed budget :math:`\\sum c_h n_h`. Bankier's power allocation
    :math:`n_h \\propto N_h^q S_h` (for equal stratum means, where his
    :math:`X_h^q\\,CV_h` reduces to this) trades the precision of the overall estimate
    against that of each stratum's estimate.

    References
    ----------
    .. [1] Neyman, J. (1934). On the two different aspects of the representative method.
       *JRSS* 97(4), 558–625.
    .. [2] Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., Wiley, §5.5.
    .. [3] Bankier, M. D. (1988). Power allocations: determining sample sizes for subnational
       areas. *The American Statistician* 42(3), 174–177.
    """
    size = np.asarray(population, dtype=np.float64)
    spread = np.ones_like(size) if sd is None else np.asarray(sd, dtype=np.float64)
    if spread.shape != size.shape or np.any(spread < 0) or np.any(~np.isfinite(spread)):
        raise AllocationError("sd must be finite, non-negative and given for every stratum")
    price = np.ones_like(size) if cost is None else np.asarray(cost, dtype=np.float64)
    if price.shape != size.shape or not np.all(price > 0) or np.any(~np.isfinite(price)):
        raise AllocationError("cost must be finite, positive and given for every stratum")
    if cost is not None and method not in ("neyman", "power"):
        raise AllocationError("costs apply to Neyman and power allocation only")
    if method == "equal":
        return np.ones_like(size)
    if method == "proportional":
        return size.copy()
    if method == "neyman":
        if sd is None:
            raise AllocationError("Neyman allocation needs the standard deviation of each stratum")
        return size * spread / np.sqrt(price)
    if method == "power":
        if not 0.0 <= power <= 1.0:
            raise AllocationError(f"power must lie in [0, 1], got {power}")
        return size**power * spread / np.sqrt(price)
    raise AllocationError(f"unknown allocation method {method!r}")


def _bounds(
    population: NDArray[np.int64], minimum: ArrayLike, maximum: ArrayLike | None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Bounds capped at N_h, after checking 0 <= minimum <= maximum as given."""
    low = np.broadcast_to(np.asarray(minimum, dtype=np.int64), population.shape)
    high = population if maximum is None else np.asarray(maximum, dtype=np.int64)
    high = np.broadcast_to(high, population.shape)
    if np.any(low < 0) or (maximum is not None and np.any(high < low)):
        raise AllocationError("bounds must satisfy 0 <= minimum <= maximum")
    return np.minimum(low, population), np.minimum(high, population)


def _continuous(
    totals: NDArray[np.int64],
    group: NDArray[np.int64],
    weights: NDArray[np.float64],
    low: NDArray[np.int64],
    high: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Solve Σ_h clip(λ_g w_h, L_h, U_h) = n_g for λ_g by bisection, all groups at once."""
    count = totals.size
    positive = weights > 0
    ratio = np.where(positive, high / np.where(positive, weights, 1.0), 0.0)
    upper = np.zeros(count)
    np.maximum.at(upper, group, ratio)
    reach = np.bincount(group, np.where(positive, high, low), count)
    short = np.flatnonzero(reach < totals)
    if short.size:
        raise AllocationError(
            f"groups {short.tolist()[:20]} need strata of zero weight to reach their total"
        )
    lower = np.zeros(count)
    for _ in range(_BISECTION_STEPS):
        middle = (lower + upper) / 2.0
        value = np.bincount(group, np.clip(middle[group] * weights, low, high), count)
        below = value < totals
        lower = np.where(below, middle, lower)
        upper = np.where(below, upper, middle)
    return np.clip(upper[group] * weights, low, high)


def _round(
    totals: NDArray[np.int64],
    group: NDArray[np.int64],
    exact: NDArray[np.float64],
    low: NDArray[np.int64],
    high: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Largest-remainder (Hamilton) rounding of ``exact`` to integers summing to each total."""
    sizes = np.clip(np.floor(exact).astype(np.int64), low, high)
    # Each pass moves every stratum by at most one unit; the exact solution needs one pass,
    # floating-point noise in λ at most a second.
    for _ in range(exact.size + 2):
        gap = totals - np.bincount(group, sizes, totals.size).astype(np.int64)
        if not gap.any():
            return sizes
        rest = exact - sizes
        up = (gap[group] > 0) & (sizes < high)
        down = (gap[group] < 0) & (sizes > low)
        # Candidates with the largest remainder gain a unit first, those with the smallest
        # lose one first; non-candidates are ranked last by an infinite key.
        key = np.where(up, -rest, np.where(down, rest, np.inf))
        rank = rank_within(group, key)
        change = np.abs(gap)[group]
        sizes = sizes + (up & (rank < change)) - (down & (rank < change))
    raise AllocationError("rounding did not reach the totals")  # pragma: no cover


def _allocate_groups(
    totals: NDArray[np.int64],
    group: NDArray[np.int64],
    weights: NDArray[np.float64],
    low: NDArray[np.int64],
    high: NDArray[np.int64],
) -> NDArray[np.int64]:
    need_low = np.bincount(group, low, totals.size)
    need_high = np.bincount(group, high, totals.size)
    bad = np.flatnonzero((totals < need_low) | (totals > need_high))
    if bad.size:
        first = int(bad[0])
        raise AllocationError(
            f"cannot allocate {int(totals[first])} within bounds [{int(need_low[first])}, "
            f"{int(need_high[first])}] (group {first}; {bad.size} group(s) infeasible)"
        )
    return _round(totals, group, _continuous(totals, group, weights, low, high), low, high)


def allocate(
    total: int,
    population: ArrayLike,
    *,
    method: AllocationMethod = "proportional",
    sd: ArrayLike | None = None,
    power: float = 0.5,
    cost: ArrayLike | None = None,
    minimum: ArrayLike = 0,
    maximum: ArrayLike | None = None,
    units: ArrayLike | None = None,
) -> NDArray[np.int64]:
    """Allocate a total sample size to strata, in integers that sum exactly to the total.

    Parameters
    ----------
    total
        Total sample size n.
    population
        N_h per stratum.
    method, sd, power, cost
        The allocation rule, see :func:`allocation_weights`.
    minimum, maximum
        Bounds per stratum (scalars or arrays); both are capped at N_h.
    units
        Unit code (0 … U-1) of each stratum. With ``method="equal"`` the total is shared
        equally between units and each unit's share proportionally between its strata (the
        design for unit league tables); other methods ignore it.

    Returns
    -------
    NDArray[np.int64]
        n_h with Σ n_h = n and max(min_h, 0) ≤ n_h ≤ min(max_h, N_h).

    Raises
    ------
    AllocationError
        When the total lies outside [Σ min, Σ max] after capping the bounds at N_h.

    Notes
    -----
    The continuous allocation :math:`x_h = \\mathrm{clip}(\\lambda w_h, L_h, U_h)` is solved for
    the λ with :math:`\\sum_h x_h = n` by bisection (the sum is monotone in λ), which is the
    exact solution of the bounded allocation problem (strata at a bound keep it, the others
    stay proportional to w_h). Integers come from the largest-remainder (Hamilton) method:
    :math:`\\lfloor x_h \\rfloor` first, then one more unit to the strata with the largest
    fractional parts until the total is met; bounds are integers, so they still hold.

    References
    ----------
    .. [1] Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., Wiley, §5.5 and §5.8
       (optimum allocation when n_h > N_h).
    .. [2] Balinski, M. L. and Young, H. P. (2001). *Fair Representation*, 2nd ed.,
       Brookings (Hamilton's method).
    """
    size = np.asarray(population, dtype=np.int64)
    low, high = _bounds(size, minimum, maximum)
    goal = np.array([total], dtype=np.int64)
    if method == "equal" and units is not None:
        unit = np.asarray(units, dtype=np.int64)
        count = int(unit.max()) + 1 if unit.size else 0
        unit_low = np.bincount(unit, low, count).astype(np.int64)
        unit_high = np.bincount(unit, high, count).astype(np.int64)
        per_unit = _allocate_groups(
            goal, np.zeros(count, np.int64), np.ones(count), unit_low, unit_high
        )
        return _allocate_groups(per_unit, unit, size.astype(np.float64), low, high)
    weights = allocation_weights(size, method, sd=sd, power=power, cost=cost)
    return _allocate_groups(goal, np.zeros(size.size, np.int64), weights, low, high)


def allocate_domains(
    domain_sizes: ArrayLike,
    domain: ArrayLike,
    population: ArrayLike,
    *,
    method: AllocationMethod = "proportional",
    sd: ArrayLike | None = None,
    power: float = 0.5,
    cost: ArrayLike | None = None,
    minimum: ArrayLike = 0,
    maximum: ArrayLike | None = None,
) -> NDArray[np.int64]:
    """Share each domain's sample size between the strata of the domain.

    Parameters
    ----------
    domain_sizes
        Sample size wanted for each domain (e.g. each unit, from a margin-of-error rule).
    domain
        Domain code (0 … D-1) of each stratum.
    population, method, sd, power, cost, minimum, maximum
        As in :func:`allocate`, applied inside each domain.

    Returns
    -------
    NDArray[np.int64]
        n_h per stratum; each domain's total is its wanted size moved into
        [Σ min_h, Σ max_h] of its strata (bounds win over the size rule).

    Notes
    -----
    Same bounded continuous solution and largest-remainder rounding as :func:`allocate`,
    solved for all domains at once.
    """
    size = np.asarray(population, dtype=np.int64)
    codes = np.asarray(domain, dtype=np.int64)
    wanted = np.asarray(domain_sizes, dtype=np.int64)
    low, high = _bounds(size, minimum, maximum)
    need_low = np.bincount(codes, low, wanted.size).astype(np.int64)
    need_high = np.bincount(codes, high, wanted.size).astype(np.int64)
    totals = np.clip(wanted, need_low, need_high)
    weights = allocation_weights(size, method, sd=sd, power=power, cost=cost)
    return _allocate_groups(totals, codes, weights, low, high)
