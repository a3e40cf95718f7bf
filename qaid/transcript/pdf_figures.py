"""The pictures in a transcript PDF: each image the patient shared, and the overlay they were shown.

Bytes come from the caller (the hub's image store, after it verified each image belongs to this
conversation, or the inbox's copies, kept only when they hash to the transcript's SHA-256); nothing
here fetches anything. They are decoded by :func:`qaid.imaging.decode_image`,
the same bounded decoder the HIP uses (PNG, JPEG, DICOM; byte and pixel limits), and re-encoded as a
small thumbnail, so the PDF never embeds an untrusted file as it came and stays a few hundred KB per
image. Bytes that are missing or do not decode give a framed "image unavailable" note in the
picture's place: the rest of the PDF is unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from fpdf import FPDF
from PIL import Image

from qaid.imaging import ImageError, decode_image
from qaid_contracts.limits import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS

__all__ = ["Figure", "thumbnail", "draw_row"]

# Longest side of the embedded thumbnail in pixels: ~190 dpi at the 85 mm a figure is drawn at,
# sharp on paper, and a bounded PDF whatever the upload's size.
THUMBNAIL_PX = 640
# Each figure's box (mm): two fit side by side on A4 within 15 mm margins; aspect ratio kept inside.
BOX_W, BOX_H, GAP, CAPTION_H = 87.0, 80.0, 6.0, 9.0
_GREY = (91, 107, 124)


@dataclass(frozen=True)
class Figure:
    caption: str
    png: bytes | None  # the thumbnail; None: unavailable, ``note`` says why
    size: tuple[int, int] = (0, 0)
    note: str = ""


def thumbnail(caption: str, data: bytes | None, missing: str) -> Figure:
    """The figure of ``data``, or an unavailable one saying why (``missing``: the words for no bytes)."""
    if data is None:
        return Figure(caption, None, note=missing)
    try:
        img = decode_image(data, max_bytes=MAX_IMAGE_BYTES, max_pixels=MAX_IMAGE_PIXELS)
    except ImageError as exc:
        return Figure(caption, None, note=f"Image unavailable: the stored file cannot be read ({exc})")
    img.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return Figure(caption, buf.getvalue(), img.size)


def _fit(size: tuple[int, int]) -> tuple[float, float]:
    """The largest (w, h) in mm inside the figure box with the image's aspect ratio."""
    scale = min(BOX_W / size[0], BOX_H / size[1])
    return size[0] * scale, size[1] * scale


def _height(figure: Figure) -> float:
    return (_fit(figure.size)[1] if figure.png else 24.0) + CAPTION_H


def draw_row(pdf: FPDF, row: list[Figure], family: str, clean: Callable[[str], str]) -> None:
    """Up to two figures side by side, each above its caption; a new page first if they do not fit."""
    height = max(_height(f) for f in row)
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y()
    for n, figure in enumerate(row):
        x = pdf.l_margin + n * (BOX_W + GAP)
        if figure.png:
            w, h = _fit(figure.size)
            pdf.image(io.BytesIO(figure.png), x=x, y=top, w=w, h=h)
        else:
            h = 24.0
            pdf.set_draw_color(*_GREY)
            pdf.rect(x, top, BOX_W, h)
            pdf.set_xy(x + 2, top + 2)
            pdf.set_font(family, "B", 9)
            pdf.multi_cell(BOX_W - 4, 4.5, clean(figure.note), align="L")
        pdf.set_xy(x, top + h + 1)
        pdf.set_font(family, "", 7.5)
        pdf.set_text_color(*_GREY)
        pdf.multi_cell(BOX_W, 3.6, clean(figure.caption), align="L")
        pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, top + height + 2)
