"""Request and response models of the HIP API; they generate the OpenAPI schema (the contract)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

MAX_QUESTION_CHARS = 500


class ModelInfo(BaseModel):
    name: str
    task: str
    version: str
    topics: list[str]
    labels: list[str] = Field(default_factory=list)


class Capabilities(BaseModel):
    hip_id: str
    hip_name: str
    bundle_version: str
    models: list[ModelInfo]
    labels: list[str] = Field(description="the labeler's classes (body parts), in output order")
    offers: dict[str, list[str]] = Field(description="task -> topics this hospital serves")
    label_topics: dict[str, str]


class ImageCreated(BaseModel):
    image_id: str
    sha256: str
    width: int
    height: int
    format: Literal["png", "jpeg", "dicom"]


class MedicalOut(BaseModel):
    is_medical: bool
    confidence: float


class LabelOut(BaseModel):
    name: str
    confidence: float
    topic: str | None


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
    description: str
    source: AnomalySource


class AnalyzeOut(BaseModel):
    image_id: str
    medical: MedicalOut
    label: LabelOut | None
    tasks: list[str]
    anomaly: AnomalyOut | None
    model_versions: dict[str, str]
    bundle_version: str


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


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    bundle_version: str | None = None


class ReloadOut(BaseModel):
    bundle_version: str
    previous_version: str
    swapped: bool
