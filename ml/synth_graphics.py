"""Flat graphics a patient might send, generated: icons, logos, node-and-line diagrams, grids.

Why: the filter learnt "not medical" from photos, pages, charts and screens; flat graphics — an app
icon, a logo, a diagram from a leaflet, a calendar or a board — are none of these, and real ones in
validation (toolbar icons, graph drawings: :mod:`ml.real_sources`) sat between "medical" and "not
medical". These are drawn from random shapes, colours and words; no real graphic is copied.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

Rng = np.random.Generator

__all__ = ["graphic"]


def _colour(rng: Rng, lo: int = 0, hi: int = 256) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, 3))  # type: ignore[return-value]


def _paper(rng: Rng) -> tuple[int, int, int]:
    return (255, 255, 255) if rng.random() < 0.6 else _colour(rng, 200, 256)


def _shape(draw: ImageDraw.ImageDraw, rng: Rng, box: list[float], fill: object, outline: object) -> None:
    kind = int(rng.integers(0, 4))
    width = int(rng.integers(2, 7))
    if kind == 0:
        draw.ellipse(box, fill=fill, outline=outline, width=width)  # type: ignore[arg-type]
    elif kind == 1:
        draw.rounded_rectangle(box, radius=int(rng.integers(0, 20)), fill=fill, outline=outline, width=width)  # type: ignore[arg-type]
    elif kind == 2:
        cx, cy, r = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, (box[2] - box[0]) / 2
        draw.regular_polygon((cx, cy, r), int(rng.integers(3, 9)), rotation=float(rng.uniform(0, 90)),
                             fill=fill, outline=outline)  # type: ignore[arg-type]  # fmt: skip
    else:
        pts = [(float(rng.uniform(box[0], box[2])), float(rng.uniform(box[1], box[3]))) for _ in range(4)]
        draw.line(pts, fill=outline, width=width * 2, joint="curve")  # type: ignore[arg-type]


# pictograms in the DejaVu fonts matplotlib ships: arrows, tools, signs, marks, weather, games
_GLYPHS = "←→↑↓↺↻⇦⇨⌂⌕⌚⌛☀☁☂☃☎☏☐☑☒☕☘☝☞☢☣☮☯☹☺☻♀♂♠♣♥♦♨♪♫♻⚐⚑⚒⚓⚔⚕⚖⚙⚛⚠⚡⚪⚫⚽⛄⛔✂✆✈✉✍✎✓✔✕✖✗✚✦✧✪✱✿❄❤➔➜➤⬅⬆⬇⬛⬜"


def icon(rng: Rng, side: int) -> Image.Image:
    """A pictogram: half the time a symbol glyph drawn large and bold, else a few strokes and shapes,
    in one or two inks on a plain ground, with a margin."""
    from ml.synth_everyday import _font

    img = Image.new("RGB", (side, side), _paper(rng))
    draw = ImageDraw.Draw(img)
    ink = _colour(rng, 0, 90) if rng.random() < 0.7 else _colour(rng)
    if rng.random() < 0.5:
        glyph = _GLYPHS[int(rng.integers(len(_GLYPHS)))]
        font = _font(int(side * rng.uniform(0.5, 0.85)), bold=rng.random() < 0.5)
        stroke = int(rng.integers(0, 3))
        draw.text(
            (side / 2, side / 2),
            glyph,
            fill=ink,
            font=font,
            anchor="mm",
            stroke_width=stroke,
            stroke_fill=ink,
        )
        return img
    m = side * rng.uniform(0.1, 0.25)
    for _ in range(int(rng.integers(1, 4))):
        a, b = sorted(rng.uniform(m, side - m, 2)), sorted(rng.uniform(m, side - m, 2))
        fill = ink if rng.random() < 0.4 else None
        _shape(draw, rng, [a[0], b[0], a[1] + 4, b[1] + 4], fill, ink)
    return img


def logo(rng: Rng, side: int) -> Image.Image:
    """An emblem in flat colours beside or above a word, as on a letterhead or an app's splash."""
    from ml.synth_everyday import _font, _words

    img = Image.new("RGB", (side, side), _paper(rng) if rng.random() < 0.8 else _colour(rng))
    draw = ImageDraw.Draw(img)
    r = side * rng.uniform(0.15, 0.3)
    cx, cy = side * rng.uniform(0.25, 0.5), side * rng.uniform(0.3, 0.5)
    for k in range(int(rng.integers(1, 4))):
        s = r * (1 - 0.3 * k)
        _shape(draw, rng, [cx - s, cy - s, cx + s, cy + s], _colour(rng), _colour(rng, 0, 120))
    word = _words(rng, 1).upper() if rng.random() < 0.5 else _words(rng, 2).title()
    draw.text((side * 0.1, cy + r + 8), word, fill=_colour(rng, 0, 150), font=_font(int(side / 9), bold=True))
    return img


def diagram(rng: Rng, side: int) -> Image.Image:
    """Nodes joined by lines (a flow chart, a family tree, a network), sometimes labelled."""
    from ml.synth_everyday import _font, _words

    img = Image.new("RGB", (side, side), _paper(rng))
    draw = ImageDraw.Draw(img)
    n = int(rng.integers(4, 16))
    pts = rng.uniform(side * 0.08, side * 0.92, (n, 2))
    edge = _colour(rng, 0, 160)
    for i in range(n):
        for j in rng.choice(n, int(rng.integers(1, 3)), replace=False):
            draw.line([tuple(pts[i]), tuple(pts[j])], fill=edge, width=int(rng.integers(1, 4)))
    r, node = side * rng.uniform(0.02, 0.06), _colour(rng)
    for x, y in pts:
        box = [x - r, y - r, x + r, y + r]
        (draw.ellipse if rng.random() < 0.7 else draw.rectangle)(box, fill=node, outline=edge)
        if rng.random() < 0.4:
            draw.text((x + r, y), _words(rng, 1), fill=edge, font=_font(int(side / 28) + 6))
    return img


def grid(rng: Rng, side: int) -> Image.Image:
    """A grid of cells (a calendar, a table, a board game), filled in two colours or many."""
    img = Image.new("RGB", (side, side), _paper(rng))
    draw = ImageDraw.Draw(img)
    rows, cols = int(rng.integers(3, 12)), int(rng.integers(3, 12))
    m, two = side * rng.uniform(0, 0.12), rng.random() < 0.5
    colours = [_colour(rng), _colour(rng)]
    ch, cw = (side - 2 * m) / rows, (side - 2 * m) / cols
    for i in range(rows):
        for j in range(cols):
            fill = colours[(i + j) % 2] if two else (_colour(rng) if rng.random() < 0.4 else None)
            box = [m + j * cw, m + i * ch, m + (j + 1) * cw, m + (i + 1) * ch]
            draw.rectangle(box, fill=fill, outline=(40, 40, 40) if not two else None)
    return img


def graphic(rng: Rng, size: int) -> np.ndarray:
    """One flat graphic at ``size`` (RGB), drawn larger and scaled down as an upload would be."""
    make = (icon, logo, diagram, grid)[int(rng.integers(0, 4))]
    img = make(rng, int(rng.integers(size, 4 * size)))
    return np.asarray(img.resize((size, size), Image.Resampling.BILINEAR))
