"""Chart layouts: numbers in each language, axes that hold every value, labels apart."""

from __future__ import annotations

import pytest

from survey_service.features.dashboards.charts import (
    PAD,
    WIDTH,
    axis_for,
    interval_chart,
    percent,
    scatter,
    stacked_chart,
)
from survey_service.features.dashboards.views import change_between
from survey_service.features.indices.schemas import EstimateOut


@pytest.mark.parametrize(
    ("value", "lang", "digits", "expected"),
    [(0.8023, "vi", 1, "80,2\u00a0%"), (0.8023, "en", 1, "80.2%"), (1.0, "vi", 0, "100\u00a0%")],
)
def test_percent(value: float, lang: str, digits: int, expected: str) -> None:
    assert percent(value, lang, digits) == expected


def test_axis_starts_at_a_round_tenth_below_the_values() -> None:
    axis = axis_for([0.66, 0.93], "en")
    assert axis.lo == pytest.approx(0.6)
    assert axis.x(0.6) == PAD
    assert axis.x(1.0) == WIDTH - PAD
    assert axis.x(1.5) == WIDTH - PAD  # clipped
    assert [text for _, text in axis.ticks] == ["60%", "70%", "80%", "90%", "100%"]


def test_interval_rows_do_not_overlap() -> None:
    long = "Công chức hướng dẫn kê khai hồ sơ tận tình, đầy đủ, dễ hiểu và nhanh chóng"
    chart = interval_chart(
        [("A", 0.8, 0.7, 0.9, 0.85, "ok", True), (long, 0.6, 0.4, 0.75, None, "suppress", False)],
        "vi",
    )
    first, second = chart.rows
    assert len(second.lines) == 2
    assert first.bar_y + 14 <= second.y
    assert second.x_low < second.x < second.x_high
    assert chart.height > second.bar_y


def test_stacked_segments_fill_the_bar() -> None:
    chart = stacked_chart([("x", 10, [0.1, 0.2, 0.3, 0.2, 0.2])], list("abcde"), "en")
    segments = chart.rows[0].segments
    assert sum(s.width for s in segments) == pytest.approx(WIDTH - 2 * PAD, abs=0.5)
    assert [s.x for s in segments] == sorted(s.x for s in segments)


def test_scatter_labels_are_kept_apart_and_inside() -> None:
    chart = scatter(
        [("Công chức trực tiếp giải quyết công việc", 0.78, 0.16, True), ("B", 0.79, 0.16, False)],
        "vi",
    )
    a, b = sorted(chart.points, key=lambda p: p.label_y)
    assert b.label_y - a.label_y >= 15
    assert all(p.label.endswith("…") or len(p.label) <= 30 for p in chart.points)


def _estimate(value: float, se: float) -> EstimateOut:
    return EstimateOut(
        variable="overall_index", statistic="index", label={}, estimate=value, se=se,
        ci_low=value - 2 * se, ci_high=value + 2 * se, level=0.95, method="logit", df=30,
        n=31, n_eff=31.0, deff=1.0, flag="ok", reasons=[],
    )  # fmt: skip


def test_change_between_independent_periods() -> None:
    change = change_between(_estimate(0.80, 0.03), _estimate(0.90, 0.04))
    assert change.difference == pytest.approx(0.10)
    # se = sqrt(0.03^2 + 0.04^2) = 0.05; 95 % normal interval.
    assert change.ci_low == pytest.approx(0.10 - 1.959963984540054 * 0.05, rel=1e-12)
    assert change.significant
    assert not change_between(_estimate(0.80, 0.03), _estimate(0.82, 0.04)).significant
