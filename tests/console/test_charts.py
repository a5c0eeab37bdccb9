"""The console's bar-chart layout and stratum labels (pure functions)."""

from __future__ import annotations

import pytest

from survey_service.features.console.charts import bar_chart
from survey_service.features.console.surveys import stratum_label


def test_bars_are_scaled_to_the_largest_value_and_missing_values_draw_nothing() -> None:
    chart = bar_chart("t", [("a", 0.25), ("b", None), ("c", 0.5)], shown="points")
    assert [b.width for b in chart.bars] == [150.0, 0.0, 300.0]
    assert [b.text for b in chart.bars] == ["±25.0", "–", "±50.0"]
    assert [b.y for b in chart.bars] == [0.0, 34.0, 68.0]
    assert chart.height == 3 * 34


def test_shares_against_a_fixed_scale_are_clipped_to_the_track() -> None:
    chart = bar_chart("t", [("a", 0.341), ("b", 1.2), ("c", -0.1)], scale=1.0)
    assert [b.text for b in chart.bars] == ["34.1%", "120.0%", "-10.0%"]
    assert [b.width for b in chart.bars] == [pytest.approx(102.3), 300.0, 0.0]
    assert bar_chart("empty", []).height == 34


@pytest.mark.parametrize(
    ("language", "expected"),
    [("vi", "Xã Sóc Sơn · trực tiếp · HT"), ("en", "Xã Sóc Sơn · in person · HT")],
)
def test_stratum_labels_name_units_and_channels(language: str, expected: str) -> None:
    key = "unit=X-SOCSON|channel=in_person|field=HT"
    assert stratum_label(key, {"X-SOCSON": "Xã Sóc Sơn"}, language) == expected
    assert stratum_label("unit=X-NEW|channel=fax", {}, language) == "X-NEW · fax"
