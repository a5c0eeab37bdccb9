"""Printable invitation letters in Vietnamese: one A4 page per member, with a QR code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec
from jinja2 import Environment
from markupsafe import Markup

from survey_service.features.questionnaire.qr import qr_svg

__all__ = ["Letter", "render_letters"]

# Letters are read in Vietnam: the expiry date is given in its time zone.
VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")

_TEMPLATE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Thư mời khảo sát ({{ letters|length }})</title>
<style>
  @page { size: A4 portrait; margin: 20mm 20mm 18mm; }
  html { font-family: "Times New Roman", "Noto Serif", serif; font-size: 13pt; color: #000; }
  body { margin: 0; }
  .letter { break-after: page; page-break-after: always; line-height: 1.45; }
  .letter:last-child { break-after: auto; page-break-after: auto; }
  .agency { text-transform: uppercase; font-weight: 700; margin: 0; }
  h1 { font-size: 15pt; text-align: center; margin: 10mm 0 1mm; }
  .subtitle { text-align: center; font-style: italic; margin: 0 0 8mm; }
  .qr { text-align: center; margin: 6mm 0 2mm; }
  .qr svg { width: 55mm; height: 55mm; }
  .link { text-align: center; font-family: "DejaVu Sans Mono", monospace; font-size: 11pt;
          word-break: break-all; margin: 0 0 6mm; }
  .code { font-weight: 700; }
  .closing { margin-top: 8mm; }
  @media screen {
    body { background: #ddd; }
    .letter { background: #fff; width: 170mm; min-height: 257mm; margin: 8mm auto;
              padding: 20mm; box-shadow: 0 0 3mm #999; }
  }
</style>
</head>
<body>
{% for letter in letters %}
<article class="letter">
  <p class="agency">{{ letter.unit_name }}</p>
  <h1>THƯ MỜI THAM GIA KHẢO SÁT</h1>
  <p class="subtitle">Sự hài lòng của người dân, tổ chức đối với sự phục vụ
    của cơ quan hành chính nhà nước</p>
  <p>Kính gửi Ông/Bà,</p>
  <p>Ông/Bà đã nhận kết quả giải quyết hồ sơ số <span class="code">{{ letter.dossier_code }}</span>
    tại {{ letter.unit_name }}. Ông/Bà là một trong những người được chọn ngẫu nhiên để cho
    biết ý kiến về chất lượng phục vụ. Ý kiến của Ông/Bà giúp cơ quan nhà nước giải quyết thủ
    tục hành chính tốt hơn.</p>
  <p>Để trả lời, xin Ông/Bà quét mã QR dưới đây bằng điện thoại, hoặc mở đường liên kết:</p>
  <div class="qr">{{ letter.qr }}</div>
  <p class="link">{{ letter.link }}</p>
  <p>Phiếu khảo sát mất khoảng 3–5 phút. Việc tham gia là tự nguyện; câu trả lời được giữ
    bí mật và chỉ dùng để thống kê. Đường liên kết dành riêng cho Ông/Bà, chỉ trả lời được
    một lần và có hiệu lực đến hết ngày {{ expires }}.</p>
  <p class="closing">Trân trọng cảm ơn Ông/Bà!</p>
</article>
{% endfor %}
</body>
</html>
"""

_ENVIRONMENT = Environment(autoescape=True, keep_trailing_newline=True)
_COMPILED = _ENVIRONMENT.from_string(_TEMPLATE)


class Letter(msgspec.Struct, frozen=True, kw_only=True):
    """What one letter says."""

    dossier_code: str
    unit_name: str
    link: str


def render_letters(letters: Iterable[Letter], expires_at: dt.datetime) -> str:
    """Return one HTML document with a page per letter (print it on A4)."""
    pages = [
        {
            "dossier_code": letter.dossier_code,
            "unit_name": letter.unit_name,
            "link": letter.link,
            # segno escapes the title; the SVG is our own markup.
            "qr": Markup(qr_svg(letter.link, f"Mã QR của hồ sơ {letter.dossier_code}")),  # noqa: S704
        }
        for letter in letters
    ]
    expires = expires_at.astimezone(VIETNAM).strftime("%d/%m/%Y")
    return _COMPILED.render(letters=pages, expires=expires)
