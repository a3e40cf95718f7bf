"""The model-bundle manifest: the single contract between training/export and the HIP service.

A bundle is one directory per hospital: ``manifest.json`` plus the ONNX files it names. Training
(`ml`, `federated`) writes bundles with :func:`write_manifest`; the HIP service reads them with
:func:`read_manifest` and then checks every file against its hash and its declared shapes.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

MANIFEST_NAME = "manifest.json"
SCHEMA_VERSION = 1

Task = Literal["filter", "labeler", "vqa", "segmentation"]

# The original Q&Aid labeler's classes, in output order.
BODY_PARTS: tuple[str, ...] = (
    "brain", "chest", "breast", "eyes", "heart", "elbow",
    "forearm", "hand", "humerus", "shoulder", "wrist",
)  # fmt: skip

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

    @model_validator(mode="after")
    def _consistent(self) -> ModelEntry:
        if self.task == "vqa":
            if not self.answers or len(self.answers) != len(self.answer_types):
                raise ValueError(f"{self.name}: a VQA model needs answers with one answer type each")
            if not self.question_vocab or self.max_question_len <= 0:
                raise ValueError(f"{self.name}: a VQA model needs a question vocabulary and length")
        if self.task in ("filter", "labeler") and not self.labels:
            raise ValueError(f"{self.name}: a {self.task} model needs its labels")
        return self


class Manifest(BaseModel):
    schema_version: Literal[1] = SCHEMA_VERSION
    hip_id: str
    hip_name: str
    bundle_version: str
    created_at: str
    label_topics: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_LABEL_TOPICS))
    models: list[ModelEntry]

    @model_validator(mode="after")
    def _unique(self) -> Manifest:
        names = [m.name for m in self.models]
        if len(names) != len(set(names)):
            raise ValueError("model names must be unique within a bundle")
        for task in ("filter", "labeler"):
            if sum(m.task == task for m in self.models) != 1:
                raise ValueError(f"a bundle needs exactly one {task} model")
        return self

    def by_task(self, task: Task) -> list[ModelEntry]:
        return [m for m in self.models if m.task == task]

    def offers(self) -> dict[str, list[str]]:
        """Task -> sorted topics this bundle serves (filter and labeler are always there)."""
        out: dict[str, set[str]] = {}
        for m in self.models:
            if m.task in ("vqa", "segmentation"):
                out.setdefault(m.task, set()).update(m.topics)
        return {task: sorted(topics) for task, topics in out.items()}


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
