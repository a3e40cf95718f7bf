"""The cascade's data: what each demo hospital trains on, and the shared validation pool.

A sample carries four targets: medical or not, the labeler class (``qaid.bundle.LABELS``: eleven
body parts or "other"), the modality and the plane (``MODALITIES``, ``ORIENTATIONS``; -1 where
unknown), plus its OOD *group* — the labeler class, with the images the segmentation and VQA
models were trained on split out as their own groups (``brain_mri_demo``, ``chest_xray_demo``), so
the HIP can ask "is this image like the ones the U-Net saw?" (:mod:`ml.calibrate`).

Hospital data differ by seed and by mix (a hospital that offers brain MRI sees more of them),
and every hospital also sees the real ``train`` sources of :mod:`ml.real_sources` — public images
any hospital could have. Real ``val`` sources join the generated validation split in the
validation pool; real ``eval`` sources are never read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ml.augment import realistic
from ml.lesions import brain_mri, chest_xray
from ml.real_sources import RealSource, by_role
from ml.synth_everyday import everyday
from ml.synth_images import BODY_PART_GENERATORS, heart_ct, non_medical
from ml.synth_scans import chest_ct, head_slice, other_medical
from qaid.bundle import LABELS, MODALITIES, ORIENTATIONS, OTHER_LABEL

NON_MEDICAL_GROUP = "non_medical"
DOMAIN_GROUPS = ("brain_mri_demo", "chest_xray_demo")  # what the U-Net / VQA models were trained on
OOD_GROUPS: tuple[str, ...] = (*LABELS, NON_MEDICAL_GROUP, *DOMAIN_GROUPS)
STORE_SIZE = 128  # stored pixels; the model's input size (an InputSpec) resizes from here

# Body part -> (modality, plane) of the demo generators.
_KIND = {"breast": ("xray", "none"), "eyes": ("fundus", "none"), "heart": ("ct", "axial")} | {
    p: ("xray", "none") for p in ("elbow", "forearm", "hand", "humerus", "shoulder", "wrist")
}


@dataclass
class CascadeSet:
    images: list[np.ndarray] = field(default_factory=list)
    medical: list[bool] = field(default_factory=list)
    label: list[int] = field(default_factory=list)  # LABELS index, -1: not medical / unknown part
    modality: list[int] = field(default_factory=list)
    orientation: list[int] = field(default_factory=list)
    group: list[int] = field(default_factory=list)  # OOD_GROUPS index, -1: not used for OOD statistics
    source: list[str] = field(default_factory=list)  # "generated:<kind>" or a real source id

    def add(self, img: np.ndarray, label: str | None, modality: str | None, orientation: str | None,
            source: str, group: str | None = None) -> None:  # fmt: skip
        medical = label is not None
        self.images.append(np.ascontiguousarray(img))
        self.medical.append(medical)
        self.label.append(LABELS.index(label) if label in LABELS else -1)
        self.modality.append(MODALITIES.index(modality) if modality in MODALITIES else -1)
        self.orientation.append(ORIENTATIONS.index(orientation) if orientation in ORIENTATIONS else -1)
        g = group or (label if label in LABELS else NON_MEDICAL_GROUP if not medical else None)
        self.group.append(OOD_GROUPS.index(g) if g in OOD_GROUPS else -1)
        self.source.append(source)

    def __len__(self) -> int:
        return len(self.images)

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            k: np.asarray(getattr(self, k)) for k in ("medical", "label", "modality", "orientation", "group")
        }


@dataclass(frozen=True)
class Mix:
    """Images per class for one hospital; ``brain``/``chest`` scale with what the hospital offers."""

    per_part: int = 90
    brain: int = 160
    chest: int = 130
    other: int = 160
    non_medical: int = 560
    real_copies: int = 3  # augmented copies of each real training image
    realistic: float = 0.6  # probability a medical image gets the upload looks of ml.augment

    def scaled(self, f: float) -> Mix:
        s = lambda v: max(2, int(v * f))  # noqa: E731
        return Mix(s(self.per_part), s(self.brain), s(self.chest), s(self.other), s(self.non_medical),
                   max(1, int(self.real_copies * min(1.0, f * 4))), self.realistic)  # fmt: skip


def _maybe(img: np.ndarray, rng: np.random.Generator, p: float) -> np.ndarray:
    out = realistic(img, rng) if rng.random() < p else img
    return np.asarray(_fit(out))


def _fit(img: np.ndarray) -> np.ndarray:
    from PIL import Image

    if img.shape[0] == STORE_SIZE and img.shape[1] == STORE_SIZE:
        return img
    return np.asarray(Image.fromarray(img).resize((STORE_SIZE, STORE_SIZE), Image.Resampling.BILINEAR))


def _brain(s: CascadeSet, rng: np.random.Generator, n: int, p: float) -> None:
    for k in range(n):
        if k % 2 == 0:  # the segmentation/VQA domain: axial T1 MNI slices with 0-3 plaques
            img, _ = brain_mri(rng, STORE_SIZE)
            # only the clean slices are the task models' domain (they never saw an upload look)
            looks = rng.random() < p * 0.5
            group = "brain" if looks else "brain_mri_demo"
            s.add(_maybe(img, rng, float(looks)), "brain", "mri", "axial", "generated:brain_mri", group)
        else:
            img, modality, plane = head_slice(rng, STORE_SIZE)
            s.add(_maybe(img, rng, p), "brain", modality, plane, "generated:head_slice")


def _chest(s: CascadeSet, rng: np.random.Generator, n: int, p: float) -> None:
    for k in range(n):
        if k % 3 < 2:
            img, _ = chest_xray(rng, STORE_SIZE)
            looks = rng.random() < p * 0.5
            group = "chest" if looks else "chest_xray_demo"
            s.add(_maybe(img, rng, float(looks)), "chest", "xray", "none", "generated:chest_xray", group)
        else:
            s.add(_maybe(chest_ct(rng, STORE_SIZE), rng, p), "chest", "ct", "axial", "generated:chest_ct")


def _real(s: CascadeSet, rng: np.random.Generator, sources: list[RealSource], copies: int, p: float) -> None:
    for src in sources:
        plane = src.orientation or ("none" if src.modality not in ("ct", "mri") else None)
        for _name, img, _sp in src.load():
            for _ in range(copies):
                part = src.body_part if src.medical else None
                s.add(_maybe(img, rng, max(p, 0.8)), part, src.modality, plane, src.id)


def generate_set(rng: np.random.Generator, mix: Mix, real: list[RealSource]) -> CascadeSet:
    """Generated images of every class (with the upload looks) plus augmented copies of ``real``."""
    s = CascadeSet()
    p = mix.realistic
    _brain(s, rng, mix.brain, p)
    _chest(s, rng, mix.chest, p)
    for part, make in BODY_PART_GENERATORS.items():
        for _ in range(mix.per_part):
            img = heart_ct(rng, STORE_SIZE) if part == "heart" else make(rng, STORE_SIZE)
            s.add(_maybe(img, rng, p), part, *_KIND[part], f"generated:{part}")
    for _ in range(mix.other):
        img, modality, plane = other_medical(rng, STORE_SIZE)
        s.add(_maybe(img, rng, p), OTHER_LABEL, modality, plane, "generated:other")
    for k in range(mix.non_medical):  # half the old generator, half documents/charts/screens/vivid photos
        img = non_medical(rng, STORE_SIZE) if k % 2 else everyday(rng, STORE_SIZE)
        s.add(_maybe(img, rng, p * 0.4), None, None, None, "generated:non_medical")
    _real(s, rng, real, mix.real_copies, p)
    return s


def hospital_mix(offers: dict[str, list[str]], base: Mix) -> Mix:
    """More brain images for a hospital offering brain MRI, more chest for one offering chest X-ray."""
    topics = {t for ts in offers.values() for t in ts}
    brain = int(base.brain * (1.4 if "brain_mri" in topics else 0.8))
    chest = int(base.chest * (1.4 if "chest_xray" in topics else 0.8))
    return Mix(base.per_part, brain, chest, base.other, base.non_medical, base.real_copies, base.realistic)


def hospital_set(hip_id: str, offers: dict[str, list[str]], seed: int, base: Mix) -> CascadeSet:
    """One hospital's own training data: its own random stream and mix."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 101, *hip_id.encode()]))
    return generate_set(rng, hospital_mix(offers, base), by_role("train"))


def validation_pool(seed: int, base: Mix) -> CascadeSet:
    """Generated validation images (their own stream) + every real ``val`` source, unaugmented."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 202]))
    s = generate_set(rng, base.scaled(0.35), [])
    for src in by_role("val"):
        for _name, img, _sp in src.load():
            part = None if not src.medical else (None if src.body_part == "?" else src.body_part)
            s.add(_fit(img), part if src.medical and part else None, src.modality, src.orientation, src.id)
            if src.medical and part is None:  # medical, body part unknown: a filter target only
                s.medical[-1], s.label[-1], s.group[-1] = True, -1, -1
    return s


def demo_test_set(seed: int, base: Mix) -> CascadeSet:
    """The generated test split (own stream, same distribution as training): never used for choices."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 303]))
    return generate_set(rng, base.scaled(0.35), [])
