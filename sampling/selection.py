"""Selection of a stratified sample: systematic, simple random or systematic PPS.

Every method works on all strata at once: the frame is sorted once by (stratum, sort keys) and
the selected positions are computed with array arithmetic, so a 10-million-row frame with
10,000 strata needs no Python loop over strata.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

import numpy as np
from msgspec import Struct

from sampling._groups import group_starts, rank_within
from sampling.errors import FrameError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

__all__ = ["Sample", "SelectionMethod", "draw_sample", "pps_inclusion_probabilities"]

SelectionMethod = Literal["systematic", "srs", "pps"]


class Sample(Struct, frozen=True):
    """A drawn sample: one entry per selected frame row (main sample and reserve).

    Attributes
    ----------
    index
        Frame row of each selected member, grouped by stratum.
    stratum
        Stratum code of each member.
    inclusion_probability
        Main rows: probability π of being in the main sample. Reserve rows: probability of
        being drawn into main ∪ reserve, so that their base weight is the one that holds
        when the stratum's whole reserve is released (see
        :func:`sampling.release_base_weights` for partial releases).
    base_weight
        1 / π.
    reserve
        True for reserve members (replacements), False for the main sample.
    reserve_order
        Order in which a stratum's reserve members are released (0, 1, …); -1 for main.
    certainty
        True for PPS certainty units (π = 1).
    """

    index: NDArray[np.int64]
    stratum: NDArray[np.int64]
    inclusion_probability: NDArray[np.float64]
    base_weight: NDArray[np.float64]
    reserve: NDArray[np.bool_]
    reserve_order: NDArray[np.int64]
    certainty: NDArray[np.bool_]


def _slots(draws: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Stratum and within-stratum counter j = 0 … m_h-1 of every draw."""
    stratum = np.repeat(np.arange(draws.size, dtype=np.int64), draws)
    return stratum, np.arange(stratum.size, dtype=np.int64) - group_starts(draws)[stratum]


def _systematic_positions(
    population: NDArray[np.int64], draws: NDArray[np.int64], rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Positions floor(u_h + j k_h) with k_h = N_h / m_h and u_h ~ U[0, k_h)."""
    step = population / np.maximum(draws, 1)
    start = rng.random(population.size) * step
    stratum, j = _slots(draws)
    position = np.floor(start[stratum] + j * step[stratum]).astype(np.int64)
    # Rounding could reach N_h when u_h is within an ulp of k_h.
    return stratum, np.minimum(position, population[stratum] - 1)


def pps_inclusion_probabilities(
    sizes: ArrayLike, strata: ArrayLike, draws: ArrayLike
) -> NDArray[np.float64]:
    """Return PPS inclusion probabilities with certainty units, per stratum.

    Parameters
    ----------
    sizes
        Positive size measure x_i of each frame row.
    strata
        Stratum code of each row.
    draws
        Number m_h of units to draw in each stratum.

    Returns
    -------
    NDArray[np.float64]
        π_i, summing to m_h in each stratum, all in (0, 1].

    Notes
    -----
    :math:`\\pi_i = m_h x_i / X_h`; units with :math:`\\pi_i \\geq 1` are taken with
    certainty (π = 1) and the rest recomputed with :math:`m_h - c_h` draws over the
    remaining size, until no new certainty unit appears (as R ``sampling``'s
    ``inclusionprobabilities``).

    References
    ----------
    .. [1] Särndal, C.-E., Swensson, B. and Wretman, J. (1992). *Model Assisted Survey
       Sampling*, Springer, §3.6.
    .. [2] Tillé, Y. (2006). *Sampling Algorithms*, Springer, §2.10.
    """
    x = np.asarray(sizes, dtype=np.float64)
    ids = np.asarray(strata, dtype=np.int64)
    m = np.asarray(draws, dtype=np.float64)
    if np.any(~(x > 0)) or np.any(~np.isfinite(x)):
        raise FrameError("PPS size measures must be finite and positive")
    sure = np.zeros(x.size, dtype=np.bool_)
    while True:
        left = m - np.bincount(ids, sure, m.size)
        total = np.bincount(ids, np.where(sure, 0.0, x), m.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            pi = np.where(sure, 1.0, left[ids] * x / total[ids])
        new = ~sure & (pi >= 1.0)
        if not new.any():
            result: NDArray[np.float64] = np.clip(np.nan_to_num(pi), 0.0, 1.0)
            return result
        sure |= new


def _pps_positions(
    pi_sorted: NDArray[np.float64],
    population: NDArray[np.int64],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Sorted positions hit by u_h + j on the cumulated π of each stratum's list."""
    start = rng.random(population.size)
    first = group_starts(population)
    stratum = np.repeat(np.arange(population.size), population)
    total = np.cumsum(pi_sorted)
    before = np.r_[0.0, total][first]
    upper = total - before[stratum]
    lower = upper - pi_sorted
    hits = np.ceil(upper - start[stratum]) - np.ceil(lower - start[stratum])
    # Certainty units (π = 1) are always hit once: the integer grid step is 1.
    return np.flatnonzero(hits > 0)


def _check(
    population: NDArray[np.int64], sizes: NDArray[np.int64], reserve: NDArray[np.int64]
) -> None:
    if sizes.shape != population.shape or reserve.shape != population.shape:
        raise FrameError(
            f"{population.size} strata in the frame but {sizes.size} sample sizes "
            f"and {reserve.size} reserve sizes"
        )
    over = np.flatnonzero((sizes < 0) | (reserve < 0) | (sizes + reserve > population))
    if over.size:
        raise FrameError(f"strata {over.tolist()[:20]} ask for more members than they have")
    idle = np.flatnonzero((sizes == 0) & (reserve > 0))
    if idle.size:
        raise FrameError(f"strata {idle.tolist()[:20]} have a reserve but no main sample")


_KEY_BITS = 63


def _integer_key(key: NDArray[np.generic]) -> NDArray[np.int64] | None:
    """Key as int64 offsets from its minimum, or None when it is not of an integer kind."""
    if key.dtype.kind == "M":
        key = key.astype(np.int64)
    if key.dtype.kind not in "biu" or key.size == 0:
        return None
    return key.astype(np.int64) - np.int64(key.min())


def _order_by(prefix: NDArray[np.int64], tail: NDArray[np.int64], bits: int) -> NDArray[np.int64]:
    """Tails (unique, < 2**bits) in the order of (prefix, tail).

    Sorting the packed values ``prefix << bits | tail`` in place is several times faster
    than an argsort, and since the values are unique the result does not depend on the
    sorting algorithm (so not on the machine's SIMD either).
    """
    packed = (prefix << bits) | tail
    packed.sort()
    result: NDArray[np.int64] = packed & ((1 << bits) - 1)
    return result


def _sort(ids: NDArray[np.int64], sort_keys: Sequence[ArrayLike]) -> NDArray[np.int64]:
    """Frame order by stratum, then by the sort keys in the order given, then by position."""
    keys = [np.asarray(key) for key in sort_keys]
    if any(key.shape != ids.shape for key in keys):
        raise FrameError("every sort key must have one value per frame row")
    offsets = [_integer_key(key) for key in keys]
    bits = max(ids.size - 1, 1).bit_length()
    if all(k is not None for k in offsets):
        spans = [int(ids.max(initial=0)) + 1] + [int(k.max()) + 1 for k in offsets if k is not None]
        if math.prod(spans) << bits < 1 << _KEY_BITS:
            packed = ids.copy()
            for k, span in zip(offsets, spans[1:], strict=True):
                packed = packed * span + k  # type: ignore[operator]
            return _order_by(packed, np.arange(ids.size, dtype=np.int64), bits)
    return np.lexsort((*reversed(keys), ids)).astype(np.int64)


def _random_order(ids: NDArray[np.int64], rng: np.random.Generator) -> NDArray[np.int64]:
    """A uniformly random permutation inside each stratum, strata in code order."""
    rank = rng.permutation(ids.size).astype(np.int64)
    # Stratum codes are < H (one sample size each) and positions < N, so H·N < 2**63 always.
    bits = max(ids.size - 1, 1).bit_length()
    row = np.empty_like(rank)
    row[rank] = np.arange(ids.size, dtype=np.int64)
    return row[_order_by(ids, rank, bits)]


def _select(
    ids: NDArray[np.int64],
    population: NDArray[np.int64],
    draws: NDArray[np.int64],
    rng: np.random.Generator,
    method: SelectionMethod,
    sort_keys: Sequence[ArrayLike],
    size_measure: ArrayLike | None,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.bool_]]:
    """Rows drawn (main and reserve together), their probability of being drawn, certainty."""
    first = group_starts(population)
    if method == "srs":
        # A random permutation inside each stratum; its first m_h rows are the draw.
        order = _random_order(ids, rng)
        stratum, position = _slots(draws)
        rows = order[first[stratum] + position]
        share = draws / np.maximum(population, 1)
        return rows, share[stratum], np.zeros(rows.size, np.bool_)
    order = _sort(ids, sort_keys)
    if method == "systematic":
        stratum, position = _systematic_positions(population, draws, rng)
        rows = order[first[stratum] + position]
        share = draws / np.maximum(population, 1)
        return rows, share[stratum], np.zeros(rows.size, np.bool_)
    if method == "pps":
        if size_measure is None:
            raise FrameError("PPS selection needs a size measure")
        pi = pps_inclusion_probabilities(size_measure, ids, draws)
        rows = order[_pps_positions(pi[order], population, rng)]
        return rows, pi[rows], pi[rows] >= 1.0
    raise FrameError(f"unknown selection method {method!r}")


def draw_sample(
    strata: ArrayLike,
    sample_sizes: ArrayLike,
    rng: np.random.Generator,
    *,
    method: SelectionMethod = "systematic",
    sort_keys: Sequence[ArrayLike] = (),
    size_measure: ArrayLike | None = None,
    reserve_sizes: ArrayLike | None = None,
) -> Sample:
    """Draw a stratified sample and its reserve.

    Parameters
    ----------
    strata
        Stratum code (0 … H-1) of every eligible frame row, rows in canonical order.
    sample_sizes
        Main sample size n_h of every stratum (e.g. from :func:`sampling.plan_sample`).
    rng
        The only source of randomness; the same frame, sizes and seed give the same sample.
    method
        ``"systematic"`` (random start, fractional interval N_h/m_h over the list sorted by
        ``sort_keys``: implicit stratification), ``"srs"`` (simple random without
        replacement) or ``"pps"`` (systematic PPS over the sorted list, certainty units
        taken first).
    sort_keys
        Arrays ordering the list within strata, most significant first.
    size_measure
        Positive size of every row, for PPS.
    reserve_sizes
        Reserve size r_h of every stratum (default none).

    Returns
    -------
    Sample
        Selected rows with π, base weight, reserve flag and release order.

    Notes
    -----
    m_h = n_h + r_h rows are drawn; the reserve is a random subset of r_h of them (never a
    certainty unit), ordered at random for release. A random subsample of a systematic or
    simple random sample is again an equal-probability sample, so the main sample has
    :math:`\\pi = n_h / N_h` and Σ 1/π = N_h in every stratum. For PPS the main sample has
    :math:`\\pi_i = \\pi_i^{(m)} (s_h - r_h)/s_h` for the :math:`s_h` non-certainty draws
    and π = 1 for certainty units.

    References
    ----------
    .. [1] Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., Wiley, ch. 8
       (systematic sampling).
    .. [2] Madow, W. G. (1949). On the theory of systematic sampling, II. *Annals of
       Mathematical Statistics* 20, 333–354 (systematic PPS).
    .. [3] Lohr, S. L. (2019). *Sampling: Design and Analysis*, 2nd ed., CRC Press, §2.7
       and §6.2.
    """
    ids = np.asarray(strata, dtype=np.int64)
    sizes = np.asarray(sample_sizes, dtype=np.int64)
    reserve = np.zeros_like(sizes) if reserve_sizes is None else np.asarray(reserve_sizes)
    if ids.size and (ids.min() < 0 or ids.max() >= sizes.size):
        raise FrameError(f"stratum codes must lie in 0 … {sizes.size - 1}")
    population = np.bincount(ids, minlength=sizes.size).astype(np.int64)
    reserve = reserve.astype(np.int64)
    _check(population, sizes, reserve)
    rows, drawn, certain = _select(
        ids, population, sizes + reserve, rng, method, sort_keys, size_measure
    )
    return _split_reserve(rows, ids[rows], drawn, certain, reserve, rng)


def _split_reserve(
    rows: NDArray[np.int64],
    stratum: NDArray[np.int64],
    drawn: NDArray[np.float64],
    certain: NDArray[np.bool_],
    reserve: NDArray[np.int64],
    rng: np.random.Generator,
) -> Sample:
    """Move a random r_h of each stratum's non-certainty draws to the reserve."""
    free = np.bincount(stratum, ~certain, reserve.size).astype(np.int64)
    held = np.minimum(reserve, free)
    # Certainty units get the lowest key, so they are never moved to the reserve.
    key = np.where(certain, -1.0, rng.random(rows.size))
    rank = rank_within(stratum, key)
    count = np.bincount(stratum, minlength=reserve.size).astype(np.int64)
    main_count = count - held
    in_reserve = rank >= main_count[stratum]
    with np.errstate(divide="ignore", invalid="ignore"):
        keep_share = np.where(free > 0, (free - held) / free, 1.0)
    # A reserve row carries its probability of being drawn into main ∪ reserve: its weight
    # if the whole reserve of its stratum is released.
    pi = np.where(certain, 1.0, np.where(in_reserve, drawn, drawn * keep_share[stratum]))
    return Sample(
        index=rows,
        stratum=stratum,
        inclusion_probability=pi,
        base_weight=1.0 / pi,
        reserve=in_reserve,
        reserve_order=np.where(in_reserve, rank - main_count[stratum], -1),
        certainty=certain,
    )
