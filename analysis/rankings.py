"""League tables with rank intervals instead of bare ranks.

Ranks are simulated from the estimates' approximate sampling distributions: each draw
takes :math:`\\theta^*_d \\sim N(\\hat\\theta_d, se_d^2)` independently across domains and
ranks the draws (1 = highest, equal draws share the best rank, as equal estimates do); the
rank interval is the central ``level`` range of a domain's simulated ranks. For a bounded
statistic (shares and indices lie in [0, 1]) draws beyond a bound are set to it: a unit
at 100 % cannot be beaten by a draw of 104 %, and units tied at the bound stay tied.
Independence holds exactly when strata are nested in the domains (the usual unit x
channel strata) and approximately otherwise. The random draws come from the
``numpy.random.Generator`` passed in, so a table is reproducible from its seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np
from numpy.typing import NDArray

from analysis.errors import OptionsError
from analysis.reliability import Flag
from analysis.results import Estimate

__all__ = ["LeagueRow", "league_table"]

IntArray = NDArray[np.int64]


class LeagueRow(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """One domain's place in a league table.

    Attributes
    ----------
    variable, domain
        What is ranked.
    estimate, se, flag
        The estimate, its standard error and its reliability flag.
    n, n_eff
        Respondents and effective sample size behind the estimate.
    rank
        Rank of the estimate itself (1 = highest; ties share the best rank).
    rank_low, rank_high
        The rank interval: the central ``level`` range of the simulated ranks.
    level
        Coverage of the rank interval.
    draws
        Number of simulated draws.
    """

    variable: str
    domain: str | None
    estimate: float
    se: float
    flag: Flag
    n: int
    n_eff: float
    rank: int
    rank_low: int
    rank_high: int
    level: float
    draws: int


def _ranks(values: NDArray[np.float64]) -> IntArray:
    # Descending ranks per row, 1-based; equal values share the best rank.
    order = np.argsort(-values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    first = np.ones(ordered.shape, dtype=bool)
    first[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    place = np.where(first, np.arange(values.shape[1]), 0)
    np.maximum.accumulate(place, axis=1, out=place)
    ranks = np.empty_like(order)
    rows = np.arange(values.shape[0])[:, None]
    ranks[rows, order] = place + 1
    return ranks


def _histogram(
    estimate: NDArray[np.float64],
    se: NDArray[np.float64],
    rng: np.random.Generator,
    draws: int,
    chunk: int,
    bounds: tuple[float, float] | None,
) -> IntArray:
    d = estimate.size
    counts = np.zeros(d * d, dtype=np.int64)
    offset = np.arange(d) * d
    done = 0
    while done < draws:
        size = min(chunk, draws - done)
        values = estimate + se * rng.standard_normal((size, d))
        if bounds is not None:
            np.clip(values, *bounds, out=values)
        counts += np.bincount((offset + _ranks(values) - 1).ravel(), minlength=d * d)
        done += size
    return counts.reshape(d, d)


def league_table(
    estimates: Sequence[Estimate],
    rng: np.random.Generator,
    *,
    level: float = 0.9,
    draws: int = 4000,
    bounds: tuple[float, float] | None = None,
) -> list[LeagueRow]:
    """Rank the domains of one variable, with rank intervals.

    Parameters
    ----------
    estimates
        Estimates of one variable, one per domain.
    rng
        Source of the simulated draws.
    level
        Coverage of each rank interval.
    draws
        Number of simulated rankings (Monte-Carlo error of an interval end is small once
        every domain has a few thousand draws).
    bounds
        Range of the statistic, e.g. ``(0.0, 1.0)`` for shares and indices: draws
        beyond it are set to the bound. None: unbounded.

    Returns
    -------
    list of LeagueRow
        Sorted by rank, then domain.

    Notes
    -----
    The interval ends are the :math:`(1-\\text{level})/2` and
    :math:`(1+\\text{level})/2` quantiles of the simulated ranks (lowest rank with that
    cumulative frequency).

    References
    ----------
    .. [1] Goldstein, H. and Spiegelhalter, D. J. (1996). League tables and their
       limitations: statistical issues in comparisons of institutional performance.
       *JRSS A* 159, 385-443.
    .. [2] Klein, M., Wright, T. and Wieczorek, J. (2020). A joint confidence region for
       an overall ranking of populations. *JRSS C* 69, 589-606.
    """
    if len({e.variable for e in estimates}) > 1:
        raise OptionsError("a league table ranks the estimates of one variable")
    if not 0.0 < level < 1.0 or draws < 1:
        raise OptionsError("level must lie in (0, 1) and draws be positive")
    if not estimates:
        return []
    estimate = np.array([e.estimate for e in estimates])
    se = np.array([e.se for e in estimates])
    chunk = max(1, 2_000_000 // len(estimates))
    counts = _histogram(estimate, se, rng, draws, chunk, bounds)
    cumulative = np.cumsum(counts, axis=1)
    low = np.argmax(cumulative >= (1.0 - level) / 2.0 * draws, axis=1) + 1
    high = np.argmax(cumulative >= (1.0 + level) / 2.0 * draws, axis=1) + 1
    point = 1 + (estimate[None, :] > estimate[:, None]).sum(axis=1)
    rows = [
        LeagueRow(
            variable=e.variable,
            domain=e.domain,
            estimate=e.estimate,
            se=e.se,
            flag=e.flag,
            n=e.n,
            n_eff=e.n_eff,
            rank=int(r),
            rank_low=int(lo),
            rank_high=int(hi),
            level=level,
            draws=draws,
        )
        for e, r, lo, hi in zip(estimates, point, low, high, strict=True)
    ]
    return sorted(rows, key=lambda row: (row.rank, str(row.domain)))
