"""Geometry of the server-drawn SVG charts (the templates only place what is computed here).

Every chart is drawn in a ``viewBox`` :data:`WIDTH` units wide that the page scales to its
column; labels are wrapped here so that they fit. Each chart in a page also has a
``<title>``, a ``<desc>`` and a table with the same figures (the text alternative).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import msgspec

__all__ = [
    "WIDTH",
    "Axis",
    "IntervalChart",
    "IntervalRow",
    "Scatter",
    "ScatterPoint",
    "Segment",
    "StackedChart",
    "StackedRow",
    "Strip",
    "axis_for",
    "interval_chart",
    "percent",
    "scatter",
    "stacked_chart",
    "strip",
]

WIDTH = 400
PAD = 22  # room for the first and last tick labels
LINE = 16  # height of a label line
BAR = 14
WRAP = 52  # characters per label line at the chart's font size
POINT_COLOURS = ("#b2182b", "#d6604d", "#6b6b6b", "#4393c3", "#2166ac")
DARK_TEXT = frozenset({"#d6604d", "#6b6b6b", "#4393c3"})  # segments that need dark text


def percent(value: float, lang: str, digits: int = 1) -> str:
    """``0.8023`` as ``80,2 %`` (Vietnamese) or ``80.2%`` (English)."""
    text = f"{100 * value:.{digits}f}"
    return f"{text.replace('.', ',')}\u00a0%" if lang == "vi" else f"{text}%"


class Axis(msgspec.Struct, frozen=True, kw_only=True):
    """A horizontal 0-1 axis shown from ``lo`` to ``hi``, with its ticks."""

    lo: float
    hi: float
    left: float = PAD
    right: float = WIDTH - PAD
    ticks: list[tuple[float, str]] = []

    def x(self, value: float) -> float:
        """Horizontal position of ``value``."""
        share = (min(max(value, self.lo), self.hi) - self.lo) / (self.hi - self.lo)
        return round(self.left + share * (self.right - self.left), 1)


def axis_for(
    values: Sequence[float], lang: str, *, left: float = PAD, right: float = WIDTH - PAD
) -> Axis:
    """An axis from a round tenth at or below the smallest value up to 100 %."""
    lo = max(0.0, math.floor(min([*values, 0.9]) * 10) / 10)
    ticks_at = [lo + k / 10 for k in range(round((1.0 - lo) * 10) + 1)]
    step = 2 if len(ticks_at) > 6 else 1
    base = Axis(lo=lo, hi=1.0, left=left, right=right)
    ticks = [(base.x(v), percent(v, lang, 0)) for v in ticks_at[::step]]
    return msgspec.structs.replace(base, ticks=ticks)


def wrap(label: str, width: int = WRAP) -> list[str]:
    """A label cut into lines that fit the chart."""
    return textwrap.wrap(label, width) or [""]


class IntervalRow(msgspec.Struct, frozen=True, kw_only=True):
    """One estimate: label lines, point, interval and an optional reference mark."""

    lines: list[str]
    y: float  # top of the row
    value_y: float  # baseline of the figures' line, under the label
    bar_y: float
    x: float
    x_low: float
    x_high: float
    ref_x: float | None
    text: str
    flag: str
    strong: bool


class IntervalChart(msgspec.Struct, frozen=True, kw_only=True):
    """Estimates with their intervals, one row each, on a shared axis."""

    width: int
    height: float
    axis: Axis
    axis_y: float
    rows: list[IntervalRow]


def interval_chart(
    rows: Sequence[tuple[str, float, float, float, float | None, str, bool]], lang: str
) -> IntervalChart:
    """Lay out ``(label, estimate, low, high, reference, flag, strong)`` rows."""
    axis = axis_for([r[2] for r in rows] + [r[4] for r in rows if r[4] is not None], lang)
    y = 4.0
    out = []
    for label, estimate, low, high, reference, flag, strong in rows:
        lines = wrap(label)
        bar_y = y + LINE * (len(lines) + 1) + 2
        out.append(
            IntervalRow(
                lines=lines,
                y=y,
                value_y=y + 12 + LINE * len(lines),
                bar_y=bar_y,
                x=axis.x(estimate),
                x_low=axis.x(low),
                x_high=axis.x(high),
                ref_x=None if reference is None else axis.x(reference),
                text=f"{percent(estimate, lang)} ({percent(low, lang)}–{percent(high, lang)})",
                flag=flag,
                strong=strong,
            )
        )
        y = bar_y + BAR + 10
    return IntervalChart(width=WIDTH, height=y + 22, axis=axis, axis_y=y + 2, rows=out)


class Segment(msgspec.Struct, frozen=True, kw_only=True):
    """One answer point's part of a stacked bar."""

    x: float
    width: float
    colour: str
    text_colour: str
    text: str
    show_text: bool


class StackedRow(msgspec.Struct, frozen=True, kw_only=True):
    """A criterion's answers as one stacked bar."""

    lines: list[str]
    y: float
    bar_y: float
    segments: list[Segment]
    n: int


class StackedChart(msgspec.Struct, frozen=True, kw_only=True):
    """Distributions of answers, one bar per criterion, and the legend's colours."""

    width: int
    height: float
    rows: list[StackedRow]
    legend: list[tuple[str, str]]


def stacked_chart(
    rows: Sequence[tuple[str, int, list[float]]], point_labels: list[str], lang: str
) -> StackedChart:
    """Lay out ``(label, n, shares per scale point)`` rows (points in scale order)."""
    colours = _colours(len(point_labels))
    y, out = 4.0, []
    for label, n, shares in rows:
        lines = wrap(f"{label} (n = {n})")
        bar_y = y + LINE * len(lines) + 2
        x, segments = float(PAD), []
        for share, colour in zip(shares, colours, strict=True):
            width = round(share * (WIDTH - 2 * PAD), 1)
            segments.append(
                Segment(
                    x=round(x, 1),
                    width=width,
                    colour=colour,
                    text_colour="#111" if colour in DARK_TEXT else "#fff",
                    text=percent(share, lang, 0),
                    show_text=width >= 34,
                )
            )
            x += width
        out.append(StackedRow(lines=lines, y=y, bar_y=bar_y, segments=segments, n=n))
        y = bar_y + BAR + 12
    return StackedChart(
        width=WIDTH, height=y, rows=out, legend=list(zip(point_labels, colours, strict=True))
    )


def _colours(points: int) -> list[str]:
    if points == len(POINT_COLOURS):
        return list(POINT_COLOURS)
    step = (len(POINT_COLOURS) - 1) / max(points - 1, 1)
    return [POINT_COLOURS[round(k * step)] for k in range(points)]


class Strip(msgspec.Struct, frozen=True, kw_only=True):
    """Every peer's estimate as a tick, the unit's interval and the city's level."""

    width: int
    height: float
    axis: Axis
    peers: list[float]
    x: float
    x_low: float
    x_high: float
    city_x: float | None


def strip(
    peers: Sequence[float], estimate: float, low: float, high: float, city: float | None, lang: str
) -> Strip:
    """Lay out the unit among its peers."""
    axis = axis_for([*peers, low], lang)
    return Strip(
        width=WIDTH,
        height=64,
        axis=axis,
        peers=[axis.x(p) for p in peers],
        x=axis.x(estimate),
        x_low=axis.x(low),
        x_high=axis.x(high),
        city_x=None if city is None else axis.x(city),
    )


class ScatterPoint(msgspec.Struct, frozen=True, kw_only=True):
    """An element in the importance-performance plane (its label moved off its neighbours)."""

    x: float
    y: float
    label_y: float
    label: str
    anchor: str
    priority: bool


class Scatter(msgspec.Struct, frozen=True, kw_only=True):
    """Importance (up) against performance (right), split at the means."""

    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    mean_x: float
    mean_y: float
    points: list[ScatterPoint]
    x_ticks: list[tuple[float, str]]


def scatter(rows: Sequence[tuple[str, float, float, bool]], lang: str) -> Scatter:
    """Lay out ``(label, performance, importance, priority)`` points."""
    left, top, right, bottom, height = 44.0, 12.0, WIDTH - 24.0, 232.0, 262
    xs, ys = [r[1] for r in rows], [r[2] for r in rows]
    axis = axis_for(xs, lang, left=left, right=right)
    y_lo, y_hi = min([*ys, 0.0]), max([*ys, 0.1])

    def y_of(v: float) -> float:
        return round(bottom - (v - y_lo) / (y_hi - y_lo) * (bottom - top), 1)

    points = _spread(
        [
            ScatterPoint(
                x=axis.x(p),
                y=y_of(i),
                label_y=y_of(i) + 4,
                label=_fit(label, axis.x(p), left, right)[0],
                anchor=_fit(label, axis.x(p), left, right)[1],
                priority=priority,
            )
            for label, p, i, priority in rows
        ]
    )
    mean_x = axis.x(sum(xs) / len(xs)) if xs else left
    mean_y = y_of(sum(ys) / len(ys)) if ys else bottom
    return Scatter(
        width=WIDTH, height=height, left=left, top=top, right=right, bottom=bottom,
        mean_x=mean_x, mean_y=mean_y, points=points, x_ticks=axis.ticks,
    )  # fmt: skip


SCATTER_LABEL = 30  # characters of a point's label (the table beside has the full text)
CHAR_WIDTH = 7.4  # generous width of a character at the chart font size (bold included)


def _fit(label: str, x: float, left: float, right: float) -> tuple[str, str]:
    """The label cut to fit beside its point, and the side: right of it if there is room
    enough, else the roomier side."""
    room_right, room_left = right - x - 8, x - left - 8
    anchor = (
        "start"
        if room_right >= min(len(label), SCATTER_LABEL) * CHAR_WIDTH
        else ("start" if room_right >= room_left else "end")
    )
    chars = min(SCATTER_LABEL, int((room_right if anchor == "start" else room_left) / CHAR_WIDTH))
    if len(label) <= chars:
        return label, anchor
    return label[: max(chars - 1, 1)].rstrip() + "…", anchor


def _spread(points: list[ScatterPoint], gap: float = 15.0) -> list[ScatterPoint]:
    """Move labels down so that no two sit closer than ``gap`` (whatever their side)."""
    out: list[ScatterPoint] = []
    last = -gap
    for p in sorted(points, key=lambda p: p.label_y):
        label_y = max(p.label_y, last + gap)
        last = label_y
        out.append(msgspec.structs.replace(p, label_y=label_y))
    return out
