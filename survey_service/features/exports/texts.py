"""Interface strings of the exports page, in Vietnamese (default) and English."""

from __future__ import annotations

from typing import Final

__all__ = ["EXPORT_TEXT", "export_text"]

EXPORT_TEXT: Final[dict[str, tuple[str, str]]] = {
    "title": ("Xuất dữ liệu", "Exports"),
    "intro": (
        "Ước lượng của từng đơn vị (chỉ số chung, yếu tố, tiêu chí) kèm khoảng tin cậy, "
        "cỡ mẫu hiệu dụng và mức tin cậy khi công bố.",
        "Every unit's estimates (overall index, elements, criteria) with their intervals, "
        "effective sample sizes and reliability flags.",
    ),
    "scoped": (
        "Tệp chỉ gồm các đơn vị bạn được phép xem.",
        "The files hold only the units you may see.",
    ),
    "microdata_note": (
        "Dữ liệu vi mô đã ẩn danh (không có số điện thoại, email, mã hồ sơ) kèm sổ tay biến "
        "và lệnh R, Stata, SPSS để tính lại các số liệu đã công bố.",
        "Anonymised microdata (no phone numbers, e-mail addresses or dossier codes) with a "
        "codebook and the R, Stata and SPSS commands that reproduce the published figures.",
    ),
    "survey": ("Khảo sát", "Survey"),
    "period": ("Kỳ", "Period"),
    "downloads": ("Tải xuống", "Downloads"),
    "estimates_csv": ("Ước lượng (CSV)", "Estimates (CSV)"),
    "estimates_xlsx": ("Ước lượng (Excel)", "Estimates (Excel)"),
    "microdata": ("Dữ liệu vi mô (ZIP)", "Microdata (ZIP)"),
    "no_surveys": (
        "Chưa có kết quả khảo sát nào được công bố.",
        "No survey results have been published yet.",
    ),
    "unpublished": (
        "Chưa công bố: tệp ước lượng được tính trực tiếp.",
        "Not published: the estimates are computed live.",
    ),
}


def export_text(key: str, language: str) -> str:
    """An interface string of the exports page in ``language`` (``vi`` or ``en``)."""
    vi, en = EXPORT_TEXT[key]
    return en if language == "en" else vi
