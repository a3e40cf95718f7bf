"""Looks a real upload has and a clean generated image lacks: the shift the cascade must survive.

A patient rarely uploads the DICOM file. They send a screenshot of a viewer with burned-in text, a
phone photo of a monitor (perspective, glare, moiré, colour cast), a photo of a film on a light box,
a JPEG saved three times. Contrast differs by scanner and sequence (T1/T2/FLAIR, CT windows,
inverted display). :func:`realistic` applies a random mix of these to any uint8 image; it is applied
to non-medical training images too, so no look becomes a shortcut for "medical".
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

Rng = np.random.Generator

_WORDS = ("L", "R", "A", "P", "H", "F", "SE", "Ax", "Cor", "Sag", "T1", "T2", "FLAIR", "W:400", "L:40", "mm",
          "kV", "mAs", "ID:", "2019", "IMG", "Series", "Zoom", "1.0", "cm", "DOB")  # fmt: skip


def _rgb(img: np.ndarray) -> np.ndarray:
    return np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img


def contrast(img: np.ndarray, rng: Rng) -> np.ndarray:
    """Gamma, window (clip a random intensity range and stretch) and, rarely, inversion."""
    a = img.astype(np.float32) / 255.0
    lo, hi = rng.uniform(0.0, 0.2), rng.uniform(0.75, 1.0)
    a = np.clip((a - lo) / (hi - lo), 0, 1) ** rng.uniform(0.6, 1.6)
    if rng.random() < 0.1:
        a = 1.0 - a
    return (a * 255).astype(np.uint8)


def burned_text(img: Image.Image, rng: Rng) -> Image.Image:
    """Viewer annotations in the corners, as screenshots and exported scans carry them."""
    draw = ImageDraw.Draw(img)
    w, h = img.size
    grey = int(rng.integers(160, 256))
    for _ in range(int(rng.integers(1, 6))):
        x = 2 if rng.random() < 0.5 else int(w * rng.uniform(0.6, 0.85))
        y = 2 if rng.random() < 0.5 else int(h * rng.uniform(0.85, 0.93))
        text = " ".join(rng.choice(_WORDS, int(rng.integers(1, 4))))
        draw.text((x, y + int(rng.integers(0, 3)) * 10), text, fill=(grey, grey, grey))
    return img


def frame(img: Image.Image, rng: Rng) -> Image.Image:
    """Letterbox or a viewer's dark border: the scan fills only part of the picture."""
    w, h = img.size
    scale = rng.uniform(0.6, 0.95)
    small = img.resize((max(8, int(w * scale)), max(8, int(h * scale * rng.uniform(0.85, 1.15)))))
    shade = int(rng.integers(0, 40)) if rng.random() < 0.8 else int(rng.integers(200, 256))
    canvas = Image.new("RGB", (w, h), (shade, shade, shade))
    canvas.paste(small, (int(rng.integers(0, max(1, w - small.width + 1))),
                         int(rng.integers(0, max(1, h - small.height + 1)))))  # fmt: skip
    return canvas


def screen_photo(img: Image.Image, rng: Rng) -> Image.Image:
    """A phone photo of a monitor: perspective, moiré, glare, colour cast, blur and a dark surround."""
    w, h = img.size
    a = np.asarray(img, dtype=np.float32)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    f, ang = rng.uniform(0.15, 0.6), rng.uniform(0, np.pi)
    moire = np.sin(f * (x * np.cos(ang) + y * np.sin(ang))) * rng.uniform(4, 18)
    cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(0.2, 0.7) * max(w, h)
    glare = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r)) * rng.uniform(20, 90)
    cast = rng.uniform(0.85, 1.15, 3)
    a = (a + moire[..., None] + glare[..., None]) * cast
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    d = lambda: rng.uniform(0, 0.18) * min(w, h)  # noqa: E731
    quad = (d(), d(), d(), h - d(), w - d(), h - d(), w - d(), d())  # corners of the screen in the photo
    out = out.transform((w, h), Image.Transform.QUAD, quad, Image.Resampling.BILINEAR, fillcolor=(20, 20, 20))
    return out.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.2)))


def film(img: Image.Image, rng: Rng) -> Image.Image:
    """A film on a light box: bluish base, vignetting, grain."""
    a = np.asarray(img, dtype=np.float32)
    h, w = a.shape[:2]
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    vignette = 1 - rng.uniform(0.1, 0.5) * (((y / h - 0.5) ** 2 + (x / w - 0.5) ** 2) * 2)
    base = np.asarray([rng.uniform(0.8, 0.95), rng.uniform(0.9, 1.0), 1.0], dtype=np.float32)
    a = a * vignette[..., None] * base + rng.normal(0, rng.uniform(2, 8), a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def jpeg(img: Image.Image, rng: Rng) -> Image.Image:
    for _ in range(int(rng.integers(1, 3))):
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=int(rng.integers(25, 90)))
        buf.seek(0)
        img = Image.open(buf).convert("RGB")
    return img


def geometry(img: Image.Image, rng: Rng) -> Image.Image:
    """Random crop/zoom, rotation and mirror (labels here never depend on left/right)."""
    w, h = img.size
    s = rng.uniform(0.7, 1.0)
    cw, ch = max(8, int(w * s)), max(8, int(h * s))
    x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    img = img.crop((x0, y0, x0 + cw, y0 + ch)).resize((w, h), Image.Resampling.BILINEAR)
    if rng.random() < 0.5:
        img = ImageOps.mirror(img)
    if rng.random() < 0.4:
        img = img.rotate(rng.uniform(-25, 25), Image.Resampling.BILINEAR)
    return img


def realistic(img: np.ndarray, rng: Rng, strength: float = 1.0) -> np.ndarray:
    """A random mix of the looks above (each with a probability scaled by ``strength``) -> RGB uint8."""
    p = lambda q: rng.random() < q * strength  # noqa: E731
    if img.ndim == 2 and p(0.5):
        img = contrast(img, rng)
    out = Image.fromarray(_rgb(img))
    out = geometry(out, rng)
    if p(0.25):
        out = frame(out, rng)
    if p(0.3):
        out = burned_text(out, rng)
    if p(0.2):
        out = film(out, rng)
    if p(0.25):
        out = screen_photo(out, rng)
    if p(0.35):
        out = jpeg(out, rng)
    return np.asarray(out.convert("RGB"))
