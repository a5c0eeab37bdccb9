"""Interface strings of the statistician console, in Vietnamese (default) and English.

Kept apart from :mod:`survey_service.i18n` (the public pages' strings) so the console's
vocabulary — frame, strata, AAPOR rates, weights — lives with the console.
"""

from __future__ import annotations

__all__ = ["console_text"]

_TEXTS: dict[str, tuple[str, str]] = {
    # key: (Vietnamese, English)
    "console": ("Bàn làm việc thống kê", "Statistician console"),
    "surveys": ("Các cuộc khảo sát", "Surveys"),
    "survey": ("Khảo sát", "Survey"),
    "code": ("Mã", "Code"),
    "title": ("Tên", "Title"),
    "period": ("Kỳ", "Period"),
    "status": ("Trạng thái", "Status"),
    "status_planned": ("đã lên kế hoạch", "planned"),
    "status_fielding": ("đang điều tra", "in the field"),
    "status_closed": ("đã kết thúc", "closed"),
    "no_surveys": ("Chưa có cuộc khảo sát nào.", "There are no surveys yet."),
    "frame_imports": ("Nhập khung mẫu", "Frame imports"),
    "designs": ("Thiết kế mẫu", "Sample designs"),
    "fieldwork": ("Tiến độ điều tra và tỷ lệ trả lời", "Fieldwork and response rates"),
    "weights": ("Quyền số", "Weights"),
    "publish": ("Công bố kết quả", "Publish results"),
    "back_to_console": ("← Bàn làm việc thống kê", "← Statistician console"),
    "back_to_survey": ("← Về khảo sát", "← Back to the survey"),
    "error_title": ("Không thực hiện được", "This could not be done"),
    "nothing_changed": ("Không có gì bị thay đổi.", "Nothing was changed."),
    # frame import
    "frame_intro": (
        "Tải lên tệp hồ sơ đã trả kết quả (CSV hoặc JSON Lines) xuất từ hệ thống một cửa. "
        "Hồ sơ đã có sẽ được cập nhật, không bị nhân đôi.",
        "Upload the completed dossiers (CSV or JSON Lines) exported by the one-stop-shop "
        "system. Dossiers already imported are updated, never duplicated.",
    ),
    "frame_file": ("Tệp khung mẫu (.csv, .jsonl)", "Frame file (.csv, .jsonl)"),
    "mapping": ("Cách đọc cột", "Column mapping"),
    "mapping_standard": (
        "Tên cột chuẩn (dossier_code, unit_code, …)",
        "Standard column names (dossier_code, unit_code, …)",
    ),
    "mapping_custom": (
        "Tệp ánh xạ cột (TOML) của hệ thống nguồn",
        "The source system's mapping file (TOML)",
    ),
    "mapping_file": ("Tệp ánh xạ (.toml)", "Mapping file (.toml)"),
    "skip_bad": (
        "Vẫn nhập các dòng hợp lệ khi có dòng lỗi",
        "Import the good rows even if some rows are bad",
    ),
    "skip_bad_hint": (
        "Nếu không chọn, chỉ một dòng lỗi cũng khiến không dòng nào được nhập.",
        "Unticked, a single bad row means nothing is imported.",
    ),
    "run_import": ("Nhập khung mẫu", "Import the frame"),
    "import_result": ("Kết quả nhập", "Import result"),
    "records": ("Bản ghi đã đọc", "Records read"),
    "imported": ("Đã nhập", "Imported"),
    "inserted": ("Mới", "New"),
    "updated": ("Cập nhật", "Updated"),
    "rejected": ("Dòng bị loại", "Rejected rows"),
    "import_committed": ("Đã lưu vào cơ sở dữ liệu.", "Stored in the database."),
    "import_refused": (
        "Có dòng lỗi nên không dòng nào được nhập. Sửa các dòng dưới đây, hoặc chọn "
        "“Vẫn nhập các dòng hợp lệ”.",
        "Some rows are bad, so nothing was imported. Fix the rows below, or tick "
        "“Import the good rows”.",
    ),
    "stored": ("Đã lưu", "Stored"),
    "rejected_report": ("Các dòng bị loại", "Rejected rows"),
    "line": ("Dòng", "Line"),
    "column": ("Cột", "Column"),
    "value": ("Giá trị", "Value"),
    "reason": ("Lý do", "Reason"),
    "report_truncated": (
        "Chỉ hiện {shown} trên {total} lỗi đầu tiên.",
        "Showing the first {shown} of {total} problems.",
    ),
    "past_imports": ("Các lần nhập trước", "Past imports"),
    "no_past_imports": (
        "Chưa có lần nhập nào từ bàn làm việc.",
        "No imports from the console yet.",
    ),
    "when": ("Thời điểm", "When"),
    "file": ("Tệp", "File"),
    "by_user": ("Người thực hiện", "By"),
    "no_file": ("Chưa chọn tệp khung mẫu.", "Choose a frame file."),
    "bad_file_kind": (
        "Tệp khung mẫu phải có đuôi .csv hoặc .jsonl.",
        "The frame file must end in .csv or .jsonl.",
    ),
    "no_mapping_file": (
        "Đã chọn tệp ánh xạ nhưng chưa tải tệp lên.",
        "A mapping file was chosen but none was uploaded.",
    ),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    # designs
    "designs_intro": (
        "Mỗi lần lưu một thiết kế cùng tên sẽ tạo phiên bản mới; phiên bản đã rút mẫu "
        "không bao giờ thay đổi.",
        "Saving a design under a name already used makes a new version; a drawn version "
        "never changes.",
    ),
    "name": ("Tên", "Name"),
    "version": ("Phiên bản", "Version"),
    "created": ("Lưu lúc", "Stored"),
    "drawn": ("Rút mẫu lúc", "Drawn"),
    "seed": ("Hạt giống ngẫu nhiên", "Seed"),
    "not_drawn": ("chưa rút", "not drawn"),
    "no_designs": ("Chưa có thiết kế mẫu nào.", "No sample designs yet."),
    "preview": ("Xem trước", "Preview"),
    "edit": ("Sửa (phiên bản mới)", "Edit (new version)"),
    "new_design": ("Thiết kế mới", "New design"),
    "edit_design": ("Sửa thiết kế “{name}”", "Edit design “{name}”"),
    "design_text": ("Nội dung thiết kế", "Design text"),
    "design_example": ("Ví dụ (TOML)", "An example (TOML)"),
    "syntax": ("Định dạng", "Syntax"),
    "save_design": ("Lưu thiết kế", "Save the design"),
    "design_saved": (
        "Đã lưu thiết kế “{name}” phiên bản {version}.",
        "Design “{name}” version {version} stored.",
    ),
    "empty_design": ("Chưa nhập nội dung thiết kế.", "The design text is empty."),
    # preview and draw
    "preview_of": (
        "Xem trước thiết kế “{name}” v{version}",
        "Preview of design “{name}” v{version}",
    ),
    "frame_rows": ("Hồ sơ trong khung mẫu", "Frame rows"),
    "eligible": ("Hồ sơ đủ điều kiện", "Eligible dossiers"),
    "sample_size": ("Cỡ mẫu (n)", "Sample size (n)"),
    "reserve": ("Mẫu dự phòng", "Reserve"),
    "expected_respondents": ("Số người trả lời dự kiến", "Expected respondents"),
    "overall_margin": ("Sai số dự kiến toàn bộ", "Expected overall margin of error"),
    "reference_date": ("Ngày tham chiếu", "Reference date"),
    "by_stratum": ("Theo tầng", "By stratum"),
    "by_unit": ("Theo đơn vị", "By unit"),
    "stratum": ("Tầng", "Stratum"),
    "unit": ("Đơn vị", "Unit"),
    "channel": ("Kênh", "Channel"),
    "channel_in_person": ("trực tiếp", "in person"),
    "channel_online": ("trực tuyến", "online"),
    "channel_postal": ("bưu chính", "postal"),
    "set_probability": ("mẫu xác suất", "probability sample"),
    "set_open_link": ("phiếu mở, không xác suất", "open link, non-probability"),
    "population": ("Tổng thể (N)", "Population (N)"),
    "margin": ("Sai số dự kiến (±)", "Expected margin (±)"),
    "margin_chart": (
        "Sai số dự kiến theo đơn vị (điểm phần trăm)",
        "Expected margin of error per unit (percentage points)",
    ),
    "draw": ("Rút mẫu", "Draw the sample"),
    "draw_hint": (
        "Cùng khung mẫu, thiết kế và hạt giống sẽ cho cùng một mẫu. Mỗi phiên bản chỉ rút một lần.",
        "The same frame, design and seed give the same sample. A version is drawn once.",
    ),
    "already_drawn": (
        "Phiên bản này đã rút mẫu ngày {date} với hạt giống {seed}.",
        "This version was drawn on {date} with seed {seed}.",
    ),
    "draw_done": (
        "Đã rút mẫu thiết kế “{name}” v{version} với hạt giống {seed}: {n} đơn vị mẫu và "
        "{reserve} dự phòng từ {population} hồ sơ đủ điều kiện trong {strata} tầng.",
        "Design “{name}” v{version} drawn with seed {seed}: {n} members and {reserve} in "
        "reserve from {population} eligible dossiers in {strata} strata.",
    ),
    "bad_seed": (
        "Hạt giống phải là số nguyên từ 0 đến 9223372036854775807.",
        "The seed must be a whole number from 0 to 9223372036854775807.",
    ),
    # fieldwork
    "fieldwork_of": ("Thiết kế “{name}” v{version}", "Design “{name}” v{version}"),
    "group": ("Nhóm", "Group"),
    "fielded": ("Đã mời", "Fielded"),
    "total": ("Toàn bộ", "Total"),
    "rr_chart": ("Tỷ lệ trả lời RR1 theo nhóm", "Response rate RR1 per group"),
    "formulas": ("Công thức (AAPOR)", "Formulas (AAPOR)"),
    "show_by": ("Xem theo", "Show by"),
    "reserve_title": ("Mẫu dự phòng theo tầng", "Reserve sample by stratum"),
    "reserve_hint": (
        "Mở thêm người trong mẫu dự phòng của tầng có tỷ lệ trả lời thấp, theo đúng thứ tự đã "
        "rút. Lần xuất danh sách mời sau sẽ mời họ.",
        "Release reserve members of strata that answer too little, in the order they were "
        "drawn. The next invitation export invites them.",
    ),
    "released": ("Đã mở", "Released"),
    "remaining": ("Còn lại", "Left"),
    "release_n": ("Mở thêm", "Release"),
    "release_button": ("Mở mẫu dự phòng", "Release the reserve"),
    "bad_release": (
        "Số người mở thêm phải là số nguyên không âm.",
        "The numbers to release must be whole numbers, 0 or more.",
    ),
    "released_done": ("Đã mở {n} người trong mẫu dự phòng.", "{n} reserve members released."),
    "invitations": ("Xuất danh sách mời", "Invitation export"),
    "invitations_hint": (
        "Mỗi lần xuất sẽ cấp đường liên kết mới cho những người chưa trả lời; đường liên kết "
        "cũ của họ hết hiệu lực. Tệp chứa dữ liệu cá nhân: giữ an toàn và xoá sau khi gửi.",
        "Each export issues new links to the members still to answer; their earlier links "
        "stop working. The file holds personal data: keep it safe and delete it after sending.",
    ),
    "export_kind": ("Loại tệp", "File"),
    "export_csv": ("CSV cho cổng SMS/thư điện tử", "CSV for SMS/e-mail gateways"),
    "export_letters": ("Thư mời in được (HTML)", "Printable letters (HTML)"),
    "expires_days": ("Số ngày hiệu lực", "Days the links stay valid"),
    "include_reserve": ("Mời cả mẫu dự phòng", "Release the reserve sample too"),
    "export": ("Xuất tệp", "Export"),
    "bad_days": ("Số ngày phải từ 1 đến 365.", "Days must be from 1 to 365."),
    "outcomes": ("Nhập kết quả liên hệ", "Record fieldwork outcomes"),
    "outcomes_hint": (
        "Tệp CSV có các cột dossier_code, outcome (invited, responded, partial, refused, "
        "non_contact, ineligible), recorded_at và note (không bắt buộc). Dòng đã nhập trước "
        "đó không bị nhập lại.",
        "A CSV with columns dossier_code, outcome (invited, responded, partial, refused, "
        "non_contact, ineligible), recorded_at and an optional note. Rows imported before "
        "are not added again.",
    ),
    "outcome_file": ("Tệp kết quả (.csv)", "Outcomes file (.csv)"),
    "no_outcome_file": ("Chưa chọn tệp kết quả.", "Choose an outcomes file."),
    "run_outcomes": ("Nhập kết quả", "Record the outcomes"),
    "received": ("Dòng đã đọc", "Rows read"),
    "duplicates": ("Đã có từ trước", "Already recorded"),
    "outcomes_committed": ("Đã ghi nhận.", "Recorded."),
    "dossier": ("Hồ sơ", "Dossier"),
    # weights
    "weights_intro": (
        "Quyền số gốc → điều chỉnh không trả lời trong lớp → hiệu chỉnh theo số hồ sơ của "
        "khung mẫu → cắt quyền số (tuỳ chọn).",
        "Base weight → nonresponse adjustment within classes → calibration to frame counts → "
        "optional trimming.",
    ),
    "calibrate": ("Hiệu chỉnh theo", "Calibrate to"),
    "var_unit": ("đơn vị", "unit"),
    "var_channel": ("kênh", "channel"),
    "var_field": ("lĩnh vực", "field"),
    "classes": ("Lớp điều chỉnh không trả lời", "Nonresponse classes"),
    "class_stratum": ("tầng", "stratum"),
    "class_unit": ("đơn vị", "unit"),
    "trim_cap": (
        "Cắt quyền số ở mức × trung vị của đơn vị (để trống: không cắt)",
        "Trim at × the unit's median (empty: no trimming)",
    ),
    "cal_method": ("Phương pháp hiệu chỉnh", "Calibration method"),
    "method_raking": (
        "raking (hậu phân tầng khi chỉ một biến)",
        "raking (post-stratification on one variable)",
    ),
    "method_linear": ("tuyến tính (GREG)", "linear (GREG)"),
    "method_truncated": ("tuyến tính có chặn g", "linear with g clipped to the bounds"),
    "method_logit": ("logit (có chặn)", "logit (bounded)"),
    "bounds": (
        "Chặn của g = quyền số sau / trước hiệu chỉnh (L < 1 < U; để trống: không chặn)",
        "Bounds on g = calibrated / input weight (L < 1 < U; empty: none)",
    ),
    "lower": ("Chặn dưới L", "Lower bound L"),
    "upper": ("Chặn trên U", "Upper bound U"),
    "bad_bounds": (
        "Cần cả hai chặn, với 0 ≤ L < 1 < U.",
        "Give both bounds, with 0 ≤ L < 1 < U.",
    ),
    "recalibrate": (
        "Hiệu chỉnh lại sau khi cắt (để tổng theo biên vẫn khớp)",
        "Calibrate again after trimming (so the margins still hold)",
    ),
    "g_range": ("Khoảng g", "g range"),
    "recalibration": ("Hiệu chỉnh lại sau khi cắt", "Re-calibration after trimming"),
    "cycles": ("Số chu kỳ", "Cycles"),
    "caps_held": ("Mức cắt được giữ", "Caps held"),
    "above_cap": ("Quyền số còn vượt mức cắt", "Weights still above their cap"),
    "max_cap_ratio": ("Quyền số / mức cắt lớn nhất", "Largest weight / cap"),
    "bad_trim": ("Mức cắt phải là số ≥ 1.", "The trimming cap must be a number ≥ 1."),
    "design_name": ("Thiết kế (để trống: lần rút mới nhất)", "Design (empty: the newest draw)"),
    "compute": ("Tính quyền số", "Compute weights"),
    "no_weights": ("Chưa có bộ quyền số nào.", "No weight set yet."),
    "weight_set": ("Bộ quyền số #{id} ({method})", "Weight set #{id} ({method})"),
    "steps": ("Các bước", "Steps"),
    "respondents": ("Người trả lời", "Respondents"),
    "ineligible": ("Không thuộc đối tượng", "Ineligible"),
    "not_weighted": ("Không tính quyền số", "Not weighted"),
    "nr_factor": ("Hệ số điều chỉnh không trả lời", "Nonresponse factor"),
    "convergence": ("Hội tụ hiệu chỉnh", "Calibration convergence"),
    "method": ("Phương pháp", "Method"),
    "variables": ("Biến", "Variables"),
    "converged": ("Hội tụ", "Converged"),
    "iterations": ("Số vòng lặp", "Iterations"),
    "max_rel_error": ("Sai lệch tương đối lớn nhất", "Largest relative error"),
    "history": ("Diễn biến sai lệch", "Error by iteration"),
    "margin_errors": ("Sai lệch so với tổng của khung", "Distance from frame totals"),
    "trimming": ("Cắt quyền số", "Trimming"),
    "trimmed": ("Số quyền số bị cắt", "Weights trimmed"),
    "cap": ("Mức cắt", "Cap"),
    "summary": ("Tóm tắt quyền số", "Weight summary"),
    "sum": ("Tổng", "Sum"),
    "min": ("Nhỏ nhất", "Min"),
    "max": ("Lớn nhất", "Max"),
    "mean": ("Trung bình", "Mean"),
    "cv": ("Hệ số biến thiên", "CV"),
    "deff": ("Hiệu ứng thiết kế Kish", "Kish deff"),
    "n_eff": ("Cỡ mẫu hiệu dụng", "n_eff"),
    "all_units": ("Tất cả", "All"),
    "open_link_set": (
        "Bộ quyền số phiếu mở (không xác suất) #{id}",
        "Open-link (non-probability) weight set #{id}",
    ),
    "weights_done": ("Đã tính và lưu bộ quyền số #{id}.", "Weight set #{id} computed and stored."),
    "weight_sets": ("Các bộ quyền số đã tính", "Weight sets computed"),
    "show": ("Xem", "Show"),
    "cells": ("Các ô có vấn đề", "Cells concerned"),
    # publish
    "publish_intro": (
        "Công bố đóng băng kết quả của kỳ này thành bản chụp mà trang tổng quan của các đơn vị "
        "hiển thị. Lần công bố sau sẽ thay thế bản chụp trước.",
        "Publishing freezes this period's results as the snapshot the department dashboards "
        "show. A later publication replaces the earlier snapshot.",
    ),
    "publish_button": ("Công bố kết quả kỳ này", "Publish this period's results"),
    "published": (
        "Đã công bố kết quả của khảo sát {code}: {units} đơn vị, {leagues} bảng xếp hạng "
        "(bản chụp #{id}).",
        "Results of survey {code} published: {units} units, {leagues} league tables "
        "(snapshot #{id}).",
    ),
    "last_published": ("Công bố gần nhất", "Last published"),
    "never_published": ("chưa công bố", "not published"),
}


def console_text(key: str, language: str, **values: object) -> str:
    """Return the console string ``key`` in ``language`` (Vietnamese unless "en")."""
    vi, en = _TEXTS[key]
    text = en if language == "en" else vi
    return text.format(**values) if values else text
