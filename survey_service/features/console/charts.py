"""Small horizontal bar charts for the console, drawn as inline SVG (no script, no CDN).

The geometry is computed here and the template only draws it: one bar per row, its label
above it, so the chart stays readable when a phone scales it down.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec

__all__ = ["WIDTH", "Bar", "BarChart", "bar_chart"]

WIDTH = 400
_ROW = 34  # label line + bar
_BAR = 14
_LABEL_WIDTH = 300  # bars end before the value text at the right


class Bar(msgspec.Struct, frozen=True):
    """One bar: its label, the value as shown, and where it is drawn."""

    label: str
    text: str
    y: float
    width: float


class BarChart(msgspec.Struct, frozen=True):
    """A chart of bars with its height (the width is :data:`WIDTH`)."""

    title: str
    bars: list[Bar]
    height: int
    bar_height: int = _BAR
    value_x: int = _LABEL_WIDTH + 8


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float | None]],
    *,
    scale: float | None = None,
    shown: Literal["percent", "points"] = "percent",
) -> BarChart:
    """Lay out ``rows`` (label, value) as bars; a missing value draws no bar and shows "–".

    Values are shares; ``shown`` writes them as percentages ("34.1%") or as a margin of
    error in percentage points ("±15.1"). ``scale`` is the value of a full-length bar
    (default: the largest value).
    """
    values = [v for _, v in rows if v is not None]
    top = scale if scale is not None else max(values, default=0.0)
    bars = []
    for i, (label, value) in enumerate(rows):
        if value is None:
            text, width = "–", 0.0
        else:
            text = f"{100 * value:.1f}%" if shown == "percent" else f"±{100 * value:.1f}"
            width = _LABEL_WIDTH * min(max(value / top, 0.0), 1.0) if top > 0 else 0.0
        bars.append(Bar(label=label, text=text, y=float(i * _ROW), width=round(width, 1)))
    return BarChart(title=title, bars=bars, height=max(len(rows), 1) * _ROW)
