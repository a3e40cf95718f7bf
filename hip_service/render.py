"""Pictures for people: mask, lesion overlay and class-activation heatmap as PNG bytes.

Kept apart from inference so the numbers (area, side, CAM) never depend on how they are drawn.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

_LESION_RGB = np.array([255, 40, 40], dtype=np.float32)


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def b64_png(image: Image.Image) -> str:
    return base64.b64encode(png_bytes(image)).decode("ascii")


def mask_image(mask: np.ndarray) -> Image.Image:
    """Boolean mask -> black/white 8-bit image of the same size."""
    return Image.fromarray(np.where(mask, 255, 0).astype(np.uint8))


def lesion_overlay(image: Image.Image, mask: np.ndarray, alpha: float = 0.45) -> Image.Image:
    base = np.asarray(image.convert("RGB"), dtype=np.float32)
    out = base.copy()
    out[mask] = (1.0 - alpha) * base[mask] + alpha * _LESION_RGB
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def _jet(values: np.ndarray) -> np.ndarray:
    """[0, 1] -> RGB float32 with a jet-like colour map (blue = low, red = high), no matplotlib."""
    v = np.clip(values, 0.0, 1.0)[..., None]
    r = np.clip(1.5 - np.abs(4 * v - 3), 0, 1)
    g = np.clip(1.5 - np.abs(4 * v - 2), 0, 1)
    b = np.clip(1.5 - np.abs(4 * v - 1), 0, 1)
    return np.concatenate([r, g, b], axis=-1) * 255.0


def heatmap_overlay(image: Image.Image, cam: np.ndarray, alpha: float = 0.45) -> Image.Image:
    """CAM [h, w] (any scale) -> ReLU, normalised, upsampled and blended over the image."""
    cam = np.maximum(cam.astype(np.float32), 0.0)
    peak = float(cam.max())
    cam = cam / peak if peak > 0 else cam
    resized = np.asarray(Image.fromarray(cam).resize(image.size, Image.Resampling.BILINEAR))
    base = np.asarray(image.convert("RGB"), dtype=np.float32)
    out = (1.0 - alpha) * base + alpha * _jet(resized)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
