"""What a HIP (one hospital's models behind ``hip_service``) answers: the shapes the bot consumes.

Generated twin: ``schemas/hip.*.json`` from ``hip_service.schemas`` (pydantic). Every key of a
response is always present (a missing value is ``null``), so these TypedDicts are total.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from qaid_contracts.vocabulary import AnswerType, ImageFormat, Side

__all__ = [
    "DataProvenance",
    "Verdict",
    "BodyPartStatus",
    "ModelInfo",
    "QuestionTypeInfo",
    "Capabilities",
    "ImageCreated",
    "Medical",
    "Label",
    "BodyPart",
    "Kind",
    "Check",
    "AnomalySource",
    "Anomaly",
    "Analysis",
    "VqaQuestion",
    "VqaAnswer",
    "Segmentation",
]


# What a bundle's models were trained on: "generated_demo" models must say so to patients.
DataProvenance = Literal["generated_demo", "real", "unspecified"]
# A calibrated verdict; "unsure" means the models cannot tell: say so, claim nothing.
Verdict = Literal["yes", "no", "unsure"]
BodyPartStatus = Literal["known", "other", "unsure", "not_medical"]


class ModelInfo(TypedDict):
    name: str
    task: str
    version: str
    topics: list[str]
    labels: list[str]
    file: str
    sha256: str  # hospitals serving the same file are one opinion, not several
    trained_on: str | None  # e.g. "axial brain MRI slices"
    # the frozen pretrained network under the model (name + weights sha256), None if fully trained
    # on the hospital's data: hospitals naming the same backbone are not fully independent opinions
    backbone: str | None


class QuestionTypeInfo(TypedDict):
    """A kind of question the hospital's VQA model was trained for: ask ``question`` verbatim."""

    id: str  # e.g. "lesion", "count", "side"
    question: str  # canonical
    answer_type: AnswerType
    answers: list[str]  # the answers this type can get
    topics: list[str]


class Capabilities(TypedDict):
    hip_id: str
    hip_name: str
    bundle_version: str
    models: list[ModelInfo]
    labels: list[str]  # the labeler's classes (body parts), in output order
    offers: dict[str, list[str]]  # task -> topics this hospital serves
    label_topics: dict[str, str]
    data_provenance: DataProvenance
    # What its VQA answers; any other question gets 422 errors.UNSUPPORTED_QUESTION. None: the bundle
    # declares none (written before bundles did); [] without a VQA model.
    question_types: list[QuestionTypeInfo] | None


class ImageCreated(TypedDict):
    """``POST /v1/images``: the HIP's own id for the image (``hip_image_id`` on the bot's side)."""

    image_id: str
    sha256: str
    width: int
    height: int
    format: ImageFormat


class Medical(TypedDict):
    is_medical: bool  # true only when verdict is "yes"
    confidence: float
    verdict: Verdict
    reason: str | None  # why the verdict is "unsure", in plain words


class Label(TypedDict):
    """A confidently named body part (never "other")."""

    name: str
    confidence: float
    topic: str | None


class BodyPart(TypedDict):
    """The labeler's answer with its abstentions: a part, "other" (medical, outside the classes) or
    nothing, and why."""

    name: str | None
    confidence: float | None
    status: BodyPartStatus
    reason: str | None


class Kind(TypedDict):
    """What kind of image the cascade thinks it is; null where it is not sure."""

    modality: str | None
    modality_confidence: float
    orientation: str | None  # "axial", "coronal", "sagittal" or "none" (a projection)
    orientation_confidence: float


class Check(TypedDict):
    """Whether the automatic anomaly check ran on this image, and why not."""

    task: str  # "segmentation" or "vqa"
    ran: bool
    reason: str | None


class AnomalySource(TypedDict):
    task: str  # "segmentation" or "vqa"
    model: str
    version: str


class Anomaly(TypedDict):
    abnormal: bool
    confidence: float
    side: Side | None  # the PATIENT's side (vocabulary.patient_side)
    description: str  # plain words: sides, area in cm² or a share of the brain
    source: AnomalySource
    area_cm2: float | None  # when the pixel spacing is known (DICOM)
    brain_share: float | None  # lesion area / imaged tissue area, 0..1


class Analysis(TypedDict):
    """``POST /v1/images/{id}/analyze``: filter, labeler and the automatic anomaly check."""

    image_id: str
    medical: Medical
    label: Label | None
    tasks: list[str]  # the tasks this hospital can run on THIS image (its kind checked)
    anomaly: Anomaly | None
    model_versions: dict[str, str]
    bundle_version: str
    body_part: BodyPart | None
    kind: Kind | None
    out_of_distribution: bool | None  # true: unlike every kind of image the models were trained on
    anomaly_check: Check | None  # null: this hospital has no check for it


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
    area_cm2: float | None
    brain_share: float | None
    description: str
