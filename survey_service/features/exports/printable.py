"""A unit's one-page scorecard for printing (print-ready HTML, A4 portrait).

The page holds what a department head files or pins up: the overall index with its
interval, n, effective n and reliability flag, the rank with its rank interval, every
element and criterion with its interval drawn as a bar, the comparison with the city,
and a footnote on the method. The figures are the published snapshot's (the dashboards'),
or, for statisticians and administrators, live estimates where nothing is published.
"""

from __future__ import annotations

from typing import Final

import msgspec
from sqlalchemy import Connection

from survey_service.features.dashboards.published import latest_snapshots, read_unit
from survey_service.features.dashboards.schemas import RankOut
from survey_service.features.exports.estimates import LIVE
from survey_service.features.exports.published import Source, describe_snapshot
from survey_service.features.indices.schemas import EstimateOut, ScorecardOut
from survey_service.features.indices.scorecards import find_unit, make_scorecard
from survey_service.features.indices.service import estimate_survey, load_survey_data

__all__ = ["PRINT_TEXT", "Bar", "PrintCard", "bar_of", "print_text", "printable_scorecard"]

PRINT_TEXT: Final[dict[str, tuple[str, str]]] = {
    "title": ("Phiếu kết quả đo lường sự hài lòng", "Satisfaction scorecard"),
    "print": ("In trang này", "Print this page"),
    "back": ("← Xuất dữ liệu", "← Exports"),
    "period": ("Kỳ", "Period"),
    "source": ("Nguồn số liệu", "Figures from"),
    "weights": ("Trọng số", "Weights"),
    "overall": ("Chỉ số hài lòng chung", "Overall satisfaction index"),
    "interval": ("Khoảng tin cậy", "Confidence interval"),
    "respondents": ("Số người trả lời", "Respondents"),
    "n_eff": ("Cỡ mẫu hiệu dụng", "Effective sample size"),
    "rank": ("Xếp hạng", "Rank"),
    "rank_of": ("trên", "of"),
    "rank_interval": ("khoảng xếp hạng", "rank interval"),
    "city": ("Toàn thành phố", "Whole city"),
    "difference": ("Chênh lệch so với thành phố", "Difference from the city"),
    "points": ("điểm %", "percentage points"),
    "significant": ("có ý nghĩa thống kê", "statistically significant"),
    "not_significant": ("không có ý nghĩa thống kê", "not statistically significant"),
    "elements": ("Các yếu tố", "Elements"),
    "items": ("Các tiêu chí", "Criteria"),
    "index": ("Chỉ số", "Index"),
    "estimate": ("Tỷ lệ hài lòng", "Satisfied"),
    "n": ("n", "n"),
    "flag": ("Ghi chú", "Note"),
    "flag_ok": ("", ""),
    "flag_review": ("Cần thận trọng", "Use with caution"),
    "flag_suppress": ("Không đủ tin cậy", "Not reliable"),
    "no_data": (
        "Đơn vị chưa có người trả lời trong kỳ này.",
        "The unit has no respondents in this period.",
    ),
    "method": (
        "Tỷ lệ hài lòng là ước lượng tỷ số có trọng số; chỉ số yếu tố là trung bình các tiêu "
        "chí, chỉ số chung là trung bình có trọng số của các yếu tố. Sai số chuẩn tính theo "
        "tuyến tính hóa Taylor có hiệu chỉnh tổng thể hữu hạn; khoảng tin cậy {level}.",
        "Satisfied shares are weighted ratio estimates; an element index is the mean of its "
        "criteria, the overall index the weighted mean of the elements. Standard errors by "
        "Taylor linearisation with the finite-population correction; {level} intervals.",
    ),
}


def print_text(key: str, language: str) -> str:
    """A string of the printable scorecard in ``language`` (``vi`` or ``en``)."""
    vi, en = PRINT_TEXT[key]
    return en if language == "en" else vi


class Bar(msgspec.Struct, frozen=True):
    """An interval drawn on a 0-100 % track: left edge, width and the point (percent)."""

    low: float
    width: float
    point: float


class PrintCard(msgspec.Struct, frozen=True, kw_only=True):
    """What the printable page shows."""

    scorecard: ScorecardOut
    rank: RankOut | None
    source: str


def bar_of(estimate: EstimateOut) -> Bar:
    """The estimate's interval on a percent scale, clipped to [0, 100]."""

    def pct(x: float) -> float:
        return min(100.0, max(0.0, 100.0 * x))

    low, high = pct(estimate.ci_low), pct(estimate.ci_high)
    return Bar(low=low, width=max(0.0, high - low), point=pct(estimate.estimate))


def printable_scorecard(
    conn: Connection, survey_code: str, unit_code: str, source: Source
) -> PrintCard | None:
    """The unit's scorecard from ``source``; None when ``published`` finds no snapshot of
    the survey or no results of the unit in it.

    Raises
    ------
    NotFoundError
        Unknown survey or unit.
    """
    if source != "live":
        snapshot = next((s for s in latest_snapshots(conn) if s.survey_code == survey_code), None)
        results = None if snapshot is None else read_unit(conn, snapshot.id, unit_code)
        if snapshot is not None and results is not None:
            return PrintCard(
                scorecard=results.scorecard,
                rank=results.rank,
                source=describe_snapshot(snapshot),
            )
        if source == "published":
            return None
    data = load_survey_data(conn, survey_code)
    find_unit(data.units, unit_code)
    card = make_scorecard(estimate_survey(data), unit_code)
    return PrintCard(scorecard=card, rank=None, source=LIVE)
