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
    "no_survey": {
        "vi": "Hiện chưa có khảo sát nào cho đơn vị này.",
        "en": "There is no survey for this unit at the moment.",
    },
}


def translate(key: str, language: str) -> str:
    """Return the interface string ``key`` in ``language`` (Vietnamese if missing)."""
    texts = _STRINGS[key]
    return texts.get(language) or texts["vi"]


def choose_language(requested: str | None) -> str:
    """Return a supported language code, Vietnamese unless English is asked for."""
    return requested if requested in LANGUAGES else "vi"
