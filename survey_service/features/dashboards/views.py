"""What the scorecard and league pages show, assembled from published documents.

Pure functions: published (or previewed) documents in, chart layouts and table rows out;
the controllers read the documents, the templates draw what these return.
"""

from __future__ import annotations

import math
import statistics

import msgspec

from survey_service.features.dashboards.charts import (
    IntervalChart,
    Scatter,
    StackedChart,
    Strip,
    interval_chart,
    percent,
    scatter,
    stacked_chart,
    strip,
)
from survey_service.features.dashboards.schemas import UnitResults
from survey_service.features.indices.schemas import EstimateOut, LeagueOut, ScorecardOut

__all__ = [
    "Change",
    "TrendPoint",
    "change_between",
    "city_levels",
    "distribution_chart",
    "elements_chart",
    "estimates_of",
    "improvement_chart",
    "label_of",
    "league_chart",
    "peer_strip",
    "trend_chart",
]

Z_95 = 1.959963984540054


def label_of(label: dict[str, str], lang: str, fallback: str) -> str:
    """The label in ``lang``, else Vietnamese, else ``fallback``."""
    return label.get(lang) or label.get("vi") or fallback


Row = tuple[str, float, float, float, float | None, str, bool]


def estimates_of(card: ScorecardOut) -> dict[str, float]:
    """Every index of the card: variable -> estimate."""
    rows = [card.overall] if card.overall else []
    return {e.variable: e.estimate for e in rows + card.elements + card.items}


def city_levels(card: ScorecardOut) -> dict[str, float]:
    """The whole city's level of each index, from the card's comparisons with the city."""
    rows = [card.overall] if card.overall else []
    return {e.variable: e.city.city_estimate for e in rows + card.elements + card.items if e.city}


def elements_chart(
    results: UnitResults,
    lang: str,
    card: ScorecardOut | None = None,
    reference: dict[str, float] | None = None,
) -> IntervalChart:
    """Overall index, then each element followed by its criteria.

    ``card``: another scorecard of the unit to draw (one channel or field; default the
    published one), ``reference``: the city's level of each index (default: from the
    card's comparisons with the city).
    """
    card = card or results.scorecard
    levels = city_levels(card) if reference is None else reference

    def row(e: EstimateOut, strong: bool = False, indent: str = "") -> Row:
        label = indent + label_of(e.label, lang, e.variable)
        return (label, e.estimate, e.ci_low, e.ci_high, levels.get(e.variable), e.flag, strong)

    rows = [row(card.overall, strong=True)] if card.overall else []
    by_element = {e.variable: e for e in card.elements}
    items = {i.variable: i for i in card.items}
    members = {e.variable: results.members.get(e.variable, []) for e in card.elements}
    for code, element in by_element.items():
        rows.append(row(element, strong=True))
        rows += [row(items[i], indent="· ") for i in members.get(code, []) if i in items]
    return interval_chart(rows, lang)


class TrendPoint(msgspec.Struct, frozen=True, kw_only=True):
    """The unit's overall index in one published period."""

    survey_code: str
    title: str
    estimate: EstimateOut


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """Change between two independent periods, with a normal-approximation interval."""

    difference: float
    ci_low: float
    ci_high: float
    significant: bool


def change_between(before: EstimateOut, after: EstimateOut) -> Change:
    """``after - before`` for independent samples: se = sqrt(se1² + se2²), 95 % interval."""
    difference = after.estimate - before.estimate
    se = math.hypot(before.se, after.se)
    low, high = difference - Z_95 * se, difference + Z_95 * se
    return Change(difference=difference, ci_low=low, ci_high=high, significant=low > 0 or high < 0)


def trend_chart(points: list[TrendPoint], lang: str) -> IntervalChart:
    """The overall index per period, oldest first."""
    rows = [
        (
            p.title,
            p.estimate.estimate,
            p.estimate.ci_low,
            p.estimate.ci_high,
            None,
            p.estimate.flag,
            False,
        )
        for p in points
    ]
    return interval_chart(rows, lang)


def peer_strip(
    results: UnitResults, league: LeagueOut | None, lang: str
) -> tuple[Strip, float] | None:
    """The unit among the units of its kind, and their median (None without a league)."""
    overall = results.scorecard.overall
    if league is None or overall is None or not league.rows:
        return None
    peers = [r.estimate for r in league.rows]
    city = overall.city.city_estimate if overall.city else None
    chart = strip(peers, overall.estimate, overall.ci_low, overall.ci_high, city, lang)
    return chart, statistics.median(peers)


def improvement_chart(results: UnitResults, lang: str) -> Scatter | None:
    """Elements in the importance-performance plane (None without a driver model)."""
    improvement = results.improvement
    if improvement is None or not improvement.rows:
        return None
    rows = [
        (
            label_of(r.label, lang, r.term),
            r.performance,
            r.importance,
            r.quadrant == "concentrate_here",
        )
        for r in improvement.rows
    ]
    return scatter(rows, lang)


def distribution_chart(results: UnitResults, lang: str) -> StackedChart | None:
    """Stacked bars of the answers to each criterion (None without respondents)."""
    if not results.distributions:
        return None
    points = [label_of(s.label, lang, str(s.value)) for s in results.distributions[0].shares]
    rows = [
        (label_of(d.label, lang, d.item), d.n, [s.share for s in d.shares])
        for d in results.distributions
    ]
    return stacked_chart(rows, points, lang)


def league_chart(league: LeagueOut, lang: str) -> list[tuple[float, float, float, float]]:
    """Per row, positions on a 0-200 bar of low, estimate, high (and the axis start)."""
    lo = max(0.0, math.floor(min([r.ci_low for r in league.rows] + [0.9]) * 10) / 10)

    def x(value: float) -> float:
        return round(4 + (value - lo) / (1 - lo) * 192, 1)

    return [(x(r.ci_low), x(r.estimate), x(r.ci_high), lo) for r in league.rows]


def describe(e: EstimateOut, lang: str) -> str:
    """``80,2 % (71,6 %–86,7 %)``."""
    return f"{percent(e.estimate, lang)} ({percent(e.ci_low, lang)}–{percent(e.ci_high, lang)})"
