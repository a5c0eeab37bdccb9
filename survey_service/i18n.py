"""Interface strings of the public pages, in Vietnamese (default) and English."""

from __future__ import annotations

__all__ = ["LANGUAGES", "choose_language", "translate"]

LANGUAGES = ("vi", "en")

_STRINGS: dict[str, dict[str, str]] = {
    "site_title": {
        "vi": "Khảo sát sự hài lòng của người dân",
        "en": "Citizen satisfaction survey",
    },
    "intro": {
        "vi": "Ý kiến của Ông/Bà giúp cơ quan phục vụ tốt hơn. Khảo sát mất khoảng 1 phút.",
        "en": "Your opinion helps us serve you better. The survey takes about a minute.",
    },
    "required_note": {
        "vi": "Câu hỏi có dấu * là bắt buộc.",
        "en": "Questions marked * are required.",
    },
    "submit": {"vi": "Gửi ý kiến", "en": "Send"},
    "thanks_title": {"vi": "Xin cảm ơn Ông/Bà!", "en": "Thank you!"},
    "thanks_body": {
        "vi": "Ý kiến của Ông/Bà đã được ghi nhận.",
        "en": "Your answers have been recorded.",
    },
    "errors_intro": {
        "vi": "Vui lòng kiểm tra lại các câu trả lời:",
        "en": "Please check your answers:",
    },
    "error_required": {"vi": "Vui lòng trả lời câu hỏi này.", "en": "Please answer this question."},
    "error_choice": {
        "vi": "Lựa chọn không hợp lệ.",
        "en": "This is not one of the choices.",
    },
    "error_too_long": {"vi": "Nội dung quá dài.", "en": "This answer is too long."},
    "error_unknown": {
        "vi": "Câu hỏi này không có trong phiếu.",
        "en": "This question is not part of the form.",
    },
    "not_found_title": {"vi": "Không tìm thấy trang", "en": "Page not found"},
    "units_title": {"vi": "Đơn vị được khảo sát", "en": "Units surveyed"},
    "language_switch": {"vi": "English", "en": "Tiếng Việt"},
    "unit_kind_city": {"vi": "Thành phố", "en": "City"},
    "unit_kind_department": {"vi": "Sở, ngành", "en": "Departments"},
    "unit_kind_ward": {"vi": "Phường", "en": "Wards"},
    "unit_kind_commune": {"vi": "Xã", "en": "Communes"},
    "unit_kind_branch": {"vi": "Chi nhánh Trung tâm PVHCC", "en": "Service-centre branches"},
    "unit_kind_reception_point": {"vi": "Điểm tiếp nhận", "en": "Reception points"},
    "next": {"vi": "Tiếp tục", "en": "Next"},
    "back": {"vi": "Quay lại", "en": "Back"},
    "save_later": {"vi": "Lưu, trả lời tiếp sau", "en": "Save and finish later"},
    "progress": {"vi": "Phần {number}/{total}", "en": "Part {number} of {total}"},
    "saved_title": {"vi": "Đã lưu câu trả lời", "en": "Your answers are saved"},
    "saved_body": {
        "vi": "Ông/Bà có thể mở lại đường liên kết trong tin nhắn để trả lời tiếp.",
        "en": "Open the same link from your message again to carry on.",
    },
    "error_not_relevant": {
        "vi": "Câu hỏi này không áp dụng với câu trả lời trước của Ông/Bà; xin bỏ trống.",
        "en": "This question does not apply given your earlier answers; please leave it empty.",
    },
    "error_too_many": {"vi": "Đã chọn quá số lựa chọn cho phép.", "en": "Too many choices."},
    "token_malformed_title": {"vi": "Đường liên kết không đúng", "en": "This link is not valid"},
    "token_malformed": {
        "vi": "Đường liên kết bị thiếu hoặc sai ký tự. Xin kiểm tra lại tin nhắn hoặc quét lại mã QR.",
        "en": "The link is incomplete or mistyped. Please check the message or scan the QR code again.",
    },
    "token_unknown_title": {"vi": "Không tìm thấy phiếu khảo sát", "en": "Survey not found"},
    "token_unknown": {
        "vi": "Đường liên kết này không thuộc phiếu khảo sát nào.",
        "en": "This link does not belong to any survey.",
    },
    "token_expired_title": {"vi": "Phiếu khảo sát đã hết hạn", "en": "This survey has closed"},
    "token_expired": {
        "vi": "Thời hạn trả lời phiếu khảo sát này đã kết thúc. Xin cảm ơn Ông/Bà.",
        "en": "The time to answer this survey has ended. Thank you all the same.",
    },
    "token_used_title": {"vi": "Phiếu đã được trả lời", "en": "Already answered"},
    "token_used": {
        "vi": "Phiếu khảo sát này đã được trả lời. Mỗi đường liên kết chỉ dùng được một lần.",
        "en": "This survey has already been answered. Each link can be used once.",
    },
    "device_used": {
        "vi": "Thiết bị này đã gửi ý kiến cho đơn vị hôm nay. Xin cảm ơn Ông/Bà.",
        "en": "This device has already sent an answer for this office today. Thank you.",
    },
    "rate_limited_title": {"vi": "Quá nhiều lượt gửi", "en": "Too many answers"},
    "rate_limited": {
        "vi": "Có quá nhiều phiếu được gửi từ mạng này. Xin thử lại sau ít phút.",
        "en": "Too many answers have come from this network. Please try again in a few minutes.",
    },
    "wrong_content_type_title": {"vi": "Yêu cầu không hợp lệ", "en": "Invalid request"},
    "wrong_content_type": {
        "vi": "Phiếu phải được gửi từ trang khảo sát.",
        "en": "Answers must be sent from the survey page.",
    },
    "poster_scan": {
        "vi": "Quét mã QR để đánh giá sự hài lòng",
        "en": "Scan the QR code to tell us how we did",
    },
    "poster_body": {
        "vi": "Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn. Khảo sát ẩn danh, mất khoảng 1 phút.",
        "en": "Your opinion helps us serve you better. Anonymous, about one minute.",
    },
    "poster_or": {"vi": "hoặc mở địa chỉ", "en": "or open"},
    "busy_title": {"vi": "Hệ thống đang bận", "en": "The service is busy"},
    "busy_body": {
        "vi": "Câu trả lời chưa được lưu. Xin bấm Gửi lại sau vài giây.",
        "en": "Your answers were not saved yet. Please press Send again in a few seconds.",
    },
    "no_survey": {
        "vi": "Hiện chưa có khảo sát nào cho đơn vị này.",
        "en": "There is no survey for this unit at the moment.",
    },
    # Staff side: accounts, navigation, login (issue #6).
    "staff_title": {"vi": "Khảo sát hài lòng · Cán bộ", "en": "Satisfaction survey · Staff"},
    "staff_skip": {"vi": "Chuyển đến nội dung chính", "en": "Skip to main content"},
    "staff_nav": {"vi": "Điều hướng", "en": "Navigation"},
    "staff_home": {"vi": "Về trang chính", "en": "Back to the start page"},
    "staff_welcome": {"vi": "Xin chào", "en": "Welcome"},
    "nav_scorecard": {"vi": "Kết quả đơn vị", "en": "Scorecard"},
    "nav_league": {"vi": "Bảng xếp hạng", "en": "League table"},
    "nav_console": {"vi": "Điều hành khảo sát", "en": "Survey console"},
    "nav_exports": {"vi": "Xuất dữ liệu", "en": "Exports"},
    "logout": {"vi": "Đăng xuất", "en": "Log out"},
    "login_title": {"vi": "Đăng nhập", "en": "Log in"},
    "login_username": {"vi": "Tên đăng nhập", "en": "Username"},
    "login_password": {"vi": "Mật khẩu", "en": "Password"},
    "login_submit": {"vi": "Đăng nhập", "en": "Log in"},
    "login_failed": {
        "vi": "Không đăng nhập được: tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản "
        "đang tạm khóa do nhập sai nhiều lần. Xin thử lại sau ít phút.",
        "en": "Could not log in: wrong username or password, or the account is locked for a "
        "while after repeated failures. Please try again in a few minutes.",
    },
    "logged_out": {"vi": "Ông/Bà đã đăng xuất.", "en": "You have logged out."},
    "forbidden_title": {"vi": "Không có quyền truy cập", "en": "Not allowed"},
    "forbidden_body": {
        "vi": "Tài khoản của Ông/Bà không được phép thực hiện thao tác này.",
        "en": "Your account may not do this.",
    },
    "csrf_title": {"vi": "Biểu mẫu đã hết hạn", "en": "The form has expired"},
    "csrf_body": {
        "vi": "Xin tải lại trang rồi thử lại.",
        "en": "Please reload the page and try again.",
    },
    "role_administrator": {"vi": "Quản trị hệ thống", "en": "Administrator"},
    "role_statistician": {"vi": "Cán bộ thống kê", "en": "Statistician"},
    "role_reviewer": {"vi": "Lãnh đạo đơn vị", "en": "Department reviewer"},
    "role_viewer": {"vi": "Người xem", "en": "Viewer"},
    "nav_accounts": {"vi": "Tài khoản", "en": "Accounts"},
    "accounts_title": {"vi": "Tài khoản cán bộ", "en": "Staff accounts"},
    "accounts_list": {"vi": "Danh sách tài khoản", "en": "All accounts"},
    "account_name": {"vi": "Họ tên hiển thị", "en": "Display name"},
    "account_role": {"vi": "Vai trò", "en": "Role"},
    "account_units": {"vi": "Đơn vị được xem", "en": "Units"},
    "account_units_hint": {
        "vi": "Chỉ cho Lãnh đạo đơn vị: mã đơn vị, cách nhau bởi dấu phẩy (gồm cả các đơn vị "
        "trực thuộc).",
        "en": "Reviewers only: unit codes separated by commas (units below them included).",
    },
    "account_all_units": {"vi": "Tất cả", "en": "All units"},
    "account_state": {"vi": "Trạng thái", "en": "State"},
    "account_active": {"vi": "Đang hoạt động", "en": "Active"},
    "account_inactive": {"vi": "Đã khóa", "en": "Disabled"},
    "account_locked": {"vi": "tạm khóa do nhập sai", "en": "locked after failed logins"},
    "account_last_login": {"vi": "Đăng nhập gần nhất", "en": "Last login"},
    "account_actions": {"vi": "Thao tác", "en": "Actions"},
    "account_disable": {"vi": "Khóa tài khoản", "en": "Disable"},
    "account_new": {"vi": "Tạo tài khoản mới", "en": "New account"},
    "account_username_hint": {
        "vi": "Chữ thường không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang.",
        "en": "Lower-case letters, digits, dots, underscores or hyphens.",
    },
    "account_password": {
        "vi": "Mật khẩu ban đầu (ít nhất 10 ký tự)",
        "en": "Initial password (10 characters or more)",
    },
    "account_create": {"vi": "Tạo tài khoản", "en": "Create account"},
    "account_created": {"vi": "Đã tạo tài khoản", "en": "Account created"},
    "account_disabled": {"vi": "Đã khóa tài khoản", "en": "Account disabled"},
    "account_error_username": {
        "vi": "Tên đăng nhập không hợp lệ",
        "en": "This username is not allowed",
    },
    "account_error_password_short": {
        "vi": "Mật khẩu phải có ít nhất 10 ký tự",
        "en": "The password must have 10 characters or more",
    },
    "account_error_reviewer_units": {
        "vi": "Lãnh đạo đơn vị cần ít nhất một đơn vị",
        "en": "A reviewer needs at least one unit",
    },
    "account_error_units_for_others": {
        "vi": "Chỉ Lãnh đạo đơn vị được giới hạn theo đơn vị",
        "en": "Only reviewers are limited to units",
    },
    "account_error_exists": {"vi": "Tên đăng nhập đã có", "en": "This username is taken"},
    "account_error_unknown_unit": {"vi": "Không có đơn vị mã", "en": "No unit with code"},
    "account_error_no_user": {"vi": "Không có tài khoản", "en": "No such account"},
    "account_error_disable_self": {
        "vi": "Không thể tự khóa tài khoản của mình",
        "en": "You cannot disable your own account",
    },
    "account_error_password_wrong": {
        "vi": "Mật khẩu hiện tại không đúng",
        "en": "The current password is wrong",
    },
    "account_error_password_mismatch": {
        "vi": "Hai lần nhập mật khẩu mới không khớp",
        "en": "The two new passwords differ",
    },
    "audit_title": {"vi": "Nhật ký thao tác", "en": "Audit log"},
    "audit_filter": {"vi": "Lọc", "en": "Filter"},
    "audit_newest": {"vi": "Các dòng mới nhất, tối đa", "en": "Newest lines, at most"},
    "audit_when": {"vi": "Thời điểm (UTC)", "en": "When (UTC)"},
    "audit_action": {"vi": "Thao tác", "en": "Action"},
    "audit_object": {"vi": "Đối tượng", "en": "Object"},
    "audit_detail": {"vi": "Chi tiết", "en": "Detail"},
    "audit_address": {"vi": "Địa chỉ", "en": "Address"},
    "password_title": {"vi": "Đổi mật khẩu", "en": "Change password"},
    "password_current": {"vi": "Mật khẩu hiện tại", "en": "Current password"},
    "password_new": {
        "vi": "Mật khẩu mới (ít nhất 10 ký tự)",
        "en": "New password (10 characters or more)",
    },
    "password_repeat": {"vi": "Nhập lại mật khẩu mới", "en": "New password again"},
    "password_submit": {"vi": "Đổi mật khẩu", "en": "Change password"},
    "password_changed": {
        "vi": "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.",
        "en": "Password changed. Your other sessions have ended.",
    },
}


def translate(key: str, language: str) -> str:
    """Return the interface string ``key`` in ``language`` (Vietnamese if missing)."""
    texts = _STRINGS[key]
    return texts.get(language) or texts["vi"]


def choose_language(requested: str | None) -> str:
    """Return a supported language code, Vietnamese unless English is asked for."""
    return requested if requested in LANGUAGES else "vi"
