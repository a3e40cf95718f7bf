"""The offline demo data set: images, labels, masks, VQA questions, splits and hospital partitions.

Everything is generated from a seed (``numpy.random.SeedSequence`` spawned per split and per
kind), so the same seed always gives byte-identical data and splits never share a random stream.
Images are stored as uint8 arrays at ``size`` px; models see them only through
:func:`qaid.imaging.to_input`, the preprocessing the HIP uses (see :mod:`ml.train`).

VQA questions and answers are derived from the generator's ground truth. Sides are the PATIENT'S
side in the radiological convention (image left = patient right), see :mod:`ml.lesions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ml.lesions import Finding, brain_mri, chest_xray
from ml.synth_images import BODY_PART_GENERATORS, non_medical
from qaid.bundle import BODY_PARTS, PAD_ID, UNK_ID, tokenize_question
from qaid_contracts.vocabulary import AnswerType

SPLITS = ("train", "val", "test")
NON_MEDICAL = -1  # label index of a non-medical image
VQA_PARTS = ("brain", "chest")

# Question templates per kind; the FIRST phrasing of each kind is canonical (the HIP asks
# "is this image abnormal?" and "which side is the lesion on?" verbatim for its anomaly check).
QUESTIONS: dict[str, tuple[str, ...]] = {
    "lesion": ("is there a lesion?", "is there a lesion in this image?", "are there any lesions?",
               "do you see a lesion?", "is there a nodule?"),
    "abnormal": ("is this image abnormal?", "is this abnormal?", "is the scan abnormal?",
                 "does this image show an abnormality?", "is anything wrong in this image?"),
    "normal": ("is this image normal?", "does this image look normal?", "is the scan normal?"),
    "is_brain": ("is this a brain mri?", "is this an mri of the brain?", "is this a brain scan?"),
    "is_chest": ("is this a chest x-ray?", "is this a chest radiograph?", "is this an x-ray of the chest?"),
    "side": ("which side is the lesion on?", "where is the lesion?", "on which side is the lesion?",
             "which side is affected?", "which side are the lesions on?"),
    "count": ("how many lesions?", "how many lesions are there?", "how many lesions are in the image?",
              "count the lesions", "how many nodules?"),
    "organ": ("what organ is shown?", "which organ is this?", "what body part is this?",
              "what organ is in the image?"),
    "modality": ("what modality is this?", "what imaging modality is this?", "what kind of scan is this?",
                 "what type of image is this?"),
}  # fmt: skip

ANSWERS: tuple[str, ...] = ("yes", "no", "none", "left", "right", "both", "0", "1", "2", "3",
                            "brain", "chest", "mri", "x-ray")  # fmt: skip
ANSWER_TYPES: tuple[AnswerType, ...] = tuple("closed" if a in ("yes", "no") else "open" for a in ANSWERS)
MAX_QUESTION_LEN = 12


def question_vocab() -> list[str]:
    """``<pad>``, ``<unk>`` then every word of the templates, sorted (stable across runs)."""
    import re

    words = {w for qs in QUESTIONS.values() for q in qs for w in re.findall(r"[a-z0-9]+", q.lower())}
    vocab = ["<pad>", "<unk>", *sorted(words)]
    assert vocab.index("<pad>") == PAD_ID and vocab.index("<unk>") == UNK_ID
    return vocab


def answer_for(kind: str, part: str, finding: Finding) -> str:
    """Ground-truth answer to a question of ``kind`` about an image of ``part``."""
    abnormal = finding.count > 0
    yes_no = {True: "yes", False: "no"}
    return {
        "lesion": yes_no[abnormal],
        "abnormal": yes_no[abnormal],
        "normal": yes_no[not abnormal],
        "is_brain": yes_no[part == "brain"],
        "is_chest": yes_no[part == "chest"],
        "side": finding.side,
        "count": str(finding.count),
        "organ": part,
        "modality": "mri" if part == "brain" else "x-ray",
    }[kind]


@dataclass
class Split:
    """One split: images with their label (index into BODY_PARTS, or NON_MEDICAL) and findings."""

    images: list[np.ndarray] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    findings: list[Finding | None] = field(default_factory=list)

    def indices(self, parts: tuple[str, ...]) -> list[int]:
        wanted = {BODY_PARTS.index(p) for p in parts}
        return [i for i, lab in enumerate(self.labels) if lab in wanted]

    def qa(self, idx: list[int], rng: np.random.Generator | None = None) -> list[tuple[int, str, str]]:
        """(image index, question, answer) for every question kind of every image in ``idx``.

        With ``rng`` one random phrasing per kind (training); without, the canonical phrasing
        and one paraphrase (evaluation).
        """
        out: list[tuple[int, str, str]] = []
        for i in idx:
            part, finding = BODY_PARTS[self.labels[i]], self.findings[i]
            assert finding is not None
            for kind, phrasings in QUESTIONS.items():
                if rng is None:
                    chosen = [phrasings[0], phrasings[1 + i % (len(phrasings) - 1)]]
                else:
                    chosen = [phrasings[rng.integers(len(phrasings))]]
                out.extend((i, q, answer_for(kind, part, finding)) for q in chosen)
        return out


@dataclass(frozen=True)
class DataConfig:
    """How many images per split; brain and chest get more because segmentation and VQA use them."""

    size: int = 128
    per_part: tuple[int, int, int] = (100, 20, 50)
    brain: tuple[int, int, int] = (320, 40, 100)
    chest: tuple[int, int, int] = (320, 40, 100)
    non_medical: tuple[int, int, int] = (400, 80, 250)

    def scaled(self, factor: float) -> DataConfig:
        """A smaller copy for tests (at least 2 images per class and split)."""

        def s(t: tuple[int, int, int]) -> tuple[int, int, int]:
            train, val, test = (max(2, int(v * factor)) for v in t)
            return train, val, test

        return DataConfig(self.size, s(self.per_part), s(self.brain), s(self.chest), s(self.non_medical))


def generate(config: DataConfig = DataConfig(), seed: int = 0) -> dict[str, Split]:
    """Generate all splits. Deterministic in ``seed``; independent streams per split and class."""
    root = np.random.SeedSequence(seed)
    out: dict[str, Split] = {}
    for split_no, (name, seq) in enumerate(zip(SPLITS, root.spawn(len(SPLITS)), strict=True)):
        split = Split()
        streams = seq.spawn(len(BODY_PARTS) + 1)
        for label, part in enumerate(BODY_PARTS):
            rng = np.random.default_rng(streams[label])
            n = {"brain": config.brain, "chest": config.chest}.get(part, config.per_part)[split_no]
            for _ in range(n):
                if part in VQA_PARTS:
                    img, finding = (brain_mri if part == "brain" else chest_xray)(rng, config.size)
                else:
                    img, finding = BODY_PART_GENERATORS[part](rng, config.size), None
                split.images.append(img)
                split.labels.append(label)
                split.findings.append(finding)
        rng = np.random.default_rng(streams[-1])
        for _ in range(config.non_medical[split_no]):
            split.images.append(non_medical(rng, config.size))
            split.labels.append(NON_MEDICAL)
            split.findings.append(None)
        out[name] = split
    return out


def encode_questions(questions: list[str], vocab: list[str]) -> np.ndarray:
    return np.asarray([tokenize_question(q, vocab, MAX_QUESTION_LEN) for q in questions], dtype=np.int64)


def partition(
    split: Split,
    offers: dict[str, dict[str, list[str]]],
    label_topics: dict[str, str],
    seed: int = 0,
    alpha: float = 0.5,
) -> dict[str, list[int]]:
    """Non-IID split of ``split`` across hospitals (hip id -> image indices), for federated work.

    Each class is spread over hospitals with Dirichlet(alpha) proportions, tilted towards the
    hospitals that offer that class's topic (a neuro hospital sees more brain MRIs). Every image
    goes to exactly one hospital.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    hips = list(offers)
    out: dict[str, list[int]] = {h: [] for h in hips}
    classes = sorted(set(split.labels))
    for label in classes:
        topic = label_topics.get(BODY_PARTS[label], "") if label != NON_MEDICAL else ""
        tilt = np.asarray([2.0 * any(topic in t for t in offers[h].values()) for h in hips])
        p = rng.dirichlet([alpha] * len(hips)) + tilt
        p = p / p.sum()
        for i in (i for i, lab in enumerate(split.labels) if lab == label):
            out[hips[rng.choice(len(hips), p=p)]].append(i)
    return out
