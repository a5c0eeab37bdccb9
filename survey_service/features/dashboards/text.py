"""Interface strings of the dashboards, Vietnamese first, English available.

Kept beside the pages that use them (the shared :mod:`survey_service.i18n` holds the
strings every page shares); a template gets the dictionary of its language as ``tr``.
"""

from __future__ import annotations

__all__ = ["FLAG_TEXT", "QUADRANT_TEXT", "REASON_TEXT", "strings"]

_STRINGS: dict[str, tuple[str, str]] = {
    "my_units": ("Đơn vị của tôi", "My units"),
    "my_units_intro": (
        "Các đơn vị Ông/Bà được xem kết quả. Chỉ số chung theo kết quả đã công bố mới nhất.",
        "The units whose results you may see, with the overall index of the latest "
        "published results.",
    ),
    "no_units": ("Tài khoản chưa được giao đơn vị nào.", "No unit is assigned to your account."),
    "unit": ("Đơn vị", "Unit"),
    "kind": ("Loại đơn vị", "Kind of unit"),
    "overall_index": ("Chỉ số hài lòng chung", "Overall satisfaction index"),
    "interval": ("Khoảng tin cậy", "Confidence interval"),
    "interval_95": ("khoảng tin cậy 95 %", "95% confidence interval"),
    "respondents": ("Số người trả lời", "Respondents"),
    "n_eff": ("Cỡ mẫu hiệu dụng", "Effective sample size"),
    "reliability": ("Độ tin cậy", "Reliability"),
    "published_on": ("Kết quả đã công bố ngày", "Results published on"),
    "published_by": ("bởi", "by"),
    "no_published": (
        "Chưa có kết quả nào được công bố. Cán bộ thống kê công bố kết quả từ trang điều hành "
        "hoặc bằng lệnh survey-service publish.",
        "No results have been published yet. Statisticians publish results from the console "
        "or with the command survey-service publish.",
    ),
    "no_results_unit": (
        "Đơn vị chưa có người trả lời trong kỳ này.",
        "This unit has no respondents in this period.",
    ),
    "preview_banner": (
        "Xem trước số liệu tính trực tiếp từ dữ liệu hiện có — CHƯA công bố.",
        "Preview of live estimates from the current data — NOT published.",
    ),
    "preview": (
        "Xem trước số liệu trực tiếp (chưa công bố)",
        "Preview live estimates (unpublished)",
    ),
    "filters": ("Bộ lọc", "Filters"),
    "period": ("Kỳ khảo sát", "Period"),
    "instrument": ("Phiếu khảo sát", "Questionnaire"),
    "channel": ("Kênh nộp hồ sơ", "Channel"),
    "field": ("Lĩnh vực", "Field"),
    "all": ("Tất cả", "All"),
    "filters_note": (
        "Chọn một kênh hoặc một lĩnh vực (không chọn cả hai) để xem chỉ số của đơn vị trong "
        "phạm vi đó: ước lượng miền trên cùng thiết kế mẫu; miền nhỏ thường bị gắn cờ độ tin "
        "cậy thấp.",
        "Choose a channel or a field (not both) to see the unit's indices within it: a "
        "domain estimate over the same sample design; small domains are often flagged as "
        "unreliable.",
    ),
    "channel_in_person": ("Trực tiếp", "In person"),
    "channel_online": ("Trực tuyến", "Online"),
    "channel_postal": ("Bưu chính", "Postal"),
    "filtered_banner": (
        "Đang xem: {name}. Các chỉ số là ước lượng miền (đơn vị × {kind}) trên toàn bộ thiết "
        "kế mẫu; vạch đứng mảnh là mức của toàn thành phố trong cùng {kind}.",
        "Showing: {name}. The indices are domain estimates (unit × {kind}) over the whole "
        "sample design; the thin vertical mark is the whole city's level in the same {kind}.",
    ),
    "filtered_none": (
        "Đơn vị không có người trả lời thuộc {name} trong kỳ này.",
        "This unit has no respondents in {name} in this period.",
    ),
    "filtered_all_note": (
        "Phần này tính chung cho mọi kênh và lĩnh vực (không theo bộ lọc).",
        "This section covers every channel and field (the filter does not apply).",
    ),
    "filtered_trend_note": (
        "Chỉ số chung của đơn vị trong {name} ở từng kỳ đã công bố.",
        "The unit's overall index in {name} in each published period.",
    ),
    "filter_error_both": (
        "Chỉ chọn một bộ lọc: một kênh hoặc một lĩnh vực, không chọn cả hai.",
        "Choose one filter: a channel or a field, not both.",
    ),
    "filter_error_unknown_channel": (
        "Không có kênh «{value}» trong kết quả đã công bố (các kênh: trực tiếp, trực tuyến, "
        "bưu chính; chỉ những kênh có người trả lời).",
        "There is no channel “{value}” in the published results (channels: in person, "
        "online, postal; only those with respondents).",
    ),
    "filter_error_unknown_field": (
        "Không có lĩnh vực «{value}» trong kết quả đã công bố của kỳ này.",
        "There is no field “{value}” in the published results of this period.",
    ),
    "filter_error_not_published": (
        "Kết quả của kỳ này được công bố trước khi có bộ lọc theo kênh và lĩnh vực; hãy "
        "công bố lại để lọc.",
        "This period's results were published before the channel and field filters; publish "
        "them again to filter.",
    ),
    "show": ("Xem", "Show"),
    "elements_title": ("Các yếu tố và tiêu chí", "Elements and criteria"),
    "elements_desc": (
        "Mỗi dòng: tỷ lệ hài lòng (chấm) và khoảng tin cậy 95 % (thanh); vạch đứng mảnh là "
        "mức của toàn thành phố.",
        "Each row: share satisfied (dot) and its 95% confidence interval (bar); the thin "
        "vertical mark is the whole city's level.",
    ),
    "element": ("Yếu tố", "Element"),
    "criterion": ("Tiêu chí", "Criterion"),
    "estimate": ("Ước lượng", "Estimate"),
    "city": ("Toàn thành phố", "Whole city"),
    "difference": ("Chênh lệch với thành phố", "Difference from the city"),
    "table_alt": ("Bảng số liệu", "Data table"),
    "trend_title": ("Diễn biến qua các kỳ", "Trend over periods"),
    "trend_desc": (
        "Chỉ số chung của đơn vị ở từng kỳ đã công bố, với khoảng tin cậy 95 %.",
        "The unit's overall index in each published period, with 95% confidence intervals.",
    ),
    "trend_change": ("Thay đổi so với kỳ trước", "Change from the previous period"),
    "trend_note": (
        "Hai kỳ là hai mẫu độc lập; sai số chuẩn của chênh lệch = căn của tổng bình phương "
        "hai sai số chuẩn.",
        "The periods are independent samples; the standard error of the change is the "
        "square root of the sum of both squared standard errors.",
    ),
    "significant": ("có ý nghĩa thống kê", "statistically significant"),
    "not_significant": ("không có ý nghĩa thống kê", "not statistically significant"),
    "compare_title": (
        "So sánh với thành phố và các đơn vị cùng loại",
        "Compared with the city and peer units",
    ),
    "compare_desc": (
        "Mỗi vạch xám là chỉ số chung của một đơn vị cùng loại; thanh xanh là đơn vị này với "
        "khoảng tin cậy; vạch đứt là toàn thành phố.",
        "Each grey tick is a peer unit's overall index; the blue bar is this unit with its "
        "interval; the dashed line is the whole city.",
    ),
    "rank": ("Xếp hạng", "Rank"),
    "rank_text": (
        "Hạng {rank} trên {of} đơn vị cùng loại; khoảng xếp hạng {level}: từ {low} đến {high}.",
        "Rank {rank} of {of} units of its kind; {level} rank interval: {low} to {high}.",
    ),
    "peer_median": ("Trung vị các đơn vị cùng loại", "Median of peer units"),
    "city_compare_sig": (
        "Khác biệt với toàn thành phố có ý nghĩa thống kê (đã hiệu chỉnh Holm).",
        "The difference from the whole city is statistically significant (Holm-adjusted).",
    ),
    "city_compare_nonsig": (
        "Chưa đủ bằng chứng cho thấy khác biệt với toàn thành phố (đã hiệu chỉnh Holm).",
        "No clear evidence of a difference from the whole city (Holm-adjusted).",
    ),
    "small_area": ("Ước lượng cho đơn vị nhỏ (Fay–Herriot)", "Small-area estimate (Fay–Herriot)"),
    "improve_title": ("Cần cải thiện trước", "What to improve first"),
    "improve_desc": (
        "Trục ngang: mức hài lòng của yếu tố tại đơn vị; trục đứng: mức ảnh hưởng đến sự hài "
        "lòng chung (hệ số chuẩn hoá của mô hình hồi quy có trọng số). Góc trên bên trái: ảnh "
        "hưởng lớn nhưng mức hài lòng thấp — nên ưu tiên.",
        "Across: how satisfied people are with the element here; up: how much it drives "
        "overall satisfaction (standardised coefficient of a survey-weighted regression). "
        "Top left: important but weak — improve first.",
    ),
    "importance": ("Mức ảnh hưởng", "Importance"),
    "performance": ("Mức hài lòng", "Performance"),
    "priority": ("Mức ưu tiên", "Priority"),
    "basis_unit": (
        "Mô hình ước lượng từ người trả lời của chính đơn vị ({n} người, R² = {r2}).",
        "Model fitted on this unit's own respondents ({n} people, R² = {r2}).",
    ),
    "basis_city": (
        "Đơn vị có ít người trả lời nên mức ảnh hưởng lấy từ mô hình của toàn thành phố "
        "({n} người, R² = {r2}); mức hài lòng là của đơn vị.",
        "Too few respondents here for a model of its own: importance comes from the whole "
        "city's model ({n} people, R² = {r2}); performance is this unit's.",
    ),
    "no_improvement": ("Không đủ dữ liệu để phân tích.", "Not enough data for this analysis."),
    "distribution_title": ("Phân bố câu trả lời theo tiêu chí", "Answers per criterion"),
    "distribution_desc": (
        "Tỷ lệ từng mức trả lời trong số người trả lời của đơn vị (đếm trực tiếp, chưa gia "
        'quyền; không tính câu trả lời "không áp dụng").',
        "Share of each answer among the unit's respondents (counted, not weighted; "
        '"does not apply" answers left out).',
    ),
    "not_applicable": ("Không áp dụng", "Does not apply"),
    "comments_title": ("Ý kiến gần đây", "Recent comments"),
    "comments_note": (
        "{shown} trên {total} ý kiến trong kỳ. Số điện thoại, e-mail, số giấy tờ và tên người "
        "đã được tự động che.",
        "{shown} of {total} comments in the period. Phone numbers, e-mails, ID numbers and "
        "names have been masked automatically.",
    ),
    "no_comments": ("Chưa có ý kiến nào.", "No comments yet."),
    "method_title": ("Phương pháp", "Method"),
    "method_text": (
        "Ước lượng theo thiết kế mẫu (tỷ số Hájek, sai số chuẩn tuyến tính hoá Taylor theo "
        "tầng, hiệu chỉnh quần thể hữu hạn). Trọng số: {weights}.",
        "Design-based estimates (Hájek ratios, Taylor-linearised standard errors over strata, "
        "finite-population correction). Weights: {weights}.",
    ),
    "exports": ("Tải số liệu", "Download"),
    "league_title": ("Bảng xếp hạng", "League table"),
    "league_intro": (
        "Đơn vị xếp theo ước lượng; khoảng xếp hạng {level} cho biết đơn vị có thể đứng ở "
        "những hạng nào khi tính đến sai số mẫu. Hai đơn vị có khoảng xếp hạng chồng lên nhau "
        "thì chưa thể khẳng định đơn vị nào hơn.",
        "Units ordered by their estimate; the {level} rank interval shows the places a unit "
        "could hold given sampling error. Units whose rank intervals overlap cannot be told "
        "apart.",
    ),
    "variable": ("Chỉ số", "Index"),
    "rank_interval": ("Khoảng xếp hạng", "Rank interval"),
    "no_league": ("Không có bảng xếp hạng cho lựa chọn này.", "No league table for this choice."),
    "flag": ("Ghi chú", "Note"),
    "open_scorecard": ("Xem kết quả đơn vị", "Open the scorecard"),
}

FLAG_TEXT: dict[str, tuple[str, str]] = {
    "ok": ("", ""),
    "review": ("Cần thận trọng", "Use with caution"),
    "suppress": ("Không đủ tin cậy", "Not reliable"),
}

REASON_TEXT: dict[str, tuple[str, str]] = {
    "n_eff_below_minimum": ("cỡ mẫu hiệu dụng dưới 30", "effective sample size below 30"),
    "ci_too_wide": ("khoảng tin cậy quá rộng", "interval too wide"),
    "relative_ci_too_wide": ("khoảng tin cậy tương đối quá rộng", "relative interval too wide"),
    "complement_relative_ci_too_wide": (
        "khoảng tin cậy của phần không hài lòng quá rộng",
        "interval of the dissatisfied share too wide",
    ),
    "df_below_minimum": ("bậc tự do dưới 8", "fewer than 8 degrees of freedom"),
    "estimate_at_bound": ("ước lượng bằng 0 % hoặc 100 %", "estimate at 0% or 100%"),
    "zero_variance": ("phương sai bằng 0", "zero variance"),
    "rse_too_large": ("sai số chuẩn tương đối quá lớn", "relative standard error too large"),
}

QUADRANT_TEXT: dict[str, tuple[str, str]] = {
    "concentrate_here": ("Ưu tiên cải thiện", "Improve first"),
    "keep_up": ("Duy trì", "Keep up the good work"),
    "low_priority": ("Ưu tiên thấp", "Low priority"),
    "possible_overkill": ("Có thể đang đầu tư quá mức", "Possible overkill"),
}


def strings(lang: str) -> dict[str, str]:
    """Every dashboard string in ``lang`` (``en``; Vietnamese otherwise)."""
    k = 1 if lang == "en" else 0
    out = {key: pair[k] for key, pair in _STRINGS.items()}
    out.update({f"flag_{key}": pair[k] for key, pair in FLAG_TEXT.items()})
    out.update({f"reason_{key}": pair[k] for key, pair in REASON_TEXT.items()})
    out.update({f"quadrant_{key}": pair[k] for key, pair in QUADRANT_TEXT.items()})
    return out
