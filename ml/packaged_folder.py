"""An ImageFolder a hospital might hand to ``ml.train_cli --task cascade``, built from images that
installed packages ship (no download): for the cascade's tests and ``bench/hospital_cascade.py``.

Classes: ``brain`` (real MRI volumes of the ``train``/``val`` sources of :mod:`ml.real_sources`,
sliced, plus generated axial slices), ``eyes`` (scikit-image's real retina photo with upload looks,
plus generated fundus images), ``hand`` and ``chest`` (generated radiographs), ``non_medical``
(real faces, random crops of everyday photos and vividly recoloured ones, plus generated documents,
charts and app screens) — the kinds of "not medical" a hospital's folder should hold. No ``eval`` source and
none of :data:`HELD_OUT` is used, so those stay kinds of photo the model never saw.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ml.real_decode import pkg as _pkg
from ml.real_decode import raster
from ml.real_sources import by_role

__all__ = ["EVERYDAY", "HELD_OUT", "held_out_photos", "write_folder"]

# (package, file) of natural photos of kinds neither the folder nor train_cli's generated negatives
# (ml.synth_images._PHOTOS crops: the cat, coffee, astronaut and rocket are among them) hold: a
# temple, a flower, a portrait, a toy in its box, a motorcycle.
HELD_OUT = (("sklearn", "datasets/images/china.jpg"), ("sklearn", "datasets/images/flower.jpg"),
            ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
            ("matplotlib", "mpl-data/sample_data/Minduka_Present_Blue_Pack.png"),
            ("skimage", "data/motorcycle_left.png"))  # fmt: skip
# scikit-image photos whose random crops join non_medical
EVERYDAY = ("camera.png", "coins.png", "brick.png", "grass.png", "gravel.png", "hubble_deep_field.jpg",
            "horse.png")  # fmt: skip


def held_out_photos() -> list[tuple[str, Image.Image]]:
    return [(rel.rsplit("/", 1)[-1], Image.open(_pkg(pkg, rel)).convert("RGB")) for pkg, rel in HELD_OUT]


def _crop(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    side = int(min(h, w) * rng.uniform(0.5, 1.0))
    y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
    return img[y : y + side, x : x + side]


def _vivid(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A crop pushed to strong, saturated colour (ml.synth_everyday.vivid_photo's look, but from
    EVERYDAY photos only: that generator crops the held-out ones too)."""
    rgb = np.stack([img] * 3, axis=2) if img.ndim == 2 else img[..., :3]
    hsv = np.asarray(Image.fromarray(_crop(rgb, rng)).convert("HSV"), dtype=np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(0, 255)) % 255
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(1.3, 2.5) + 30, 0, 255)
    return np.asarray(Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB"))


def _real(source_id: str) -> list[np.ndarray]:
    return [img for s in (*by_role("train"), *by_role("val")) if s.id == source_id for _, img, _ in s.load()]


def _classes(n: int, rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    from ml.augment import realistic
    from ml.lesions import brain_mri, chest_xray
    from ml.synth_everyday import chart, document, screen
    from ml.synth_images import eyes_fundus, hand

    brain = _real("mr-epi-example4d") + _real("mr-brain-anatomical") + _real("mr-brain-aniso")
    retina = raster(_pkg("skimage", "data/retina.jpg"))[0][1]
    everyday = (document, chart, screen)
    photos = [raster(_pkg("skimage", f"data/{p}"))[0][1] for p in EVERYDAY]
    return {
        "brain": brain + [brain_mri(rng, 96)[0] for _ in range(max(0, n - len(brain)))],
        "eyes": [realistic(retina, rng) for _ in range(n // 3)]
        + [eyes_fundus(rng, 96) for _ in range(n - n // 3)],
        "hand": [hand(rng, 96) for _ in range(n)],
        "chest": [chest_xray(rng, 96)[0] for _ in range(n)],
        "non_medical": _real("faces-lfw-train")[: n * 5 // 6]
        + [f(rng, 96) for _ in range(max(1, n // 5)) for f in everyday]
        + [_crop(photo, rng) for photo in photos for _ in range(max(1, n // 8))]
        + [_vivid(photos[int(rng.integers(len(photos)))], rng) for _ in range(max(1, n // 5))],
    }  # fmt: skip


def write_folder(root: Path, per_class: int = 24, seed: int = 7, size: int = 96) -> Path:
    """``root/<class>/<class><k>.png`` with about ``per_class`` images per body part (non_medical
    about twice that), resized to ``size`` px; returns ``root``."""
    rng = np.random.default_rng(seed)
    for name, images in _classes(per_class, rng).items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for k, img in enumerate(images):
            rgb = img if img.ndim == 3 else np.stack([img] * 3, axis=2)
            Image.fromarray(rgb).resize((size, size), Image.Resampling.BILINEAR).save(
                root / name / f"{name}{k}.png"
            )
    return root
