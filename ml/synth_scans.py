"""Generated scans beyond the original demo: every plane and contrast of a head, and kinds it lacked.

* :func:`head_slice` — the MNI152 2009 template (shipped inside nilearn) with a generated skull and
  scalp, in axial, coronal or sagittal planes, as T1-, T2-, FLAIR- or PD-like MRI (tissue classes
  remapped from nilearn's grey/white-matter maps) or as CT in a brain or a bone window.
* "other" medical images the labeler must not force into a class: lower-leg, pelvis and spine
  radiographs, abdominal CT, ultrasound (sector scans with speckle), histology (H&E-like).
* :func:`chest_ct` — a chest CT slice, so "chest" is not only one radiograph template.

Each returns ``(uint8 image, modality, orientation)``; all are cheap (a few ms at 128 px).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from ml.synth_images import _bone, _xray_canvas, capsule, ellipse, finish, soft

Rng = np.random.Generator
Scan = tuple[np.ndarray, str, str]

# Tissue intensities per contrast: (csf, grey matter, white matter, skull, scalp, background).
CONTRASTS: dict[str, tuple[float, ...]] = {
    "t1": (0.15, 0.5, 0.75, 0.05, 0.85, 0.0),
    "t2": (0.95, 0.6, 0.35, 0.05, 0.5, 0.0),
    "flair": (0.08, 0.65, 0.45, 0.05, 0.6, 0.0),
    "pd": (0.75, 0.7, 0.55, 0.08, 0.7, 0.0),
    "ct_brain": (0.12, 0.55, 0.45, 1.0, 0.1, 0.0),
    "ct_bone": (0.28, 0.31, 0.3, 1.0, 0.22, 0.0),
}


@lru_cache(maxsize=1)
def _head() -> dict[str, np.ndarray]:
    """Tissue maps (float32 volumes in RAS voxel order) of the MNI head with a generated skull and scalp."""
    from nilearn import datasets

    gm = datasets.load_mni152_gm_template(resolution=2).get_fdata(dtype=np.float32)
    wm = datasets.load_mni152_wm_template(resolution=2).get_fdata(dtype=np.float32)
    brain = datasets.load_mni152_brain_mask(resolution=2).get_fdata(dtype=np.float32) > 0.5
    outside = ndimage.distance_transform_edt(~brain)  # voxels (2 mm) from the brain
    csf = np.clip(brain.astype(np.float32) - gm - wm, 0, 1) + ((outside > 0) & (outside <= 1))
    skull = ((outside > 1) & (outside <= 4)).astype(np.float32)
    scalp = ((outside > 4) & (outside <= 6)).astype(np.float32)
    return {"csf": csf, "gm": gm, "wm": wm, "skull": skull, "scalp": scalp}


def _plane(vol: np.ndarray, orientation: str, frac: float) -> np.ndarray:
    axis = {"sagittal": 0, "coronal": 1, "axial": 2}[orientation]
    k = int(frac * (vol.shape[axis] - 1))
    return np.take(vol, k, axis=axis).T[::-1, ::-1]  # superior/anterior up; patient right on image left


def head_slice(rng: Rng, size: int, orientation: str | None = None, contrast: str | None = None) -> Scan:
    """A head slice in any plane and contrast; MRI or CT follows the contrast."""
    orientation = orientation or str(rng.choice(["axial", "coronal", "sagittal"]))
    contrast = contrast or str(rng.choice(list(CONTRASTS), p=[0.25, 0.2, 0.15, 0.1, 0.2, 0.1]))
    frac = rng.uniform(0.3, 0.75) if orientation == "axial" else rng.uniform(0.25, 0.75)
    if orientation == "sagittal":
        frac = rng.uniform(0.2, 0.8)
    tissues = _head()
    levels = np.asarray(CONTRASTS[contrast]) + rng.normal(0, 0.04, 6)
    img = sum(levels[i] * _plane(tissues[t], orientation, frac) for i, t in enumerate(tissues))
    img = ndimage.zoom(np.asarray(img, dtype=np.float32), size / max(img.shape), order=1)
    canvas = np.full((size, size), max(0.0, levels[5]), dtype=np.float32)
    h, w = img.shape
    canvas[(size - h) // 2 : (size - h) // 2 + h, (size - w) // 2 : (size - w) // 2 + w] = img
    if contrast.startswith("t") or contrast in ("flair", "pd"):  # MRI: a smooth bias field
        y, x = np.mgrid[0:size, 0:size] / size
        canvas *= 1 + rng.uniform(-0.2, 0.2) * (y - 0.5) + rng.uniform(-0.2, 0.2) * (x - 0.5)
    modality = "ct" if contrast.startswith("ct") else "mri"
    return finish(canvas, rng, blur=0.5, noise=0.02), modality, orientation


def lower_leg(rng: Rng, size: int) -> np.ndarray:
    img = _xray_canvas(rng, size)
    img = np.maximum(img, soft(capsule(size, (-0.1, 0.5), (1.1, 0.5), 0.3)) * 0.3)
    knee = rng.uniform(0.15, 0.45)
    img = _bone(img, capsule(size, (-0.2, 0.47), (knee - 0.05, 0.47), 0.09))  # femur
    img = _bone(img, ellipse(size, knee, 0.47, 0.05, 0.14))
    img = _bone(img, capsule(size, (knee + 0.06, 0.45), (1.1, 0.46), 0.07))  # tibia
    img = _bone(img, capsule(size, (knee + 0.08, 0.6), (1.1, 0.58), 0.025))  # fibula
    return finish(ndimage.rotate(img, rng.uniform(-15, 15), reshape=False, order=1, mode="nearest"), rng)


def pelvis(rng: Rng, size: int) -> np.ndarray:
    img = _xray_canvas(rng, size)
    img = np.maximum(img, soft(ellipse(size, 0.55, 0.5, 0.5, 0.55)) * 0.3)
    for sx in (-1, 1):
        img = _bone(img, ellipse(size, 0.35, 0.5 + sx * 0.22, 0.18, 0.14, sx * 0.4), 0.7)  # iliac wings
        img = _bone(img, ellipse(size, 0.62, 0.5 + sx * 0.3, 0.06, 0.06))  # femoral heads
        img = _bone(img, capsule(size, (0.65, 0.5 + sx * 0.3), (1.1, 0.5 + sx * 0.36), 0.05))
        img = img - soft(ellipse(size, 0.72, 0.5 + sx * 0.12, 0.06, 0.05)) * 0.2  # obturator foramina
    img = _bone(img, ellipse(size, 0.42, 0.5, 0.12, 0.07), 0.75)  # sacrum
    return finish(img, rng)


def spine(rng: Rng, size: int) -> np.ndarray:
    img = _xray_canvas(rng, size)
    img = np.maximum(img, soft(capsule(size, (-0.1, 0.5), (1.1, 0.5), 0.35)) * 0.3)
    x0 = rng.uniform(0.42, 0.58)
    for k in range(7):
        cy = 0.05 + k * 0.14
        img = _bone(img, ellipse(size, cy, x0 + 0.02 * np.sin(k), 0.055, 0.1), 0.8)
    return finish(ndimage.rotate(img, rng.uniform(-10, 10), reshape=False, order=1, mode="nearest"), rng)


def _body_ct(rng: Rng, size: int) -> np.ndarray:
    img: np.ndarray = np.zeros((size, size), dtype=np.float32)
    img = np.maximum(img, soft(ellipse(size, 0.52, 0.5, 0.33, 0.45), 10) * 0.45)
    img = img - soft(ellipse(size, 0.52, 0.5, 0.29, 0.41), 10) * 0.08  # subcutaneous fat
    img = np.maximum(img, soft(ellipse(size, 0.72, 0.5, 0.06, 0.06)) * 0.95)  # vertebral body
    img = np.maximum(img, soft(capsule(size, (0.95, 0.05), (0.95, 0.95), 0.012)) * 0.5)  # table
    return img


def abdomen_ct(rng: Rng, size: int) -> np.ndarray:
    img = _body_ct(rng, size)
    img = np.maximum(img, soft(ellipse(size, 0.48, 0.33, 0.17, 0.15, rng.uniform(-0.3, 0.3))) * 0.55)  # liver
    for sx in (-1, 1):
        img = np.maximum(img, soft(ellipse(size, 0.62, 0.5 + sx * 0.2, 0.06, 0.045)) * 0.6)  # kidneys
    for _ in range(int(rng.integers(3, 8))):  # bowel gas
        cy, cx = rng.uniform(0.35, 0.65), rng.uniform(0.45, 0.75)
        img = img * (1 - soft(ellipse(size, cy, cx, 0.03, 0.04)) * 0.9)
    return finish(img, rng, blur=0.5)


def chest_ct(rng: Rng, size: int) -> np.ndarray:
    img = _body_ct(rng, size)
    for sx in (-1, 1):
        img = img * (1 - soft(ellipse(size, 0.48, 0.5 + sx * 0.2, 0.2, 0.15)) * 0.9)  # lungs
    img = np.maximum(img, soft(ellipse(size, 0.5, 0.53, 0.12, 0.1)) * 0.55)  # heart
    img = np.maximum(img, soft(ellipse(size, 0.6, 0.45, 0.04, 0.04)) * 0.7)  # aorta
    vessels = ndimage.gaussian_filter(rng.normal(0, 1, (size, size)), 1.0) > 1.8
    return finish(img + 0.15 * vessels * (img < 0.1), rng, blur=0.5)


def ultrasound(rng: Rng, size: int) -> np.ndarray:
    """A sector scan: speckle inside a fan, dark fluid-filled regions, bright interfaces, screen text."""
    y, x = np.mgrid[0:size, 0:size] / size
    apex_y, half = rng.uniform(-0.1, 0.1), rng.uniform(0.35, 0.7)
    r, ang = np.hypot(y - apex_y, x - 0.5), np.arctan2(x - 0.5, y - apex_y)
    fan = (np.abs(ang) < half) & (r < rng.uniform(0.75, 1.0)) & (r > 0.05)
    speckle = rng.rayleigh(0.35, (size, size)) * ndimage.gaussian_filter(
        rng.normal(0.5, 0.2, (size, size)), 3
    )
    img = speckle * np.exp(-r * rng.uniform(0.5, 1.5))
    for _ in range(int(rng.integers(1, 4))):
        img *= 1 - soft(ellipse(size, rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.7), rng.uniform(0.05, 0.15),
                                rng.uniform(0.05, 0.2), rng.uniform(0, 3)), 4) * 0.9  # fmt: skip
    out = Image.fromarray((np.clip(img * fan, 0, 1) * 255).astype(np.uint8)).convert("RGB")
    draw = ImageDraw.Draw(out)
    labels = ["MI 0.9", "TIS 0.4", "C5-1", "Gen", "12cm", "2D", "FR 30"]
    for k in range(int(rng.integers(2, 6))):
        draw.text((2, 2 + 10 * k), str(rng.choice(labels)), fill=(200, 200, 200))
    arr = np.asarray(out).astype(np.float32)
    if rng.random() < 0.3:  # colour Doppler box
        cy, cx = rng.uniform(0.3, 0.6), rng.uniform(0.35, 0.6)
        blob = ndimage.gaussian_filter(rng.normal(0, 1, (size, size)), 2) > 0.4
        box = (np.abs(y - cy) < 0.12) & (np.abs(x - cx) < 0.15) & blob & fan
        arr[box] = [230, rng.uniform(60, 160), 20] if rng.random() < 0.5 else [30, 80, 230]
    return arr.astype(np.uint8)


def histology(rng: Rng, size: int) -> np.ndarray:
    """H&E- or DAB-like tissue: a stained background with clustered nuclei."""
    y, x = np.mgrid[0:size, 0:size]
    tissue = ndimage.gaussian_filter(rng.normal(0, 1, (size, size)), size / 12) > rng.uniform(-0.6, 0.2)
    nuclei = np.zeros((size, size), dtype=np.float32)
    for _ in range(int(rng.integers(40, 160))):
        cy, cx, rad = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(1.5, 4.5)
        nuclei = np.maximum(nuclei, (((y - cy) ** 2 + (x - cx) ** 2) < rad * rad) * tissue)
    if rng.random() < 0.6:  # H&E: pink stroma, purple nuclei
        bg, stroma, nucleus = np.array([245, 240, 245]), np.array([230, 150, 190]), np.array([90, 50, 140])
    else:  # IHC: brown DAB, blue haematoxylin
        bg, stroma, nucleus = np.array([240, 240, 235]), np.array([190, 140, 90]), np.array([70, 80, 150])
    rgb = bg * (1 - tissue[..., None]) + stroma * tissue[..., None]
    rgb = rgb * (1 - nuclei[..., None]) + nucleus * nuclei[..., None]
    rgb = ndimage.gaussian_filter(rgb + rng.normal(0, 8, rgb.shape), (0.8, 0.8, 0))
    return np.clip(rgb * rng.uniform(0.9, 1.1, 3), 0, 255).astype(np.uint8)


def other_medical(rng: Rng, size: int) -> Scan:
    """One medical image of a kind outside the eleven classes: (image, modality, orientation)."""
    kind = str(rng.choice(["leg", "pelvis", "spine", "abdomen_ct", "ultrasound", "histology"],
                          p=[0.15, 0.15, 0.15, 0.2, 0.2, 0.15]))  # fmt: skip
    if kind in ("leg", "pelvis", "spine"):
        return {"leg": lower_leg, "pelvis": pelvis, "spine": spine}[kind](rng, size), "xray", "none"
    if kind == "abdomen_ct":
        return abdomen_ct(rng, size), "ct", "axial"
    if kind == "ultrasound":
        return ultrasound(rng, size), "ultrasound", "none"
    return histology(rng, size), "microscopy", "none"
