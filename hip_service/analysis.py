"""From model outputs to API answers: the cascade, the automatic anomaly check, VQA and segmentation.

These functions run on an inference worker thread. They take the bundle the request started with
and the stored image, and return response models; the routes only do HTTP.
"""

from __future__ import annotations

from hip_service.bundle_loader import LoadedBundle, LoadedModel
from hip_service.config import HipConfig
from hip_service.image_store import StoredImage
from hip_service.inference import Cascade, Observer, Segmentation, run_cascade, run_segmentation, run_vqa
from hip_service.render import b64_png, lesion_overlay, mask_image
from hip_service.schemas import (
    AnalyzeOut,
    AnomalyOut,
    AnomalySource,
    LabelOut,
    MedicalOut,
    SegmentOut,
    VqaOut,
)
from qaid.api_errors import ApiError

ABNORMAL_QUESTION = "is this image abnormal?"
SIDE_QUESTION = "which side is the lesion on?"
_SIDE_ANSWERS = {"left": "left", "right": "right", "both": "both", "bilateral": "both"}


def cascade_for(bundle: LoadedBundle, stored: StoredImage, observe: Observer) -> Cascade:
    """The memoised cascade of this image under this exact bundle (keyed by manifest hash)."""
    cached = stored.cascades.get(bundle.manifest_sha256)
    if cached is None:
        cached = run_cascade(bundle, stored.image, observe)
        stored.cascades[bundle.manifest_sha256] = cached
    return cached


def _side_words(side: str | None) -> str:
    if side == "both":
        return "on both sides"
    return f"on the patient's {side} side" if side else ""


def _anomaly_from_segmentation(seg: Segmentation, model: LoadedModel, cfg: HipConfig) -> AnomalyOut:
    abnormal = seg.lesion_fraction > cfg.abnormal_min_fraction
    if abnormal:
        regions = "region" if seg.components == 1 else "regions"
        text = (
            f"Segmentation found {seg.components} {regions} covering {seg.lesion_fraction:.1%} of the "
            f"image, {_side_words(seg.side)}."
        )
    else:
        text = "Segmentation found no lesion above the size threshold."
    return AnomalyOut(
        abnormal=abnormal,
        confidence=seg.confidence,
        side=seg.side if abnormal else None,
        description=text,
        source=AnomalySource(task="segmentation", model=model.entry.name, version=model.entry.version),
    )


def _anomaly_from_vqa(
    bundle: LoadedBundle, model: LoadedModel, stored: StoredImage, observe: Observer
) -> AnomalyOut | None:
    first = run_vqa(model, bundle, stored.image, ABNORMAL_QUESTION, observe)
    verdict = first.answer.strip().lower()
    if verdict not in ("yes", "no"):
        return None  # the model did not answer the closed question: no anomaly claim either way
    side = None
    if verdict == "yes":
        second = run_vqa(model, bundle, stored.image, SIDE_QUESTION, observe)
        side = _SIDE_ANSWERS.get(second.answer.strip().lower())
    text = (
        f"The VQA model considers the image abnormal{', ' + _side_words(side) if side else ''}."
        if verdict == "yes"
        else "The VQA model considers the image normal."
    )
    return AnomalyOut(
        abnormal=verdict == "yes",
        confidence=first.confidence,
        side=side,  # type: ignore[arg-type]
        description=text,
        source=AnomalySource(task="vqa", model=model.entry.name, version=model.entry.version),
    )


def analyze(
    bundle: LoadedBundle, image_id: str, stored: StoredImage, cfg: HipConfig, observe: Observer
) -> AnalyzeOut:
    c = cascade_for(bundle, stored, observe)
    label = anomaly = None
    tasks: list[str] = []
    versions = dict(c.model_versions)
    if c.is_medical and c.label is not None:
        label = LabelOut(name=c.label, confidence=c.label_confidence or 0.0, topic=c.topic)
        tasks = bundle.tasks_for(c.topic)
        seg_model = bundle.for_topic("segmentation", c.topic)
        vqa_model = bundle.for_topic("vqa", c.topic)
        if seg_model is not None:
            seg = run_segmentation(seg_model, bundle, stored.image, cfg.mask_threshold, observe)
            anomaly = _anomaly_from_segmentation(seg, seg_model, cfg)
            versions[seg_model.entry.name] = seg_model.entry.version
        elif vqa_model is not None:
            anomaly = _anomaly_from_vqa(bundle, vqa_model, stored, observe)
            versions[vqa_model.entry.name] = vqa_model.entry.version
    return AnalyzeOut(
        image_id=image_id,
        medical=MedicalOut(is_medical=c.is_medical, confidence=c.medical_confidence),
        label=label,
        tasks=tasks,
        anomaly=anomaly,
        model_versions=versions,
        bundle_version=bundle.version,
    )


def _model_for(bundle: LoadedBundle, task: str, c: Cascade) -> LoadedModel:
    model = bundle.for_topic(task, c.topic)
    if model is None:
        what = f"topic {c.topic!r}" if c.topic else "an image that is not a recognised medical image"
        raise ApiError(409, "task_not_offered", f"This hospital offers no {task} for {what}.")
    return model


def vqa(bundle: LoadedBundle, stored: StoredImage, question: str, observe: Observer) -> VqaOut:
    c = cascade_for(bundle, stored, observe)
    model = _model_for(bundle, "vqa", c)
    ans = run_vqa(model, bundle, stored.image, question, observe)
    return VqaOut(
        answer=ans.answer,
        confidence=ans.confidence,
        answer_type=ans.answer_type,  # type: ignore[arg-type]
        topic=c.topic or "",
        model_version=model.entry.version,
        bundle_version=bundle.version,
    )


def segment(bundle: LoadedBundle, stored: StoredImage, cfg: HipConfig, observe: Observer) -> SegmentOut:
    c = cascade_for(bundle, stored, observe)
    model = _model_for(bundle, "segmentation", c)
    seg = run_segmentation(model, bundle, stored.image, cfg.mask_threshold, observe)
    return SegmentOut(
        mask_png_b64=b64_png(mask_image(seg.mask)),
        overlay_png_b64=b64_png(lesion_overlay(stored.image, seg.mask)),
        lesion_area_px=seg.lesion_area_px,
        lesion_fraction=seg.lesion_fraction,
        components=seg.components,
        side=seg.side,  # type: ignore[arg-type]
        model_version=model.entry.version,
        bundle_version=bundle.version,
    )
