"""From model outputs to API answers: the cascade, the automatic anomaly check, VQA and segmentation.

These functions run on an inference worker thread. They take the bundle the request started with
and the stored image, and return response models; the routes only do HTTP.

Safety rules (docs/hip.md): the cascade may abstain (medical "unsure", body part null with a
reason); a task model runs only on the kind of image it was trained on (``ModelEntry.trained_on``,
checked with ``qaid.bundle.domain_check``), and no finding is reported from an image the cascade
abstained on. Descriptions use plain words: the patient's side explained, area in cm² when the
pixel spacing is known (DICOM), otherwise a share of the imaged tissue; never pixel counts.
"""

from __future__ import annotations

import numpy as np

from hip_service.bundle_loader import LoadedBundle, LoadedModel
from hip_service.config import HipConfig
from hip_service.image_store import StoredImage
from hip_service.inference import Cascade, Observer, Segmentation, run_cascade, run_segmentation, run_vqa
from hip_service.render import b64_png, lesion_overlay, mask_image
from hip_service.schemas import (
    AnalyzeOut,
    AnomalyOut,
    AnomalySource,
    BodyPartOut,
    CheckOut,
    KindOut,
    LabelOut,
    MedicalOut,
    SegmentOut,
    VqaOut,
)
from qaid.api_errors import ApiError
from qaid.bundle import OTHER_LABEL, domain_check
from qaid.vqa_questions import UnsupportedQuestion
from qaid_contracts.errors import NOT_APPLICABLE, TASK_NOT_OFFERED, UNSUPPORTED_QUESTION

ABNORMAL_QUESTION = "is this image abnormal?"
SIDE_QUESTION = "which side is the lesion on?"
_SIDE_ANSWERS = {"left": "left", "right": "right", "both": "both", "bilateral": "both"}
UNSURE_MEDICAL = "the models cannot tell whether this is a medical image"


def cascade_for(bundle: LoadedBundle, stored: StoredImage, observe: Observer) -> Cascade:
    """The memoised cascade of this image under this exact bundle (keyed by manifest hash)."""
    cached = stored.cascades.get(bundle.manifest_sha256)
    if cached is None:
        cached = run_cascade(bundle, stored.image, observe)
        stored.cascades[bundle.manifest_sha256] = cached
    return cached


def segmentation_for(
    bundle: LoadedBundle, model: LoadedModel, stored: StoredImage, cfg: HipConfig, observe: Observer
) -> Segmentation:
    """The memoised segmentation of this image by this model of this exact bundle: the automatic
    anomaly check and a later /segment of the same image run the U-Net once."""
    key = f"{bundle.manifest_sha256}:{model.entry.name}"
    cached = stored.segmentations.get(key)
    if cached is None:
        cached = run_segmentation(model, bundle, stored.image, cfg.mask_threshold, observe)
        stored.segmentations[key] = cached
    return cached


def side_words(side: str | None) -> str:
    """The patient's side in plain words, with where that is in the picture (radiological convention)."""
    if side == "both":
        return "on both sides"
    other = {"left": "right", "right": "left"}.get(side or "")
    return f"on the patient's {side} side (the {other} of the picture)" if other else ""


def _size_words(area_cm2: float | None, share: float | None) -> str:
    if area_cm2 is not None:
        return f"about {area_cm2:.1f} cm²"
    return (
        f"about {share:.0%} of the imaged tissue" if share is not None and share >= 0.005 else "a small area"
    )


def _measure(seg: Segmentation, stored: StoredImage) -> tuple[float | None, float | None]:
    """(area in cm² when the DICOM pixel spacing is known, share of the imaged tissue)."""
    spacing = stored.image.info.get("pixel_spacing_mm")
    area = None
    if spacing:
        area = round(seg.lesion_area_px * float(spacing[0]) * float(spacing[1]) / 100.0, 2)
    grey = np.asarray(stored.image.convert("L"), dtype=np.float32)
    tissue = grey > max(10.0, 0.1 * float(grey.max()))  # the imaged tissue, not the black background
    share = seg.lesion_area_px / max(1, int((tissue | seg.mask).sum()))
    return area, round(float(share), 4)


def _segmentation_words(seg: Segmentation, area: float | None, share: float | None, abnormal: bool) -> str:
    if not abnormal:
        return "The segmentation model found no lesion above its size threshold."
    regions = "one region" if seg.components == 1 else f"{seg.components} regions"
    size = _size_words(area, share)
    return f"The segmentation model outlined {regions} covering {size}, {side_words(seg.side)}."


def _anomaly_from_segmentation(
    seg: Segmentation, model: LoadedModel, cfg: HipConfig, stored: StoredImage
) -> AnomalyOut:
    abnormal = seg.lesion_fraction > cfg.abnormal_min_fraction
    area, share = _measure(seg, stored)
    return AnomalyOut(
        abnormal=abnormal,
        confidence=seg.confidence,
        side=seg.side if abnormal else None,  # type: ignore[arg-type]
        description=_segmentation_words(seg, area, share, abnormal),
        source=AnomalySource(task="segmentation", model=model.entry.name, version=model.entry.version),
        area_cm2=area if abnormal else None,
        brain_share=share if abnormal else None,
    )


def _anomaly_from_vqa(
    bundle: LoadedBundle, model: LoadedModel, stored: StoredImage, observe: Observer
) -> AnomalyOut | None:
    try:
        first = run_vqa(model, bundle, stored.image, ABNORMAL_QUESTION, observe)
    except UnsupportedQuestion:
        return None  # not a question this model was trained for: no anomaly claim either way
    verdict = first.answer.strip().lower()
    if verdict not in ("yes", "no"):
        return None  # the model did not answer the closed question: no anomaly claim either way
    side = None
    if verdict == "yes":
        try:
            side = _SIDE_ANSWERS.get(
                run_vqa(model, bundle, stored.image, SIDE_QUESTION, observe).answer.strip().lower()
            )
        except UnsupportedQuestion:
            side = None
    text = (
        f"The question-answering model considers the image abnormal{', ' + side_words(side) if side else ''}."
        if verdict == "yes"
        else "The question-answering model considers the image normal."
    )
    return AnomalyOut(
        abnormal=verdict == "yes",
        confidence=first.confidence,
        side=side,  # type: ignore[arg-type]
        description=text,
        source=AnomalySource(task="vqa", model=model.entry.name, version=model.entry.version),
    )


def _medical(c: Cascade) -> MedicalOut:
    r = c.reading
    reason = UNSURE_MEDICAL if r.medical == "unsure" else None
    return MedicalOut(
        is_medical=c.is_medical, confidence=c.medical_confidence, verdict=r.medical, reason=reason
    )


def _body_part(c: Cascade) -> BodyPartOut:
    r = c.reading
    part = r.body_part
    if r.medical == "unsure":
        return BodyPartOut(name=None, confidence=None, status="unsure", reason=UNSURE_MEDICAL)
    if r.medical != "yes" or part is None:
        return BodyPartOut(name=None, confidence=None, status="not_medical")
    if part.name is None:
        return BodyPartOut(name=None, confidence=part.confidence, status="unsure", reason=r.body_part_reason)
    return BodyPartOut(name=part.name, confidence=part.confidence,
                       status="other" if part.name == OTHER_LABEL else "known")  # fmt: skip


def _kind(c: Cascade) -> KindOut | None:
    m, o = c.reading.modality, c.reading.orientation
    if m is None or o is None or c.reading.medical != "yes":
        return None
    return KindOut(modality=m.name, modality_confidence=m.confidence, orientation=o.name,
                   orientation_confidence=o.confidence)  # fmt: skip


def applicable(bundle: LoadedBundle, task: str, c: Cascade) -> tuple[LoadedModel | None, str | None]:
    """(the model for this image's topic, why it may not run on this image) — (None, None): not offered."""
    model = bundle.for_topic(task, c.topic) if c.label is not None else None
    if model is None:
        return None, None
    return model, domain_check(c.reading, model.entry.trained_on)


def analyze(
    bundle: LoadedBundle, image_id: str, stored: StoredImage, cfg: HipConfig, observe: Observer
) -> AnalyzeOut:
    c = cascade_for(bundle, stored, observe)
    label = anomaly = check = None
    versions = dict(c.model_versions)
    gates = {t: applicable(bundle, t, c) for t in ("segmentation", "vqa")}
    tasks = [t for t in ("vqa", "segmentation") if gates[t][0] is not None and gates[t][1] is None]
    if c.label is not None and c.reading.body_part is not None:
        label = LabelOut(name=c.label, confidence=c.reading.body_part.confidence, topic=c.topic)
    for task in ("segmentation", "vqa"):  # the first offered check decides, as before
        model, why_not = gates[task]
        if model is None:
            continue
        check = CheckOut(task=task, ran=why_not is None, reason=why_not)
        if why_not is None:
            if task == "segmentation":
                seg = segmentation_for(bundle, model, stored, cfg, observe)
                anomaly = _anomaly_from_segmentation(seg, model, cfg, stored)
            else:
                anomaly = _anomaly_from_vqa(bundle, model, stored, observe)
            versions[model.entry.name] = model.entry.version
        break
    ood = c.reading.ood
    ceiling = bundle.only("labeler").entry.calibration
    out_of_distribution = (
        None if ood is None or ceiling is None or ceiling.max_ood is None else ood > ceiling.max_ood
    )
    return AnalyzeOut(
        image_id=image_id, medical=_medical(c), label=label, tasks=tasks, anomaly=anomaly,
        model_versions=versions, bundle_version=bundle.version, body_part=_body_part(c), kind=_kind(c),
        out_of_distribution=out_of_distribution, anomaly_check=check,
    )  # fmt: skip


def _model_for(bundle: LoadedBundle, task: str, c: Cascade) -> LoadedModel:
    model, why_not = applicable(bundle, task, c)
    if model is None:
        what = f"topic {c.topic!r}" if c.topic else "an image that is not a recognised medical image"
        raise ApiError(409, TASK_NOT_OFFERED, f"This hospital offers no {task} for {what}.")
    if why_not is not None:
        raise ApiError(409, NOT_APPLICABLE, f"This hospital's {task} model cannot be used here: {why_not}.")
    return model


def vqa(bundle: LoadedBundle, stored: StoredImage, question: str, observe: Observer) -> VqaOut:
    c = cascade_for(bundle, stored, observe)
    model = _model_for(bundle, "vqa", c)
    try:
        ans = run_vqa(model, bundle, stored.image, question, observe)
    except UnsupportedQuestion as exc:
        offer = model.questions.offer() if model.questions else ""
        trained = f" It was trained for: {offer}." if offer else ""
        raise ApiError(
            422,
            UNSUPPORTED_QUESTION,
            f"This hospital's VQA model cannot answer that question: {exc.reason}.{trained}",
        ) from exc
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
    seg = segmentation_for(bundle, model, stored, cfg, observe)
    area, share = _measure(seg, stored)
    abnormal = seg.lesion_fraction > cfg.abnormal_min_fraction
    return SegmentOut(
        mask_png_b64=b64_png(mask_image(seg.mask)),
        overlay_png_b64=b64_png(lesion_overlay(stored.image, seg.mask)),
        lesion_area_px=seg.lesion_area_px,
        lesion_fraction=seg.lesion_fraction,
        components=seg.components,
        side=seg.side,  # type: ignore[arg-type]
        model_version=model.entry.version,
        bundle_version=bundle.version,
        area_cm2=area,
        brain_share=share,
        description=_segmentation_words(seg, area, share, abnormal),
    )
