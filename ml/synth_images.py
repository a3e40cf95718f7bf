"""Procedural images for the body parts other than brain/chest, and for non-medical inputs.

Why procedural: the demo must run offline with nothing downloaded, yet the labeler must learn
eleven visually distinct classes and the filter must tell medical images from everything else.
Each body part gets a cheap generator that captures its *structure* (which bones, how many, how
arranged; a fundus disc with vessels; a CT slice with a contrast-filled heart; a mammogram's
half-ellipse), with random pose, scale, contrast and noise so a classifier cannot memorise pixels.
Non-medical inputs are augmented crops of the photos shipped inside scikit-image plus procedural
text, charts, noise and shapes.

All generators take ``(rng, size)`` and return a uint8 array, (size, size) grey or (size, size, 3).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from scipy import ndimage

Rng = np.random.Generator


def grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalised pixel-centre coordinates (y, x) in [0, 1]."""
    c = (np.arange(size, dtype=np.float32) + 0.5) / size
    return c[:, None], c[None, :]


def ellipse(size: int, cy: float, cx: float, ry: float, rx: float, angle: float = 0.0) -> np.ndarray:
    """Normalised radius field of a rotated ellipse: < 1 inside, exactly 1 on its border."""
    y, x = grid(size)
    ca, sa = np.cos(angle), np.sin(angle)
    dy, dx = y - cy, x - cx
    u, v = dx * ca + dy * sa, -dx * sa + dy * ca
    return np.sqrt((u / rx) ** 2 + (v / ry) ** 2)


def capsule(size: int, p0: tuple[float, float], p1: tuple[float, float], radius: float) -> np.ndarray:
    """Distance to a line segment (y, x points) divided by ``radius``: a bone shaft is ``< 1``."""
    y, x = grid(size)
    (y0, x0), (y1, x1) = p0, p1
    dy, dx = y1 - y0, x1 - x0
    t = np.clip(((y - y0) * dy + (x - x0) * dx) / max(dy * dy + dx * dx, 1e-9), 0.0, 1.0)
    return np.sqrt((y - y0 - t * dy) ** 2 + (x - x0 - t * dx) ** 2) / radius


def soft(r: np.ndarray, edge: float = 6.0) -> np.ndarray:
    """Radius field -> opacity in [0, 1], 0.5 exactly on the border (r == 1)."""
    return np.clip((1.0 - r) * edge + 0.5, 0.0, 1.0)


def finish(img: np.ndarray, rng: Rng, blur: float = 0.6, noise: float = 0.02) -> np.ndarray:
    """Blur, add noise, random contrast/gamma, and quantise to uint8."""
    if blur > 0:
        img = ndimage.gaussian_filter(img, blur)
    img = img + rng.normal(0.0, noise, img.shape)
    img = np.clip(img, 0.0, 1.0) ** rng.uniform(0.8, 1.25)
    img = img * rng.uniform(0.85, 1.0) + rng.uniform(0.0, 0.05)
    return (np.clip(img, 0.0, 1.0) * 255).astype(np.uint8)


def _bone(img: np.ndarray, r: np.ndarray, level: float = 0.85) -> np.ndarray:
    """Paint a bone: bright cortex, slightly darker medulla."""
    img = np.maximum(img, soft(r) * level)
    return img - soft(r / 0.55) * 0.15 * level


def _xray_canvas(rng: Rng, size: int) -> np.ndarray:
    return np.full((size, size), rng.uniform(0.02, 0.12), dtype=np.float32)


def _rotate(img: np.ndarray, rng: Rng, max_deg: float) -> np.ndarray:
    return ndimage.rotate(img, rng.uniform(-max_deg, max_deg), reshape=False, order=1, mode="nearest")


def humerus(rng: Rng, size: int) -> np.ndarray:
    img = _xray_canvas(rng, size)
    img = np.maximum(img, soft(capsule(size, (0.1, 0.5), (1.1, 0.5), 0.28)) * 0.3)
    cx = rng.uniform(0.42, 0.58)
    img = _bone(img, capsule(size, (0.3, cx), (1.1, cx + rng.uniform(-0.05, 0.05)), rng.uniform(0.06, 0.08)))
    img = _bone(img, ellipse(size, 0.2, cx, 0.12, 0.13))
    return finish(_rotate(img, rng, 15), rng)


def forearm(rng: Rng, size: int) -> np.ndarray:
    img = _xray_canvas(rng, size)
    img = np.maximum(img, soft(capsule(size, (-0.1, 0.5), (1.1, 0.5), 0.3)) * 0.3)
    gap = rng.uniform(0.08, 0.12)
    for side in (-1, 1):
        img = _bone(img, capsule(size, (-0.05, 0.5 + side * gap), (1.05, 0.5 + side * gap * 0.7), 0.045))
    return finish(_rotate(img, rng, 20), rng)


def elbow(rng: Rng, size: int) -> np.ndarray:
    img = _xray_canvas(rng, size)
    bend = rng.uniform(0.3, 0.9)
    img = np.maximum(img, soft(capsule(size, (-0.1, 0.5), (0.5, 0.5), 0.25)) * 0.3)
    img = _bone(img, capsule(size, (-0.1, 0.5), (0.45, 0.5), 0.07))
    img = _bone(img, ellipse(size, 0.48, 0.5, 0.08, 0.15))
    for off in (-0.06, 0.06):
        end = (0.55 + 0.55 * np.cos(bend), 0.5 + off + 0.55 * np.sin(bend))
        img = np.maximum(img, soft(capsule(size, (0.55, 0.5), end, 0.2)) * 0.3)
        img = _bone(img, capsule(size, (0.58, 0.5 + off), end, 0.04))
    return finish(_rotate(img, rng, 20), rng)


def wrist(rng: Rng, size: int) -> np.ndarray:
    img = _xray_canvas(rng, size)
    img = np.maximum(img, soft(capsule(size, (-0.1, 0.5), (1.1, 0.5), 0.3)) * 0.3)
    for off in (-0.09, 0.09):
        img = _bone(img, capsule(size, (-0.1, 0.5 + off), (0.33, 0.5 + off), 0.06))
    for i in range(8):
        cy, cx = 0.45 + 0.1 * (i // 4), 0.35 + 0.1 * (i % 4) + rng.uniform(-0.01, 0.01)
        img = _bone(img, ellipse(size, cy, cx, 0.045, 0.045, rng.uniform(0, 3)), 0.8)
    for i in range(5):
        x = 0.3 + 0.1 * i
        img = _bone(img, capsule(size, (0.66, x), (1.1, x + (i - 2) * 0.04), 0.025))
    return finish(_rotate(img, rng, 15), rng)


def hand(rng: Rng, size: int) -> np.ndarray:
    img = _xray_canvas(rng, size)
    img = np.maximum(img, soft(ellipse(size, 0.6, 0.5, 0.3, 0.3)) * 0.3)
    for i in range(5):
        ang = (-0.55 + 0.25 * i) if i else -1.0
        y, x, length = 0.85, 0.5 + (i - 2) * 0.06, (0.14, 0.11, 0.08, 0.06)
        for j, seg in enumerate(length if i else length[:3]):
            ny, nx = y - seg * np.cos(ang) * 1.3, x + seg * np.sin(ang) * 1.3
            img = np.maximum(img, soft(capsule(size, (y, x), (ny, nx), 0.045)) * 0.3)
            img = _bone(img, capsule(size, (y, x), (ny, nx), 0.022 if j else 0.027))
            y, x = ny - 0.02 * np.cos(ang), nx + 0.02 * np.sin(ang)
    img = _bone(img, ellipse(size, 0.9, 0.5, 0.06, 0.14))
    return finish(_rotate(img, rng, 20), rng)


def shoulder(rng: Rng, size: int) -> np.ndarray:
    img = _xray_canvas(rng, size)
    img = np.maximum(img, soft(ellipse(size, 0.7, 0.45, 0.6, 0.5)) * 0.3)
    for k in range(4):
        img += 0.08 * (np.abs(ellipse(size, 0.3 + 0.18 * k, -0.2, 0.35, 0.6) - 1) < 0.05)
    img = _bone(img, capsule(size, (0.12, 0.0), (0.2, 0.8), 0.035))
    img = _bone(img, ellipse(size, 0.5, 0.35, 0.25, 0.1, 0.3), 0.6)
    img = _bone(img, ellipse(size, 0.4, 0.62, 0.11, 0.11))
    img = _bone(img, capsule(size, (0.45, 0.66), (1.1, 0.72), 0.06))
    if rng.random() < 0.5:
        img = img[:, ::-1]
    return finish(_rotate(img, rng, 10), rng)


def breast(rng: Rng, size: int) -> np.ndarray:
    img = np.zeros((size, size), dtype=np.float32)
    tissue = soft(ellipse(size, 0.5, 0.0, rng.uniform(0.4, 0.48), rng.uniform(0.6, 0.8)), 10)
    texture = ndimage.gaussian_filter(rng.normal(0, 1, (size, size)), size / 40)
    texture = (texture - texture.min()) / (np.ptp(texture) + 1e-6)
    img = tissue * (0.35 + 0.5 * texture)
    img = np.maximum(img, soft(capsule(size, (0.0, 0.0), (0.3, 0.0), 0.2)) * 0.75)
    if rng.random() < 0.5:
        img = img[:, ::-1]
    return finish(img, rng, blur=0.8)


def heart_ct(rng: Rng, size: int) -> np.ndarray:
    img = np.zeros((size, size), dtype=np.float32)
    img = np.maximum(img, soft(ellipse(size, 0.52, 0.5, 0.34, 0.45)) * 0.35)
    img = np.maximum(img, soft(ellipse(size, 0.52, 0.5, 0.31, 0.42)) * 0.45)
    for cx in (0.3, 0.7):
        img = np.where(ellipse(size, 0.5, cx, 0.22, 0.15) < 1, 0.05, img)
    img = np.maximum(img, soft(ellipse(size, 0.48, 0.55, 0.15, 0.17, rng.uniform(-0.5, 0.5))) * 0.55)
    for cy, cx, r in ((0.45, 0.5, 0.06), (0.52, 0.6, 0.07), (0.4, 0.6, 0.04)):
        img = np.maximum(img, soft(ellipse(size, cy + rng.uniform(-0.02, 0.02), cx, r, r)) * 0.9)
    img = np.maximum(img, soft(ellipse(size, 0.68, 0.43, 0.04, 0.04)) * 0.9)
    img = np.maximum(img, soft(ellipse(size, 0.78, 0.5, 0.06, 0.07)) * 1.0)
    img = np.maximum(img, soft(capsule(size, (0.92, 0.1), (0.92, 0.9), 0.01)) * 0.5)
    return finish(_rotate(img, rng, 8), rng, blur=0.5)


@lru_cache(maxsize=1)
def _retina() -> np.ndarray:
    from skimage import data

    return np.asarray(Image.fromarray(data.retina()).resize((256, 256), Image.Resampling.BILINEAR))


def eyes_fundus(rng: Rng, size: int) -> np.ndarray:
    """Colour fundus: half the time an augmented view of scikit-image's retina photo, else synthetic."""
    if rng.random() < 0.4:
        img = Image.fromarray(_retina()).rotate(rng.uniform(0, 360))
        if rng.random() < 0.5:
            img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        arr = np.asarray(img.resize((size, size), Image.Resampling.BILINEAR), dtype=np.float32)
        return np.clip(arr * rng.uniform(0.8, 1.15, 3), 0, 255).astype(np.uint8)
    disc = soft(ellipse(size, 0.5, 0.5, 0.46, 0.46), 20)
    y, x = grid(size)
    base = disc * (0.75 - 0.35 * np.sqrt((y - 0.5) ** 2 + (x - 0.5) ** 2))
    oy, ox = 0.5 + rng.uniform(-0.08, 0.08), rng.choice([0.3, 0.7])
    vessels = np.zeros((size, size), dtype=np.float32)
    for _ in range(6):
        py, px, ang = oy, ox, rng.uniform(0, 2 * np.pi)
        for _ in range(8):
            ang += rng.uniform(-0.4, 0.4)
            ny, nx = py + 0.07 * np.sin(ang), px + 0.07 * np.cos(ang)
            vessels = np.maximum(vessels, soft(capsule(size, (py, px), (ny, nx), 0.012)))
            py, px = ny, nx
    optic = soft(ellipse(size, oy, ox, 0.07, 0.07))
    rgb = np.stack([base * 1.2, base * 0.55, base * 0.2], axis=-1)
    rgb = rgb * (1 - 0.5 * vessels[..., None] * disc[..., None]) + optic[..., None] * [0.4, 0.4, 0.25]
    rgb = rgb * rng.uniform(0.85, 1.15, 3) + rng.normal(0, 0.015, rgb.shape)
    return (np.clip(rgb, 0, 1) * 255).astype(np.uint8)


BODY_PART_GENERATORS: dict[str, Callable[[Rng, int], np.ndarray]] = {
    "breast": breast, "eyes": eyes_fundus, "heart": heart_ct, "elbow": elbow, "forearm": forearm,
    "hand": hand, "humerus": humerus, "shoulder": shoulder, "wrist": wrist,
}  # fmt: skip

# scikit-image's bundled photos that are *not* medical (retina, cells, histology are excluded).
_PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "coins", "hubble_deep_field",
           "page", "text", "moon", "grass", "gravel", "brick", "clock", "logo", "colorwheel")  # fmt: skip


@lru_cache(maxsize=1)
def _photos() -> tuple[Image.Image, ...]:
    from skimage import data

    return tuple(Image.fromarray(getattr(data, n)()).convert("RGB") for n in _PHOTOS)


def _photo(rng: Rng, size: int) -> Image.Image:
    src = _photos()[rng.integers(len(_PHOTOS))]
    w, h = src.size
    side = int(min(w, h) * rng.uniform(0.4, 1.0))
    x0, y0 = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
    img = src.crop((x0, y0, x0 + side, y0 + side)).resize((size, size), Image.Resampling.BILINEAR)
    arr = np.asarray(img, dtype=np.float32) * rng.uniform(0.7, 1.2, 3)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.5:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return img.convert("L").convert("RGB") if rng.random() < 0.3 else img


def _colour(rng: Rng) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(0, 256, 3))  # type: ignore[return-value]


def _text(rng: Rng, size: int) -> Image.Image:
    img = Image.new("RGB", (size, size), _colour(rng) if rng.random() < 0.5 else (255, 255, 255))
    draw = ImageDraw.Draw(img)
    words = ("invoice", "hello", "total", "meeting", "qaid", "report", "lorem", "ipsum", "42", "cat")
    ink = (0, 0, 0) if rng.random() < 0.6 else _colour(rng)
    for y in range(2, size - 8, int(rng.integers(9, 16))):
        draw.text((2, y), " ".join(rng.choice(words, 4)), fill=ink)
    return img


def _chart(rng: Rng, size: int) -> Image.Image:
    img = Image.new("RGB", (size, size), (255, 255, 255) if rng.random() < 0.7 else _colour(rng))
    draw = ImageDraw.Draw(img)
    m = size // 10
    draw.line([(m, m), (m, size - m), (size - m, size - m)], fill=(0, 0, 0), width=1)
    n = int(rng.integers(3, 9))
    vals = rng.uniform(0.1, 1.0, n)
    if rng.random() < 0.5:
        w = (size - 2 * m) / n
        for i, v in enumerate(vals):
            x0 = m + i * w + 1
            draw.rectangle([x0, size - m - v * (size - 2 * m), x0 + w * 0.7, size - m], fill=_colour(rng))
    else:
        pts = [(m + i * (size - 2 * m) / (n - 1), size - m - v * (size - 2 * m)) for i, v in enumerate(vals)]
        draw.line(pts, fill=_colour(rng), width=2)
    return img


def _noise(rng: Rng, size: int) -> Image.Image:
    arr = rng.normal(0.5, rng.uniform(0.1, 0.4), (size, size, 3))
    arr = ndimage.gaussian_filter(arr, (rng.uniform(0, 4), rng.uniform(0, 4), 0))
    if rng.random() < 0.4:
        arr = np.repeat(arr.mean(axis=-1, keepdims=True), 3, axis=-1)
    return Image.fromarray((np.clip(arr, 0, 1) * 255).astype(np.uint8))


def _shapes(rng: Rng, size: int) -> Image.Image:
    img = Image.new("RGB", (size, size), _colour(rng))
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(2, 9))):
        box = sorted(rng.integers(0, size, 2).tolist()), sorted(rng.integers(0, size, 2).tolist())
        xy = [box[0][0], box[1][0], box[0][1] + 2, box[1][1] + 2]
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(xy, fill=_colour(rng))
    return img.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1)))


def non_medical(rng: Rng, size: int) -> np.ndarray:
    """One non-medical image (RGB): a photo crop half the time, else text, a chart, noise or shapes."""
    kind = rng.choice(["photo", "photo", "photo", "text", "chart", "noise", "shapes"])
    make = {"photo": _photo, "text": _text, "chart": _chart, "noise": _noise, "shapes": _shapes}[kind]
    return np.asarray(make(rng, size).convert("RGB"))
