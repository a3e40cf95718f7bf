"""Real text from installed packages, rendered as pages in varied layouts, each text in ONE role.

Why: the generated documents the filter learnt from were lines of random words from a 36-word list,
every line full; real letters, reports and licences have real words, ragged lines, blank lines and
other fonts, and on the real evaluation set plain-text pages were called "medical" (docs/models.md).
Real text is plentiful offline: every installed distribution ships its description (its README) and
usually a licence. A *distribution* is the split unit, as a patient is for scans
(:mod:`ml.real_sources`): the evaluation set's licences (numpy, scipy, pillow) and matplotlib's
sample-data README are never trained on; :data:`VAL_TEXTS` are validation only; training pages use
the descriptions of every other installed distribution and never a licence text.
"""

from __future__ import annotations

import textwrap
from functools import cache, lru_cache
from importlib import metadata

import numpy as np
from PIL import Image, ImageDraw, ImageFont

EVAL_TEXTS = ("numpy", "scipy", "pillow")  # licences rendered by ml.rendered.document_items("eval")
VAL_TEXTS = ("pydicom", "fastapi", "sqlalchemy", "requests", "onnxruntime", "pydantic")
_HELD = {*EVAL_TEXTS, *VAL_TEXTS, "matplotlib"}  # matplotlib: its sample-data README is a val page
_FONTS = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "STIXGeneral.ttf", "cmr10.ttf")
_MIN_CHARS = 800  # shorter descriptions are a line or two: not a page

__all__ = ["EVAL_TEXTS", "VAL_TEXTS", "description", "licence", "page", "train_texts"]


def licence(dist: str) -> str:
    files = metadata.distribution(dist).files or []
    lic = next((f for f in files if "LICEN" in f.name.upper() and f.suffix in ("", ".txt", ".md")), None)
    return lic.read_text() if lic is not None else (metadata.metadata(dist)["Summary"] or dist)


def description(dist: str) -> str:
    meta = metadata.metadata(dist)
    return str(meta.json.get("description") or meta["Summary"] or dist)


@cache
def train_texts() -> tuple[str, ...]:
    """Descriptions of every installed distribution outside the held-out ones, in a fixed order."""
    names = sorted({(d.metadata["Name"] or "").lower() for d in metadata.distributions()} - _HELD - {""})
    texts = (description(n) for n in names)
    return tuple(t for t in texts if len(t) >= _MIN_CHARS)


@lru_cache(maxsize=32)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    from ml.real_decode import package_dir

    return ImageFont.truetype(str(package_dir("matplotlib") / "mpl-data" / "fonts" / "ttf" / name), size)


def _lines(text: str, rng: np.random.Generator, chars: int, rows: int) -> list[str]:
    """``rows`` wrapped lines from a random place in ``text``, blank lines kept (paragraphs)."""
    wrapped: list[str] = []
    for raw in text.splitlines():
        wrapped += textwrap.wrap(raw, chars) or [""]
    start = int(rng.integers(0, max(1, len(wrapped) - rows // 2)))
    return wrapped[start : start + rows]


def page(text: str, rng: np.random.Generator) -> np.ndarray:
    """One page of ``text`` (RGB): a random font, size, margin, spacing, paper and ink, sometimes
    a bold first line or two columns, as letters, printouts and screenshots of documents vary."""
    w, h = int(rng.integers(360, 720)), int(rng.integers(420, 900))
    dark = rng.random() < 0.1
    paper = tuple(int(v) for v in (rng.integers(10, 45, 3) if dark else rng.integers(228, 256, 3)))
    ink = tuple(int(v) for v in (rng.integers(200, 256, 3) if dark else rng.integers(0, 80, 3)))
    img = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(img)
    size = int(rng.integers(9, 17))
    font = _font(_FONTS[int(rng.integers(len(_FONTS)))], size)
    margin, step = int(rng.integers(8, 48)), size * rng.uniform(1.15, 1.7)
    columns = 2 if w > 520 and rng.random() < 0.25 else 1
    col_w = (w - 2 * margin) // columns
    chars = max(12, int(col_w / (size * 0.56)))
    rows = int((h - 2 * margin) / step)
    lines = _lines(text, rng, chars, rows * columns)
    for k, line in enumerate(lines):
        col, row = divmod(k, rows)
        bold = k == 0 and rng.random() < 0.5
        f = _font("DejaVuSans-Bold.ttf", size + 3) if bold else font
        draw.text((margin + col * col_w, margin + row * step), line, fill=ink, font=f)
    return np.asarray(img)
