"""The model-bundle manifest: the single contract between training/export and the HIP service.

A bundle is one directory per hospital: ``manifest.json`` plus the ONNX files it names. Training
(`ml`, `federated`) writes bundles with :func:`write_manifest`; the HIP service reads them with
:func:`read_manifest` and then checks every file against its hash and its declared shapes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from qaid_contracts.hip import Verdict
from qaid_contracts.limits import MAX_QUESTION_CHARS

MANIFEST_NAME = "manifest.json"
SCHEMA_VERSION: Final = 1

Task = Literal["filter", "labeler", "modality", "orientation", "vqa", "segmentation"]

# The original Q&Aid labeler's classes, in output order.
BODY_PARTS: tuple[str, ...] = (
    "brain", "chest", "breast", "eyes", "heart", "elbow",
    "forearm", "hand", "humerus", "shoulder", "wrist",
)  # fmt: skip

# The labeler's extra outcome: a medical image of a body part outside BODY_PARTS.
OTHER_LABEL = "other"
LABELS: tuple[str, ...] = (*BODY_PARTS, OTHER_LABEL)
# What kind of image it is, and the plane of a cross-sectional slice ("none": a projection or photo).
MODALITIES: tuple[str, ...] = ("xray", "ct", "mri", "ultrasound", "fundus", "microscopy", "other")
ORIENTATIONS: tuple[str, ...] = ("axial", "coronal", "sagittal", "none")
# The cascade heads a bundle may lack (the filter and the labeler it must have).
ExtraHead = Literal["modality", "orientation"]
# Manifest.data_provenance: what the bundle's models were trained on.
DataProvenance = Literal["generated_demo", "real", "unspecified"]

# Which topic (body part + the modality the demo data uses for it) a label maps to.
DEFAULT_LABEL_TOPICS: dict[str, str] = {
    "brain": "brain_mri",
    "chest": "chest_xray",
    "breast": "breast_mammography",
    "eyes": "eyes_fundus",
    "heart": "heart_ct",
    "elbow": "elbow_xray",
    "forearm": "forearm_xray",
    "hand": "hand_xray",
    "humerus": "humerus_xray",
    "shoulder": "shoulder_xray",
    "wrist": "wrist_xray",
}


class InputSpec(BaseModel):
    """How an image is turned into the model's input tensor (NCHW, float32)."""

    size: int = Field(gt=0, description="square side in pixels the image is resized to")
    channels: Literal[1, 3]
    mean: list[float]
    std: list[float]

    @model_validator(mode="after")
    def _per_channel(self) -> InputSpec:
        if len(self.mean) != self.channels or len(self.std) != self.channels:
            raise ValueError("mean and std need one value per channel")
        return self


class Provenance(BaseModel):
    training_run: str
    data: str
    metrics: dict[str, float] = Field(default_factory=dict)
    created_at: str
    notes: str = ""


class Calibration(BaseModel):
    """How far a classifier's output may be trusted, chosen on validation data (never on evaluation).

    Probabilities are ``softmax(logits / temperature + bias)`` (temperature scaling, Guo et al. 2017;
    with ``bias``, Platt scaling, Platt 1999: the bias also moves the decision boundary, which the
    demo filter needs because real validation scans sit nearer it than the generated images it was
    fitted on). The HIP abstains when the top probability is below ``min_confidence`` or, for models
    that publish an out-of-distribution score, when that score exceeds ``max_ood``.
    """

    temperature: float = Field(default=1.0, gt=0)
    bias: list[float] | None = None  # one offset per class, added after the temperature
    min_confidence: float = Field(default=0.0, ge=0, le=1)
    max_ood: float | None = None
    chosen_on: str = ""
    ece_before: float | None = None
    ece_after: float | None = None


class TrainedOn(BaseModel):
    """The kind of image a task model was trained on: the HIP runs it on nothing else.

    Empty lists mean "not checked". ``max_ood`` maps the cascade's OOD groups of the model's own
    training images to a ceiling: an image farther than that from every one of them is not the kind
    of image the model knows.
    """

    labels: list[str] = Field(default_factory=list)
    modalities: list[str] = Field(default_factory=list)
    orientations: list[str] = Field(default_factory=list)
    max_ood: dict[str, float] = Field(default_factory=dict)
    description: str = Field(default="", description='plain words, e.g. "axial brain MRI slices"')


class QuestionType(BaseModel):
    """One kind of question a VQA model was trained for, written by the bundle writer from the
    training data (``ml.vqa_data``).

    ``question`` is canonical: the bot asks it verbatim. The HIP answers only a question that matches
    one of ``phrasings`` (the training questions of this type; :mod:`qaid.vqa_questions`), and only
    with one of ``answers`` (those the type had in training): a VQA model otherwise picks one of its
    fixed answers for any question at all.
    """

    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    answer_type: Literal["closed", "open"]
    answers: list[str] = Field(min_length=1)
    phrasings: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _canonical_first(self) -> QuestionType:
        if self.phrasings[0] != self.question:
            raise ValueError(f"question type {self.id}: the canonical question must be the first phrasing")
        return self


class ModelEntry(BaseModel):
    """One ONNX model of the bundle and everything needed to feed and read it."""

    name: str
    task: Task
    version: str
    file: str
    sha256: str
    input: InputSpec
    # role -> ONNX output name, e.g. {"logits": "labeler_logits", "features": "features"}
    outputs: dict[str, str]
    # role -> ONNX input name; image models use {"image": ...}, VQA adds {"question": ...}
    inputs: dict[str, str] = Field(default_factory=lambda: {"image": "image"})
    labels: list[str] = Field(default_factory=list)
    # ONNX initializer holding the linear head (classes x channels) for class-activation maps
    cam_weight: str | None = None
    answers: list[str] = Field(default_factory=list)
    answer_types: list[Literal["closed", "open"]] = Field(default_factory=list)
    question_vocab: list[str] = Field(default_factory=list)
    max_question_len: int = 0
    topics: list[str] = Field(default_factory=list)
    provenance: Provenance
    calibration: Calibration | None = None
    trained_on: TrainedOn | None = None
    # names of the columns of the "ood" output (the cascade's OOD groups), when it has one
    ood_groups: list[str] = Field(default_factory=list)
    # VQA only: the question types it was trained for (empty in bundles written before they were declared)
    question_types: list[QuestionType] = Field(default_factory=list)
    # The frozen pretrained network its features come from (name + weights sha256), or None when every
    # weight was trained on the hospital's data: bundles naming the same backbone share part of their model
    backbone: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ModelEntry:
        if self.task == "vqa":
            if not self.answers or len(self.answers) != len(self.answer_types):
                raise ValueError(f"{self.name}: a VQA model needs answers with one answer type each")
            if not self.question_vocab or self.max_question_len <= 0:
                raise ValueError(f"{self.name}: a VQA model needs a question vocabulary and length")
            self._check_question_types()
        elif self.question_types:
            raise ValueError(f"{self.name}: only a VQA model has question types")
        if self.task in ("filter", "labeler", "modality", "orientation") and not self.labels:
            raise ValueError(f"{self.name}: a {self.task} model needs its labels")
        return self

    def _check_question_types(self) -> None:
        ids = [t.id for t in self.question_types]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.name}: question type ids must be unique")
        for t in self.question_types:
            unknown = sorted(set(t.answers) - set(self.answers))
            if unknown:
                raise ValueError(f"{self.name}: question type {t.id} has answers the model lacks: {unknown}")


class Manifest(BaseModel):
    schema_version: Literal[1] = SCHEMA_VERSION
    hip_id: str
    hip_name: str
    bundle_version: str
    created_at: str
    label_topics: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_LABEL_TOPICS))
    models: list[ModelEntry]
    # "generated_demo": trained on generated images (the demo) -- the bot discloses it to patients.
    data_provenance: DataProvenance = "unspecified"
    # Cascade checks this bundle cannot make, with why (e.g. a hospital's folder has no modality
    # labels). Such a head has no entry; a task model that needs the check is refused (domain_check).
    untrained_heads: dict[ExtraHead, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique(self) -> Manifest:
        names = [m.name for m in self.models]
        if len(names) != len(set(names)):
            raise ValueError("model names must be unique within a bundle")
        for task in ("filter", "labeler"):
            if sum(m.task == task for m in self.models) != 1:
                raise ValueError(f"a bundle needs exactly one {task} model")
        for task in ("modality", "orientation"):
            if sum(m.task == task for m in self.models) > 1:
                raise ValueError(f"a bundle has at most one {task} model")
            if task in self.untrained_heads and self.by_task(task):
                raise ValueError(f"untrained_heads names {task}, but the bundle has a {task} model")
        return self

    def by_task(self, task: Task) -> list[ModelEntry]:
        return [m for m in self.models if m.task == task]

    def offers(self) -> dict[str, list[str]]:
        """Task -> sorted topics this bundle serves (filter and labeler are always there). A model
        whose kind check needs a head this bundle's cascade lacks (``untrained_heads``) is refused on
        every image (``domain_check``), so it is not offered: the hub would route requests to it that
        can only fail."""
        out: dict[str, set[str]] = {}
        for m in self.models:
            if m.task in ("vqa", "segmentation") and not self.needs_untrained_head(m):
                out.setdefault(m.task, set()).update(m.topics)
        return {task: sorted(topics) for task, topics in out.items()}

    def needs_untrained_head(self, entry: ModelEntry) -> bool:
        t = entry.trained_on
        return t is not None and (
            bool(t.modalities and "modality" in self.untrained_heads)
            or bool(t.orientations and "orientation" in self.untrained_heads)
        )


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(bundle_dir: Path) -> Manifest:
    """Parse and schema-check ``bundle_dir/manifest.json`` (file hashes are checked by the loader)."""
    path = bundle_dir / MANIFEST_NAME
    if not path.is_file():
        raise FileNotFoundError(f"no {MANIFEST_NAME} in bundle directory {bundle_dir}")
    return Manifest.model_validate_json(path.read_text())


def write_manifest(bundle_dir: Path, manifest: Manifest) -> Path:
    """Write the manifest atomically (temp file + rename) so a reader never sees half of it."""
    path = bundle_dir / MANIFEST_NAME
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n")
    tmp.replace(path)
    return path


_TOKEN = re.compile(r"[a-z0-9]+")
PAD_ID, UNK_ID = 0, 1


def tokenize_question(question: str, vocab: list[str], max_len: int) -> list[int]:
    """Question -> fixed-length token ids; the one tokenizer both training and serving use.

    ``vocab[0]`` is the padding token and ``vocab[1]`` the unknown-word token, so ids index ``vocab``.
    """
    index = {w: i for i, w in enumerate(vocab)}
    ids = [index.get(t, UNK_ID) for t in _TOKEN.findall(question.lower())][:max_len]
    return ids + [PAD_ID] * (max_len - len(ids))


# --- Reading a cascade's outputs: the one rule the HIP serves and ml.real_eval measures ----------


def calibrated(logits: np.ndarray, calibration: Calibration | None) -> np.ndarray:
    """softmax(logits / T + bias) over the last axis (T = 1 and no bias without a calibration)."""
    z = np.asarray(logits, dtype=np.float64) / (calibration.temperature if calibration else 1.0)
    if calibration is not None and calibration.bias is not None:
        z = z + np.asarray(calibration.bias, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Reading:
    """One head's calibrated answer: the top class (None when below the abstain threshold)."""

    name: str | None
    confidence: float
    top: str  # the top class even when abstaining (for reasons and reports)


def read_head(logits: np.ndarray, entry: ModelEntry) -> Reading:
    probs = calibrated(logits, entry.calibration)
    k = int(probs.argmax())
    threshold = entry.calibration.min_confidence if entry.calibration else 0.0
    conf = float(probs[k])
    return Reading(entry.labels[k] if conf >= threshold else None, conf, entry.labels[k])


@dataclass(frozen=True)
class CascadeReading:
    medical: Literal["yes", "no", "unsure"]
    medical_probability: float  # calibrated P(medical)
    body_part: Reading | None  # None unless medical == "yes"
    body_part_reason: str | None  # why body_part.name is None
    modality: Reading | None
    orientation: Reading | None
    ood: float | None  # distance to the nearest OOD group (None: the bundle has no OOD output)
    ood_by_group: dict[str, float]


_UNSURE_PART = "the models are not sure which body part this is"


def read_cascade(outputs: dict[str, np.ndarray], entries: dict[str, ModelEntry]) -> CascadeReading:
    """Filter -> medical yes/no/unsure; labeler -> body part, "other" or an abstention with a reason.

    ``outputs``: role -> one image's output row ("filter", "labeler", "modality", "orientation",
    "ood"); ``entries``: task -> its manifest entry. A body part is named only when the image is
    medical, its OOD distance is within the labeler's ``max_ood`` and its confidence clears the
    threshold; otherwise the reason says which of these failed.
    """
    filt = entries["filter"]
    p = calibrated(outputs["filter"], filt.calibration)
    p_med = float(p[filt.labels.index("medical")])
    t = filt.calibration.min_confidence if filt.calibration else 0.5
    medical: Verdict = "yes" if p_med >= max(t, 0.5) else "no" if 1 - p_med >= max(t, 0.5) else "unsure"
    groups = entries["labeler"].ood_groups
    ood_row = outputs.get("ood")
    by_group = {g: float(v) for g, v in zip(groups, ood_row, strict=True)} if ood_row is not None else {}
    ood = min(by_group.values()) if by_group else None
    extra = {t: read_head(outputs[t], entries[t]) for t in ("modality", "orientation") if t in entries}
    part = reason = None
    if medical == "yes":
        lab = entries["labeler"]
        part = read_head(outputs["labeler"], lab)
        ceiling = lab.calibration.max_ood if lab.calibration else None
        if ood is not None and ceiling is not None and ood > ceiling:
            part, reason = (
                Reading(None, part.confidence, part.top),
                "unlike the images the models were trained on",
            )
        elif part.name is None:
            reason = _UNSURE_PART
        elif part.name in by_group and by_group[part.name] > _nearest_part_distance(by_group, lab.labels):
            # two readings of the same features disagree: the labeler's class and the body part whose
            # training images the features lie nearest to (the OOD Gaussians). On validation and the demo
            # test split this turns about a fifth of the confident wrong parts into abstentions for under
            # one point of right ones (docs/models.md).
            part, reason = Reading(None, part.confidence, part.top), _UNSURE_PART
    return CascadeReading(medical, p_med, part, reason, extra.get("modality"), extra.get("orientation"), ood,
                          by_group)  # fmt: skip


def _nearest_part_distance(by_group: dict[str, float], labels: list[str]) -> float:
    """The distance to the labeler class whose training features lie nearest (Mahalanobis)."""
    return min(d for g, d in by_group.items() if g in labels)


def domain_check(reading: CascadeReading, trained_on: TrainedOn | None) -> str | None:
    """None if the image is the kind ``trained_on`` describes, else the reason in plain words."""
    if trained_on is None:
        return None
    what = trained_on.description or "other images"
    needed = (("modality", trained_on.modalities), ("orientation", trained_on.orientations))
    # A bundle without the head (Manifest.untrained_heads) cannot check the kind: refuse, never guess.
    unknown = [name for name, allowed in needed if allowed and getattr(reading, name) is None]
    if unknown:
        return f"the model was trained on {what} only, and this hospital's image check cannot tell an " \
               f"image's {' or '.join(unknown)}"  # fmt: skip
    looks = []
    for field_name, allowed in needed:
        r = getattr(reading, field_name)
        if allowed and r is not None and r.name not in allowed:
            looks.append("of unclear kind" if r.name is None else f"{r.name}")
    part = reading.body_part
    if trained_on.labels and (part is None or part.name not in trained_on.labels):
        looks.append("not a recognised " + "/".join(trained_on.labels))
    if not looks and trained_on.max_ood and reading.ood_by_group:
        # its own training images must be the NEAREST group, and near enough
        nearest = min(reading.ood_by_group, key=reading.ood_by_group.__getitem__)
        ceiling = trained_on.max_ood.get(nearest)
        if ceiling is None or reading.ood_by_group[nearest] > ceiling:
            looks.append("unlike its training images")
    if not looks:
        return None
    return f"the model was trained on {what} only; this image looks {', '.join(looks)}"
