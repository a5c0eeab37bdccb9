"""Redaction of free-text comments before staff see them.

A comment is shown to a department only after :func:`redact_comment` has replaced

* e-mail addresses by ``[email]``;
* telephone numbers (Vietnamese forms: ``0912 345 678``, ``+84 912.345.678``,
  ``(024) 3825 1234``) by ``[số điện thoại]``;
* other long numbers — citizen ID (CCCD, 12 digits), old ID cards (CMND, 9 digits),
  passports (a letter and 7 digits), dossier and bank account numbers: any run of at
  least 8 digits, separators allowed — by ``[số giấy tờ]``; sums of money written with
  thousands dots (``1.500.000 đồng``) are kept;
* personal names, as far as a rule can find them:

  - a form of address or a title followed by capitalised words (``chị Lan``,
    ``anh Nguyễn Văn Hùng``, ``cán bộ Trần Thị Mai``, ``Mr John Smith``): the title
    stays, the name becomes ``[tên]``;
  - two to four capitalised words that begin with one of the common Vietnamese family
    names (Nguyễn, Trần, Lê, ...): the whole name becomes ``[tên]``.

The rule over-redacts rather than under-redacts (a street named after a person, such
as Trần Hưng Đạo, is redacted too), and it cannot find a lone given name written without
a title and in lower case, or a foreign name without a title. The questionnaire asks
people not to write such details; this is the second line of defence, not a guarantee.
"""

from __future__ import annotations

import re

__all__ = ["EMAIL", "ID_NUMBER", "NAME", "PHONE", "redact_comment"]

EMAIL = "[email]"
PHONE = "[số điện thoại]"
ID_NUMBER = "[số giấy tờ]"
NAME = "[tên]"

_UPPER = "".join(chr(c) for c in range(0x41, 0x1F00) if chr(c).isupper() and chr(c).isalpha())
_CAPITALISED = rf"[{_UPPER}][^\W\d_]*"
_TITLES = (
    "ông", "bà", "anh", "chị", "em", "cô", "chú", "bác", "cậu", "mợ", "dì", "thím", "cụ",
    "cháu", "bạn", "cán bộ", "công chức", "chuyên viên", "nhân viên", "đồng chí", "đ/c",
    "lãnh đạo", "giám đốc", "phó giám đốc", "chủ tịch", "phó chủ tịch", "trưởng phòng",
    "phó trưởng phòng", "mr", "mrs", "ms", "miss", "dr", "mr.", "mrs.", "ms.", "dr.",
)  # fmt: skip
_FAMILIES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
    "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đào", "Đoàn", "Vương", "Trịnh", "Trương", "Lâm",
    "Mai", "Đinh", "Lương", "Tạ", "Chu", "Kiều", "Tô", "Lưu", "Quách",
)  # fmt: skip

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Digits with spaces, dots, dashes or brackets between them; at least 8 digits in all.
_NUMBER_RE = re.compile(r"(?<![\w])(?:\+?\(?\d[\d\s.()-]{6,}\d)(?![\w])")
_PASSPORT_RE = re.compile(r"\b[A-Z]\d{7,8}\b")
_MONEY_RE = re.compile(r"[1-9]\d{0,2}(?:[.,]\d{3})+")
# Titles in any case, names capitalised: the case-insensitive flag is scoped to titles.
_TITLE_RE = re.compile(
    r"(?<![^\W\d_])((?i:"
    + "|".join(re.escape(t) for t in sorted(_TITLES, key=len, reverse=True))
    + rf"))(\s+)({_CAPITALISED}(?:\s+{_CAPITALISED}){{0,3}})(?![^\W\d_])"
)
_FAMILY_RE = re.compile(
    r"(?<![^\W\d_])(?:" + "|".join(_FAMILIES) + rf")(?:\s+{_CAPITALISED}){{1,3}}(?![^\W\d_])"
)


def _number(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if len(digits) < 8 or _MONEY_RE.fullmatch(text.strip()):
        return text
    if text.lstrip("(").startswith(("0", "+84", "84")) and 10 <= len(digits) <= 11:
        return PHONE
    return ID_NUMBER


def _title(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}{NAME}"


def redact_comment(text: str) -> str:
    """Return ``text`` with e-mails, phone and ID numbers and personal names replaced.

    Parameters
    ----------
    text
        A respondent's free-text answer.

    Returns
    -------
    str
        The text with each finding replaced by a bracketed placeholder
        (``[email]``, ``[số điện thoại]``, ``[số giấy tờ]``, ``[tên]``).
    """
    out = _EMAIL_RE.sub(EMAIL, text)
    out = _NUMBER_RE.sub(_number, out)
    out = _PASSPORT_RE.sub(ID_NUMBER, out)
    out = _TITLE_RE.sub(_title, out)
    return _FAMILY_RE.sub(NAME, out)
