"""QR codes (SVG and PNG) of questionnaire links, with segno."""

from __future__ import annotations

import io

import segno

__all__ = ["qr_png", "qr_svg"]


def qr_svg(url: str, title: str, scale: int = 8) -> str:
    """Return an SVG document of a QR code for ``url`` (medium error correction).

    The viewBox lets a page scale it freely; the title names it for screen readers.
    """
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        scale=scale,
        border=4,
        title=title,
        xmldecl=False,
        svgclass="qr",
        lineclass=None,
        omitsize=True,
    )
    return buffer.getvalue().decode("utf-8")


def qr_png(url: str, scale: int = 10) -> bytes:
    """Return a PNG image of a QR code for ``url`` (printable at about 4 cm with scale 10)."""
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
