"""Running the bundle's models on one decoded image: pure functions, no HTTP, no global state.

Every function takes the :class:`LoadedBundle` the request started with, so a hot swap in the middle
of a request cannot mix models of two bundle versions. Tensors are built with the shared
``qaid.imaging.to_input`` so serving preprocesses exactly like training did.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from hip_service.bundle_loader import LoadedBundle, LoadedModel, output_name
from qaid.bundle import OTHER_LABEL, CascadeReading, calibrated, read_cascade, tokenize_question
from qaid.imaging import to_input
from qaid.vqa_questions import QuestionIndex
from qaid_contracts.vocabulary import Side
from qaid_contracts.vocabulary import patient_side as side_of_image_half

# (model names, model version, seconds) -> None; the app wires this to a Prometheus histogram.
Observer = Callable[[str, str, float], None]


def _no_observer(_name: str, _version: str, _seconds: float) -> None:
    return None


def _run(
    bundle: LoadedBundle, model: LoadedModel, feed: dict[str, np.ndarray], observe: Observer
) -> dict[str, np.ndarray]:
    """One session run; the observed name covers every model that shares the file (one pass)."""
    sharing = sorted(m.entry.name for m in bundle.models.values() if m.session is model.session)
    start = time.perf_counter()
    names = [o.name for o in model.session.get_outputs()]
    values = model.session.run(None, feed)
    observe("+".join(sharing), model.entry.version, time.perf_counter() - start)
    return dict(zip(names, values, strict=True))


def _image_feed(model: LoadedModel, image: Image.Image) -> dict[str, np.ndarray]:
    return {model.entry.inputs["image"]: to_input(image, model.entry.input)[None]}


@dataclass(frozen=True)
class Cascade:
    """The cascade's reading of one image under one bundle version (``qaid.bundle.read_cascade``)."""

    bundle_version: str
    reading: CascadeReading
    topic: str | None  # the topic of a confidently named body part (never of "other")
    model_versions: dict[str, str]

    @property
    def is_medical(self) -> bool:
        return self.reading.medical == "yes"

    @property
    def medical_confidence(self) -> float:
        """Calibrated probability of the verdict given (of "not medical" when the verdict is no)."""
        p = self.reading.medical_probability
        return 1.0 - p if self.reading.medical == "no" else p

    @property
    def label(self) -> str | None:
        """A named body part (one of the labeler's classes other than "other"), else None."""
        part = self.reading.body_part
        name = part.name if part else None
        return name if name and name != OTHER_LABEL else None


def run_cascade(bundle: LoadedBundle, image: Image.Image, observe: Observer = _no_observer) -> Cascade:
    """Filter, labeler, modality, plane and OOD distances; a shared cascade file runs its backbone once."""
    filt, lab = bundle.only("filter"), bundle.only("labeler")
    loaded = {"filter": filt, "labeler": lab}
    loaded.update({t: m for t in ("modality", "orientation") if (m := bundle.optional(t)) is not None})
    outputs: dict[int, dict[str, np.ndarray]] = {}
    rows: dict[str, np.ndarray] = {}
    for task, model in loaded.items():
        key = id(model.session)
        if key not in outputs:  # one session run per distinct file
            outputs[key] = _run(bundle, model, _image_feed(model, image), observe)
        rows[task] = outputs[key][output_name(model.entry, "logits") or ""][0]
        if task == "labeler" and model.entry.ood_groups:
            rows["ood"] = outputs[key][output_name(model.entry, "ood") or ""][0]
    reading = read_cascade(rows, {t: m.entry for t, m in loaded.items()})
    versions = {m.entry.name: m.entry.version for m in loaded.values()}
    part = reading.body_part
    topic = bundle.manifest.label_topics.get(part.name) if part and part.name else None
    return Cascade(bundle.version, reading, topic, versions)


def class_activation_map(
    bundle: LoadedBundle, image: Image.Image, observe: Observer = _no_observer
) -> tuple[np.ndarray, str] | None:
    """(CAM [h, w] of the labeler's top class, that class), or None if the bundle has no cam_weight.

    Exact for the cascade convention: the head is linear over global-average-pooled features, so
    ``weight[c] . features`` averaged over space is the class logit minus its bias.
    """
    lab = bundle.only("labeler")
    if lab.cam_weight is None:
        return None
    out = _run(bundle, lab, _image_feed(lab, image), observe)
    logits = out[output_name(lab.entry, "logits") or ""][0]
    features = out[output_name(lab.entry, "features") or ""][0]  # [C, h, w]
    cls = int(logits.argmax())
    cam = np.tensordot(lab.cam_weight[cls], features, axes=([0], [0]))
    return cam.astype(np.float32), lab.entry.labels[cls]


@dataclass(frozen=True)
class Segmentation:
    mask: np.ndarray  # bool [H, W] at the image's own size
    lesion_area_px: int
    lesion_fraction: float
    components: int
    side: str | None  # the PATIENT's side: "left", "right", "both", or None without a lesion
    confidence: float


def patient_side(mask: np.ndarray, dominance: float = 0.8) -> Side | None:
    """The patient's side of a lesion mask: the half holding ``dominance`` of it, else "both" (the one
    convention: :func:`qaid_contracts.vocabulary.patient_side`)."""
    total = int(mask.sum())
    if total == 0:
        return None
    width = mask.shape[1]
    image_left = int(mask[:, : width // 2].sum()) + (int(mask[:, width // 2].sum()) // 2 if width % 2 else 0)
    share = image_left / total
    if share >= dominance:
        return side_of_image_half("left")
    if share <= 1.0 - dominance:
        return side_of_image_half("right")
    return "both"


def count_components(mask: np.ndarray) -> int:
    """8-connected components of a boolean mask, by union-find over row runs (no SciPy needed)."""
    parent: list[int] = []

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    prev: list[tuple[int, int, int]] = []  # (start, end_exclusive, run id) in the previous row
    for row in mask:
        padded = np.concatenate(([False], row.astype(bool), [False]))
        edges = np.flatnonzero(padded[1:] != padded[:-1])
        runs: list[tuple[int, int, int]] = []
        for start, end in zip(edges[::2], edges[1::2], strict=True):
            rid = len(parent)
            parent.append(rid)
            for ps, pe, pid in prev:
                if ps <= end and pe >= start:  # overlap incl. diagonal neighbours
                    a, b = find(rid), find(pid)
                    parent[max(a, b)] = min(a, b)
            runs.append((int(start), int(end), rid))
        prev = runs
    return len({find(i) for i in range(len(parent))})


def run_segmentation(
    model: LoadedModel,
    bundle: LoadedBundle,
    image: Image.Image,
    threshold: float,
    observe: Observer = _no_observer,
) -> Segmentation:
    out = _run(bundle, model, _image_feed(model, image), observe)
    prob = out[output_name(model.entry, "mask") or ""][0, 0].astype(np.float32)
    small = prob > threshold
    # The mask is resized to the image so overlay, area and side are in the image's own pixels;
    # components are counted at model resolution, which is what the model actually resolved.
    full = Image.fromarray(prob).resize(image.size, Image.Resampling.BILINEAR)
    mask = np.asarray(full) > threshold
    area = int(mask.sum())
    confidence = float(prob[small].mean()) if small.any() else float(1.0 - prob.max())
    return Segmentation(
        mask=mask,
        lesion_area_px=area,
        lesion_fraction=area / float(mask.size),
        components=count_components(small),
        side=patient_side(mask),
        confidence=confidence,
    )


@dataclass(frozen=True)
class VqaAnswer:
    answer: str
    confidence: float
    answer_type: str
    question_type: str | None = None  # the declared type the question was matched to


def run_vqa(
    model: LoadedModel,
    bundle: LoadedBundle,
    image: Image.Image,
    question: str,
    observe: Observer = _no_observer,
) -> VqaAnswer:
    """The model's answer to ``question``, if it is one the model was trained for; otherwise
    :class:`~qaid.vqa_questions.UnsupportedQuestion` (the model is not run).

    The model is fed the matched training phrasing and may answer only with the answers of its
    question type; the confidence is that answer's calibrated probability over all answers."""
    entry = model.entry
    index = model.questions or QuestionIndex(entry)
    matched = index.match(question)
    feed = _image_feed(model, image)
    ids = tokenize_question(matched.asked, entry.question_vocab, entry.max_question_len)
    feed[entry.inputs["question"]] = np.asarray([ids], dtype=np.int64)
    out = _run(bundle, model, feed, observe)
    probs = calibrated(out[output_name(entry, "logits") or ""][0], entry.calibration)
    idx = max(matched.allowed, key=lambda i: probs[i])
    return VqaAnswer(entry.answers[idx], float(probs[idx]), entry.answer_types[idx], matched.type_id)
