"""What a HIP (one hospital's models behind ``hip_service``) answers: the shapes the bot consumes.

Generated twin: ``schemas/hip.*.json`` from ``hip_service.schemas`` (pydantic). Every key of a
response is always present (a missing value is ``null``), so these TypedDicts are total.
"""

from __future__ import annotations

from typing import TypedDict

from qaid_contracts.vocabulary import AnswerType, ImageFormat, Side

__all__ = [
    "ModelInfo",
    "Capabilities",
    "ImageCreated",
    "Medical",
    "Label",
    "AnomalySource",
    "Anomaly",
    "Analysis",
    "VqaQuestion",
    "VqaAnswer",
    "Segmentation",
]


class ModelInfo(TypedDict):
    name: str
    task: str
    version: str
    topics: list[str]
    labels: list[str]


class Capabilities(TypedDict):
    hip_id: str
    hip_name: str
    bundle_version: str
    models: list[ModelInfo]
    labels: list[str]  # the labeler's classes (body parts), in output order
    offers: dict[str, list[str]]  # task -> topics this hospital serves
    label_topics: dict[str, str]


class ImageCreated(TypedDict):
    """``POST /v1/images``: the HIP's own id for the image (``hip_image_id`` on the bot's side)."""

    image_id: str
    sha256: str
    width: int
    height: int
    format: ImageFormat


class Medical(TypedDict):
    is_medical: bool
    confidence: float


class Label(TypedDict):
    name: str
    confidence: float
    topic: str | None


class AnomalySource(TypedDict):
    task: str  # "segmentation" or "vqa"
    model: str
    version: str


class Anomaly(TypedDict):
    abnormal: bool
    confidence: float
    side: Side | None  # the PATIENT's side (vocabulary.patient_side)
    description: str
    source: AnomalySource


class Analysis(TypedDict):
    """``POST /v1/images/{id}/analyze``: filter, labeler and the automatic anomaly check."""

    image_id: str
    medical: Medical
    label: Label | None
    tasks: list[str]
    anomaly: Anomaly | None
    model_versions: dict[str, str]
    bundle_version: str


class VqaQuestion(TypedDict):
    """``POST /v1/images/{id}/vqa`` body; ``question`` at most ``limits.MAX_QUESTION_CHARS``."""

    question: str


class VqaAnswer(TypedDict):
    answer: str
    confidence: float
    answer_type: AnswerType
    topic: str
    model_version: str
    bundle_version: str


class Segmentation(TypedDict):
    """``POST /v1/images/{id}/segment``: the lesion mask and overlay (PNG, base64) and its measures."""

    mask_png_b64: str
    overlay_png_b64: str
    lesion_area_px: int
    lesion_fraction: float
    components: int
    side: Side | None
    model_version: str
    bundle_version: str
