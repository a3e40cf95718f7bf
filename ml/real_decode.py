"""Decoders of the real images packages ship: DICOM (windowed as the HIP decodes), NIfTI volumes,
Siemens mosaics, rasters, all to ``(item name, uint8 image, pixel spacing mm or None)``.

Why apart from the registry (:mod:`ml.real_sources`): how a file becomes pixels is one job, which
source plays which role is another; the rendered charts and documents and the hospital-like folder
read packaged files through the same helpers.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import math
from pathlib import Path

import numpy as np
from PIL import Image

from qaid.imaging import _first, _stretch

__all__ = [
    "Item",
    "crops",
    "dicom",
    "mosaic",
    "nifti",
    "package_dir",
    "percentile8",
    "pkg",
    "raster",
    "volume_slices",
]

Item = tuple[str, np.ndarray, float | None]  # (item name, uint8 image, pixel spacing mm or None)


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {name!r} is not installed (see requirements/platform.lock)")
    return Path(next(iter(spec.submodule_search_locations)))


def pkg(name: str, rel: str) -> Path:
    return package_dir(name) / rel


def _window(ds: object, pixels: np.ndarray) -> np.ndarray:
    """The HIP decoder's rule (qaid.imaging): DICOM window if given, else min-max; MONOCHROME1 inverted."""
    get = ds.get  # type: ignore[attr-defined]
    slope, intercept = float(get("RescaleSlope", 1) or 1), float(get("RescaleIntercept", 0) or 0)
    arr = pixels.astype(np.float64) * slope + intercept
    c, w = get("WindowCenter"), get("WindowWidth")
    if c is not None and w is not None and _first(w) > 0:
        out = _stretch(arr, _first(c) - _first(w) / 2, _first(c) + _first(w) / 2)
    else:
        lo, hi = np.percentile(arr, (0.5, 99.5))
        out = _stretch(arr, float(lo), float(hi))
    if str(get("PhotometricInterpretation", "")).upper() == "MONOCHROME1":
        out = 255 - out
    return out


def _spacing(ds: object) -> float | None:
    sp = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")  # type: ignore[attr-defined]
    value = float(sp[0]) if sp else 0.0
    return value if value > 0 else None  # RG1 states a spacing of 0: unknown, not zero


def dicom(path: Path, frames: int = 1) -> list[Item]:
    """Frames of a DICOM file (evenly spaced through the middle 60 % for multi-frame), windowed."""
    import pydicom

    raw = path.read_bytes()
    ds = pydicom.dcmread(io.BytesIO(gzip.decompress(raw) if path.suffix == ".gz" else raw))
    arr = ds.pixel_array
    rgb = int(ds.get("SamplesPerPixel", 1) or 1) == 3
    stack = arr if arr.ndim == (4 if rgb else 3) else arr[None]
    n = len(stack)
    picks = [n // 2] if frames == 1 or n == 1 else np.linspace(0.2 * n, 0.8 * n - 1, frames).astype(int)
    out = []
    for k in dict.fromkeys(int(p) for p in picks):
        frame = stack[k]
        img = frame.astype(np.uint8) if rgb and frame.dtype == np.uint8 else _window(ds, frame)
        out.append((f"{path.name.split('.')[0]}#{k}", np.ascontiguousarray(img), _spacing(ds)))
    return out


def mosaic(path: Path, n: int) -> list[Item]:
    """``n`` slices through the middle 60 % of a Siemens MOSAIC (one volume tiled into one frame).

    Why: functional and diffusion MRI (EPI) is stored this way; a patient's viewer shows one slice
    at a time, so a slice, not the tiled sheet, is what gets uploaded.
    """
    import pydicom

    ds = pydicom.dcmread(str(path))
    count = int(ds[0x0019, 0x100A].value)  # Siemens NumberOfImagesInMosaic
    grid = math.ceil(math.sqrt(count))
    sheet = ds.pixel_array
    th, tw = sheet.shape[0] // grid, sheet.shape[1] // grid
    out = []
    for k in dict.fromkeys(np.linspace(0.2 * count, 0.8 * count - 1, n).astype(int)):
        r, c = divmod(int(k), grid)
        tile = sheet[r * th : (r + 1) * th, c * tw : (c + 1) * tw]
        out.append((f"{path.name.split('.')[0]}#{int(k)}", percentile8(tile), _spacing(ds)))
    return out


def crops(items: list[Item], side: int, n: int) -> list[Item]:
    """``n`` square crops of ``side`` pixels along the diagonal of each image (large slides and
    photos: what a phone or a screenshot would frame, at a scale the models see)."""
    out = []
    for name, img, spacing in items:
        h, w = img.shape[:2]
        s = min(side, h, w)
        for k, t in enumerate(np.linspace(0.0, 1.0, n)):
            y, x = int(t * (h - s)), int(t * (w - s))
            out.append((f"{name}@{k}", np.ascontiguousarray(img[y : y + s, x : x + s]), spacing))
    return out


def percentile8(arr: np.ndarray) -> np.ndarray:
    lo, hi = np.percentile(arr, (0.5, 99.5))
    return _stretch(arr.astype(np.float64), float(lo), float(hi))


def volume_slices(vol: np.ndarray, orientation: str, n: int, spacing: float | None = None) -> list[Item]:
    """``n`` slices of a RAS volume through its middle 60 %, displayed radiologically.

    Axial and coronal: patient right on the image left, superior/anterior up; sagittal: anterior left.
    """
    axis = {"sagittal": 0, "coronal": 1, "axial": 2}[orientation]
    size = vol.shape[axis]
    out = []
    for k in dict.fromkeys(np.linspace(0.2 * size, 0.8 * size - 1, n).astype(int)):
        s = np.take(vol, int(k), axis=axis).T[::-1, ::-1]  # superior/anterior up; RAS x, y reversed
        out.append((f"{orientation}{int(k)}", np.ascontiguousarray(percentile8(s)), spacing))
    return out


def nifti(path: Path, orientations: tuple[str, ...], n: int) -> list[Item]:
    import nibabel as nib

    img = nib.as_closest_canonical(nib.load(str(path)))
    vol = np.asarray(img.dataobj, dtype=np.float32)
    vol = vol[..., 0] if vol.ndim == 4 else vol
    return [it for o in orientations for it in volume_slices(vol, o, n)]


def raster(path: Path, on_white: bool = False) -> list[Item]:
    """One picture file; ``on_white`` lays a transparent one on white paper (icons, drawings saved
    with transparency) instead of dropping the alpha, which leaves whatever colour it hid."""
    with Image.open(path) as im:
        if on_white and im.mode in ("RGBA", "LA", "P"):
            rgba = im.convert("RGBA")
            rgb = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
        else:
            rgb = im.convert("RGB")
        arr = np.asarray(rgb if np.ptp(np.asarray(rgb).std(axis=-1)) > 0 else rgb.convert("L"))
    return [(path.name, arr, None)]
