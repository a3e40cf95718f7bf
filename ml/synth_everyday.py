"""Everyday non-medical pictures a patient might send, generated: documents, charts, app screens, photos.

The original generator drew text with PIL's tiny bitmap font and two kinds of chart; real uploads are
letters and lab reports in proper fonts, charts from real plotting software, phone screenshots in
light and dark themes, and colourful photos. These generators draw the same *kinds* from random
content (random data and layouts; real README text of installed packages, :mod:`ml.real_text`, or
random words) — the real documents, charts and screenshots of the validation and evaluation sets
(:mod:`ml.rendered`) use other texts, data and layouts and are never seen here. Flat graphics (icons,
logos, diagrams, grids) are :mod:`ml.synth_graphics`.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ml.real_text import page, train_texts

Rng = np.random.Generator
_WORDS = (
    "patient",
    "result",
    "date",
    "name",
    "total",
    "value",
    "normal",
    "range",
    "report",
    "dear",
    "please",
    "account",
    "invoice",
    "order",
    "meeting",
    "project",
    "summary",
    "table",
    "figure",
    "data",
    "the",
    "and",
    "of",
    "to",
    "in",
    "for",
    "with",
    "on",
    "is",
    "was",
    "2024",
    "12.5",
    "mg",
    "ml",
    "no.",
    "page",
)


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    from ml.real_decode import package_dir

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(package_dir("matplotlib") / "mpl-data" / "fonts" / "ttf" / name), size)


def _colour(rng: Rng, lo: int = 0, hi: int = 256) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, 3))  # type: ignore[return-value]


def _words(rng: Rng, n: int) -> str:
    return " ".join(rng.choice(_WORDS, n))


def document(rng: Rng, size: int) -> np.ndarray:
    """A page of text: two times in three a real text in a varied layout (:mod:`ml.real_text`,
    never an evaluation or validation text), else random words with a heading and maybe a table."""
    if rng.random() < 2 / 3:
        texts = train_texts()
        img = Image.fromarray(page(texts[int(rng.integers(len(texts)))], rng))
        return np.asarray(img.resize((size, size), Image.Resampling.BILINEAR))
    return _word_page(rng, size)


def _word_page(rng: Rng, size: int) -> np.ndarray:
    """Random words: a heading, paragraphs, sometimes a table; light or (rarely) dark paper."""
    w, h = int(size * rng.uniform(1.0, 1.8)), int(size * rng.uniform(1.1, 2.0))
    dark = rng.random() < 0.15
    paper = _colour(rng, 0, 50) if dark else _colour(rng, 225, 256)
    ink = _colour(rng, 200, 256) if dark else _colour(rng, 0, 70)
    img = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(img)
    fs = int(rng.integers(9, 18))
    y = int(rng.integers(4, 20))
    draw.text((8, y), _words(rng, 3).title(), fill=ink, font=_font(fs + 6, bold=True))
    y += fs * 2 + 6
    table = rng.random() < 0.3
    while y < h - fs:
        if table:
            for c in range(3):
                draw.text((8 + c * w // 3, y), _words(rng, 1), fill=ink, font=_font(fs))
            draw.line([(6, y + fs + 2), (w - 6, y + fs + 2)], fill=ink, width=1)
        else:
            draw.text((8, y), _words(rng, int(w / (fs * 4)) + 1), fill=ink, font=_font(fs))
        y += int(fs * rng.uniform(1.3, 1.8))
    return np.asarray(img.resize((size, size), Image.Resampling.BILINEAR))


@lru_cache(maxsize=1)
def _chart_pool(n: int = 40) -> tuple[np.ndarray, ...]:
    """Charts drawn by matplotlib from random data, rendered once per process (about 50 ms each)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(404)
    out = []
    styles = ["default", "ggplot", "bmh", "dark_background", "seaborn-v0_8-whitegrid", "fivethirtyeight"]
    for k in range(n):
        with plt.style.context(styles[k % len(styles)]):
            fig, ax = plt.subplots(figsize=(rng.uniform(3, 5), rng.uniform(2.5, 4)))
            kind = k % 5
            x = np.arange(int(rng.integers(5, 60)))
            y = np.cumsum(rng.normal(0, 1, len(x)))
            if kind == 0:
                ax.plot(x, y, lw=rng.uniform(1, 3))
            elif kind == 1:
                ax.bar(x[:12], np.abs(y[:12]) + 1, color=[_c(rng) for _ in x[:12]])
            elif kind == 2:
                ax.scatter(rng.normal(0, 1, 80), rng.normal(0, 1, 80), s=12)
            elif kind == 3:
                ax.pie(rng.uniform(1, 5, int(rng.integers(3, 7))), labels=None)
            else:
                ax.hist(rng.normal(0, 1, 300), bins=int(rng.integers(8, 30)))
            ax.set_title(_words(rng, 2))
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=60)
            plt.close(fig)
        buf.seek(0)
        out.append(np.asarray(Image.open(buf).convert("RGB")))
    return tuple(out)


def _c(rng: Rng) -> tuple[float, float, float]:
    return tuple(float(v) for v in rng.uniform(0, 1, 3))  # type: ignore[return-value]


def chart(rng: Rng, size: int) -> np.ndarray:
    pool = _chart_pool()
    img = Image.fromarray(pool[int(rng.integers(len(pool)))])
    w, h = img.size
    s = rng.uniform(0.7, 1.0)
    x0, y0 = int(rng.integers(0, int(w * (1 - s)) + 1)), int(rng.integers(0, int(h * (1 - s)) + 1))
    return np.asarray(img.crop((x0, y0, x0 + int(w * s), y0 + int(h * s))).resize((size, size)))


def screen(rng: Rng, size: int) -> np.ndarray:
    """An app screen: a title bar, text, buttons, fields and toggles, light or dark theme."""
    w, h = int(size * rng.uniform(1.0, 2.0)), int(size * rng.uniform(1.0, 2.2))
    dark = rng.random() < 0.45
    bg = _colour(rng, 10, 50) if dark else _colour(rng, 225, 256)
    fg = _colour(rng, 200, 256) if dark else _colour(rng, 10, 60)
    accent = _colour(rng, 40, 256)
    img = Image.new("RGB", (w, h), bg)
    draw = ImageDraw.Draw(img)
    fs = int(rng.integers(10, 16))
    bar = int(rng.integers(16, 30))
    draw.rectangle([0, 0, w, bar], fill=accent)
    draw.text((6, bar // 4), _words(rng, 2).title(), fill=(255, 255, 255), font=_font(fs, bold=True))
    y = bar + 8
    while y < h - 2 * fs:
        kind = rng.integers(0, 4)
        if kind == 0:  # button
            bw = int(rng.integers(w // 5, w // 2))
            draw.rounded_rectangle([8, y, 8 + bw, y + 2 * fs], radius=6, fill=accent)
            draw.text((14, y + fs // 3), _words(rng, 1), fill=(255, 255, 255), font=_font(fs))
        elif kind == 1:  # text field
            draw.rectangle([8, y, w - 8, y + 2 * fs], outline=fg, width=1)
            draw.text((12, y + fs // 3), _words(rng, 2), fill=fg, font=_font(fs))
        elif kind == 2:  # toggle row
            draw.text((8, y), _words(rng, 2), fill=fg, font=_font(fs))
            draw.ellipse([w - 40, y, w - 40 + fs, y + fs], fill=accent)
        else:  # list row
            draw.text((8, y), _words(rng, int(rng.integers(2, 6))), fill=fg, font=_font(fs))
            draw.line([(8, y + int(fs * 1.5)), (w - 8, y + int(fs * 1.5))], fill=fg, width=1)
        y += int(fs * rng.uniform(2.4, 3.2))
    return np.asarray(img.resize((size, size), Image.Resampling.BILINEAR))


def vivid_photo(rng: Rng, size: int) -> np.ndarray:
    """A training photo crop pushed to strong, saturated colour (flowers, toys, food, signs)."""
    from ml.synth_images import _photo

    arr = np.asarray(_photo(rng, size).convert("HSV"), dtype=np.float32)
    arr[..., 0] = (arr[..., 0] + rng.uniform(0, 255)) % 255
    arr[..., 1] = np.clip(arr[..., 1] * rng.uniform(1.3, 2.5) + 30, 0, 255)
    return np.asarray(Image.fromarray(arr.astype(np.uint8), "HSV").convert("RGB"))


def everyday(rng: Rng, size: int) -> np.ndarray:
    from ml.synth_graphics import graphic

    kind = int(rng.integers(0, 5))
    return (document, chart, screen, vivid_photo, graphic)[kind](rng, size)
