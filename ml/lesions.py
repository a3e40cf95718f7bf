"""Brain MRI slices with MS-like lesions and chest radiographs with nodules, with exact ground truth.

Side convention (shared with the HIP service): images are displayed in the *radiological*
convention, so the **image's left half shows the PATIENT'S RIGHT** side and the image's right half
the patient's left. Every side reported by the data, the VQA answers and the HIP is the
patient's side: a lesion whose centre lies in the left half of the image is on the patient's
"right". Lesions are kept clear of the midline so the side of every lesion is unambiguous.

Brain slices come from nilearn's MNI152 template, which ships inside the nilearn package (no
download). Its voxel axes are RAS (+x points to the patient's right), so an axial slice is shown
with anterior up and its columns flipped so that patient-right lands on image-left. The slice is cropped
to a 197 x 197 square around the brain, keeping all columns, so the midline (x = 0 mm, voxel
98 of 0..196) is the image's central column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image
from scipy import ndimage

from ml.synth_images import Rng, capsule, ellipse, finish, grid, soft
from qaid_contracts.vocabulary import Side
from qaid_contracts.vocabulary import patient_side as side_of_image_half

# Axial MNI slices used (voxel z of the 1 mm template): the levels with plenty of white matter.
_Z_RANGE = range(70, 126)
# Rows (after flipping anterior up) kept so the slice is a 197 x 197 square around the brain.
_ROWS = slice(16, 213)


@dataclass
class Finding:
    """Ground truth of one generated image with (possibly zero) lesions."""

    mask: np.ndarray  # bool (size, size), union of all lesions
    sides: list[str] = field(default_factory=list)  # patient side of each lesion: "left"/"right"

    @property
    def count(self) -> int:
        return len(self.sides)

    @property
    def side(self) -> str:
        """Answer to "which side is the lesion on?": none, left, right or both (patient side)."""
        return side_answer(self.sides)


def side_answer(sides: list[str]) -> str:
    if not sides:
        return "none"
    return sides[0] if len(set(sides)) == 1 else "both"


def patient_side(col_centre: float, width: int) -> Side:
    """The patient's side of a lesion centred at column ``col_centre`` (the one convention:
    :func:`qaid_contracts.vocabulary.patient_side`)."""
    return side_of_image_half("left" if col_centre < width / 2 else "right")


@lru_cache(maxsize=4)
def _mni_slices(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(T1 slices, white-matter masks), each (n, size, size), radiological orientation."""
    from nilearn import datasets

    t1 = datasets.load_mni152_template(resolution=1).get_fdata(dtype=np.float32)
    wm = datasets.load_mni152_wm_mask(resolution=1).get_fdata(dtype=np.float32)
    imgs, masks = [], []
    for z in _Z_RANGE:
        pair = []
        for vol in (t1, wm):
            s = vol[:, :, z].T[::-1, ::-1]  # rows: anterior up; columns: patient right on the left
            s = np.ascontiguousarray(s[_ROWS])  # square crop, all 197 columns: midline in the centre
            pair.append(np.asarray(Image.fromarray(s).resize((size, size), Image.Resampling.BILINEAR)))
        imgs.append(pair[0] / max(float(pair[0].max()), 1e-6))
        masks.append(pair[1] > 0.5)
    return np.stack(imgs).astype(np.float32), np.stack(masks)


def _place(
    rng: Rng, allowed: np.ndarray, count: int, radius: tuple[float, float], size: int
) -> list[tuple[float, float, float, float, float, str]]:
    """Pick non-overlapping ellipses (cy, cx, ry, rx, angle, side) with centres on ``allowed`` pixels.

    Centres keep ``margin`` from the midline so no lesion straddles it.
    """
    out: list[tuple[float, float, float, float, float, str]] = []
    cols = np.arange(size)[None, :]
    for _ in range(count):
        side = "right" if rng.random() < 0.5 else "left"
        for _attempt in range(50):
            rx = rng.uniform(*radius)
            ry = rx * rng.uniform(0.6, 1.0)
            margin = (rx * size) + 0.06 * size
            half = (cols < size / 2 - margin) if side == "right" else (cols > size / 2 + margin)
            ys, xs = np.nonzero(allowed & half)
            if len(ys) == 0:
                break
            k = rng.integers(len(ys))
            cy, cx = (ys[k] + 0.5) / size, (xs[k] + 0.5) / size
            if all(np.hypot(cy - o[0], cx - o[1]) > rx + max(o[2], o[3]) + 0.03 for o in out):
                out.append((cy, cx, ry, rx, rng.uniform(0, np.pi), side))
                break
    return out


def _draw(img: np.ndarray, spots: list, size: int, level: float) -> tuple[np.ndarray, Finding]:
    """Paint bright ovoids; the mask is each ellipse's interior (the half-intensity contour)."""
    mask = np.zeros((size, size), dtype=bool)
    sides: list[str] = []
    for cy, cx, ry, rx, ang, _side in spots:
        r = ellipse(size, cy, cx, ry, rx, ang)
        img = img * (1 - soft(r, 4)) + soft(r, 4) * level
        mask |= r < 1
        sides.append(patient_side(cx * size, size))
    return img, Finding(mask=mask, sides=sides)


def lesion_count(rng: Rng) -> int:
    return int(rng.choice(4, p=[0.35, 0.25, 0.2, 0.2]))


def brain_mri(rng: Rng, size: int, count: int | None = None) -> tuple[np.ndarray, Finding]:
    """An axial brain MRI slice with ``count`` (default: random 0..3) bright ovoid plaques."""
    slices, wm = _mni_slices(size)
    k = rng.integers(len(slices))
    img = slices[k] * rng.uniform(0.55, 0.7)
    y, x = grid(size)
    img = img * (1 + rng.uniform(-0.1, 0.1) * (y - 0.5) + rng.uniform(-0.1, 0.1) * (x - 0.5))
    allowed = ndimage.binary_erosion(wm[k], iterations=max(1, size // 40))
    count = lesion_count(rng) if count is None else count
    spots = _place(rng, allowed, count, (0.04, 0.075), size)
    img, finding = _draw(img, spots, size, rng.uniform(0.9, 1.0))
    return finish(img, rng, blur=0.4, noise=0.015), finding


def _chest_base(rng: Rng, size: int) -> tuple[np.ndarray, np.ndarray]:
    img: np.ndarray = np.full((size, size), 0.05, dtype=np.float32)
    img = np.maximum(img, soft(ellipse(size, 0.65, 0.5, 0.65, 0.47), 8) * 0.55)
    lungs = np.zeros((size, size), dtype=bool)
    w = rng.uniform(0.15, 0.19)
    for cx in (0.5 - w - 0.06, 0.5 + w + 0.06):
        r = ellipse(size, 0.5, cx, rng.uniform(0.3, 0.34), w)
        img = img * (1 - soft(r) * 0.65)
        lungs |= r < 0.85
    y, x = grid(size)
    for k in range(7):
        arc = np.abs(ellipse(size, 0.12 + 0.1 * k, 0.5, 0.3, 0.42) - 1) < 0.035
        img = img + 0.08 * arc * (y > 0.12 + 0.1 * k)
    img = np.maximum(img, soft(capsule(size, (0.0, 0.5), (1.0, 0.5), 0.045)) * 0.7)
    img = np.maximum(img, soft(ellipse(size, 0.68, 0.56, 0.16, 0.17)) * 0.6)
    for sx in (-1, 1):
        img = np.maximum(
            img, soft(capsule(size, (0.15, 0.5 + sx * 0.05), (0.1, 0.5 + sx * 0.35), 0.02)) * 0.7
        )
    lungs &= ellipse(size, 0.68, 0.56, 0.18, 0.19) > 1
    return img, lungs


def chest_xray(rng: Rng, size: int, count: int | None = None) -> tuple[np.ndarray, Finding]:
    """A PA chest radiograph (heart towards the image right = patient's left) with 0..3 nodules."""
    img, lungs = _chest_base(rng, size)
    count = lesion_count(rng) if count is None else count
    spots = _place(rng, lungs, count, (0.035, 0.055), size)
    spots = [(cy, cx, rx, rx, 0.0, s) for cy, cx, _ry, rx, _a, s in spots]  # nodules are round
    img, finding = _draw(img, spots, size, rng.uniform(0.75, 0.9))
    return finish(img, rng, blur=0.7, noise=0.02), finding
