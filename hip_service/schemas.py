"""Request and response models of the HIP API; they generate the OpenAPI schema (the contract)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from qaid_contracts.limits import MAX_QUESTION_CHARS


class ModelInfo(BaseModel):
    name: str
    task: str
    version: str
    topics: list[str]
    labels: list[str] = Field(default_factory=list)
    file: str = Field(default="", description="the ONNX file; models sharing one file share one sha256")
    sha256: str = Field(
        default="",
        description="sha256 of the model file: hospitals serving the same file are one opinion, not several",
    )
    trained_on: str | None = Field(
        default=None, description='what the model runs on, e.g. "axial brain MRI slices"'
    )
    backbone: str | None = Field(
        default=None,
        description="the frozen pretrained network under the model (name and weights sha256), if any: "
        "hospitals naming the same backbone are not fully independent opinions",
    )


class QuestionTypeInfo(BaseModel):
    """A kind of question the hospital's VQA model was trained for (its bundle declares them)."""

    id: str = Field(description='e.g. "lesion", "count", "side"')
    question: str = Field(description="the canonical question: ask it verbatim to get this type answered")
    answer_type: Literal["closed", "open"]
    answers: list[str] = Field(description="the answers this type can get (those it had in training)")
    topics: list[str] = Field(description="the topics of the VQA model(s) trained for it")


class Capabilities(BaseModel):
    hip_id: str
    hip_name: str
    bundle_version: str
    models: list[ModelInfo]
    labels: list[str] = Field(description="the labeler's classes (body parts), in output order")
    offers: dict[str, list[str]] = Field(description="task -> topics this hospital serves")
    label_topics: dict[str, str]
    data_provenance: Literal["generated_demo", "real", "unspecified"] = Field(
        default="unspecified",
        description='what the models were trained on; "generated_demo": demo models, not for clinical use',
    )
    question_types: list[QuestionTypeInfo] | None = Field(
        default=None,
        description="the questions its VQA answers; any other question gets 422 unsupported_question. "
        "null: the bundle declares none (written before bundles did), [] without a VQA model",
    )


class ImageCreated(BaseModel):
    image_id: str
    sha256: str
    width: int
    height: int
    format: Literal["png", "jpeg", "dicom"]


Verdict = Literal["yes", "no", "unsure"]


class MedicalOut(BaseModel):
    is_medical: bool = Field(description='true only when verdict is "yes"')
    confidence: float = Field(description="calibrated probability of the verdict (of medical when unsure)")
    verdict: Verdict = Field(
        default="yes", description='"unsure": the models cannot tell; say so, claim nothing'
    )
    reason: str | None = Field(default=None, description="why the verdict is unsure, in plain words")


class LabelOut(BaseModel):
    name: str
    confidence: float
    topic: str | None


class BodyPartOut(BaseModel):
    """The labeler's answer, abstentions included: a body part, "other" or nothing, with the reason."""

    name: str | None = Field(description='a body part, "other" (medical, outside the classes), or null')
    confidence: float | None = Field(description="calibrated probability of the top class")
    status: Literal["known", "other", "unsure", "not_medical"]
    reason: str | None = Field(default=None, description='why name is null (status "unsure"), in plain words')


class KindOut(BaseModel):
    """What kind of image the cascade thinks it is; null where it is not sure."""

    modality: str | None
    modality_confidence: float
    orientation: str | None = Field(description='"axial", "coronal", "sagittal" or "none" (a projection)')
    orientation_confidence: float


class CheckOut(BaseModel):
    """Whether the automatic anomaly check ran, and why not."""

    task: Literal["segmentation", "vqa"]
    ran: bool
    reason: str | None = Field(default=None, description="why it did not run, in plain words")


class AnomalySource(BaseModel):
    task: Literal["segmentation", "vqa"]
    model: str
    version: str


class AnomalyOut(BaseModel):
    abnormal: bool
    confidence: float
    side: Literal["left", "right", "both"] | None = Field(
        description="the PATIENT's side (radiological convention: image left = patient right)"
    )
    description: str = Field(description="plain words: sides, area in cm² or a share of the brain")
    source: AnomalySource
    area_cm2: float | None = Field(default=None, description="lesion area when the pixel spacing is known")
    brain_share: float | None = Field(default=None, description="lesion area / imaged tissue area, 0..1")


class AnalyzeOut(BaseModel):
    image_id: str
    medical: MedicalOut
    label: LabelOut | None = Field(description='a confidently named body part (never "other"), else null')
    tasks: list[str] = Field(description="tasks this hospital can run on THIS image (kind checked)")
    anomaly: AnomalyOut | None
    model_versions: dict[str, str]
    bundle_version: str
    body_part: BodyPartOut | None = None
    kind: KindOut | None = None
    out_of_distribution: bool | None = Field(
        default=None, description="true: unlike every kind of image the models were trained on"
    )
    anomaly_check: CheckOut | None = Field(
        default=None, description="null: this hospital has no check for it"
    )


class VqaIn(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)


class VqaOut(BaseModel):
    answer: str
    confidence: float
    answer_type: Literal["closed", "open"]
    topic: str
    model_version: str
    bundle_version: str


class SegmentOut(BaseModel):
    mask_png_b64: str
    overlay_png_b64: str
    lesion_area_px: int
    lesion_fraction: float
    components: int
    side: Literal["left", "right", "both"] | None
    model_version: str
    bundle_version: str
    area_cm2: float | None = None
    brain_share: float | None = None
    description: str = ""


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    bundle_version: str | None = None


class ReloadOut(BaseModel):
    bundle_version: str
    previous_version: str
    swapped: bool
