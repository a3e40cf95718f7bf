"""HTTP routes of the HIP (docs/api.md). Thin: auth, body limits, then a worker-thread call."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hip_service import analysis
from hip_service.bundle_loader import BundleError, LoadedBundle
from hip_service.config import HipConfig
from hip_service.image_store import ImageStore, StoredImage
from hip_service.inference import class_activation_map
from hip_service.metrics import Metrics
from hip_service.render import heatmap_overlay, png_bytes
from hip_service.runtime import BundleHolder, InferenceGate
from hip_service.schemas import (
    AnalyzeOut,
    Capabilities,
    Health,
    ImageCreated,
    ModelInfo,
    QuestionTypeInfo,
    Ready,
    ReloadOut,
    SegmentOut,
    VqaIn,
    VqaOut,
)
from qaid.api_errors import ERROR_RESPONSES, INVALID_REQUEST, ApiError, read_limited_body
from qaid.bundle import Manifest
from qaid.imaging import ImageError, decode_image, sniff_format

log = logging.getLogger("hip_service")


@dataclass
class HipState:
    config: HipConfig
    holder: BundleHolder
    gate: InferenceGate
    store: ImageStore
    metrics: Metrics


def state(request: Request) -> HipState:
    return request.app.state.hip


_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <QAID_HIP_TOKEN>")


def _check(creds: HTTPAuthorizationCredentials | None, expected: str) -> None:
    given = creds.credentials if creds is not None else ""
    if not given or not secrets.compare_digest(given.encode(), expected.encode()):
        raise ApiError(
            401, "unauthorized", "A valid bearer token is required.", {"WWW-Authenticate": "Bearer"}
        )


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def require_token(request: Request, creds: Credentials) -> None:
    _check(creds, state(request).config.token)


def require_admin(request: Request, creds: Credentials) -> None:
    _check(creds, state(request).config.admin)


open_router = APIRouter()
api = APIRouter(prefix="/v1", dependencies=[Depends(require_token)], responses=ERROR_RESPONSES)
admin = APIRouter(prefix="/v1/admin", dependencies=[Depends(require_admin)], responses=ERROR_RESPONSES)


@open_router.get("/health", response_model=Health, tags=["ops"])
async def health() -> Health:
    return Health(status="ok")


@open_router.get("/ready", response_model=Ready, tags=["ops"], responses={503: {"model": Ready}})
async def ready(request: Request, response: Response) -> Ready:
    bundle = state(request).holder.loaded
    if bundle is None:
        response.status_code = 503
        return Ready(status="loading")
    return Ready(status="ready", bundle_version=bundle.version)


@open_router.get("/metrics", tags=["ops"], response_class=Response)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(state(request).metrics.registry), media_type=CONTENT_TYPE_LATEST)


@api.get("/capabilities", response_model=Capabilities)
async def capabilities(request: Request) -> Capabilities:
    b = state(request).holder.current
    m = b.manifest
    return Capabilities(
        hip_id=m.hip_id,
        hip_name=m.hip_name,
        bundle_version=m.bundle_version,
        models=[
            ModelInfo(
                name=e.name,
                task=e.task,
                version=e.version,
                topics=e.topics,
                labels=e.labels,
                file=e.file,
                sha256=e.sha256,
                trained_on=e.trained_on.description if e.trained_on else None,
                backbone=e.backbone,
            )
            for e in m.models
        ],  # fmt: skip
        labels=m.by_task("labeler")[0].labels,
        offers=m.offers(),
        label_topics=m.label_topics,
        data_provenance=m.data_provenance,
        question_types=_question_types(m),
    )


def _question_types(m: Manifest) -> list[QuestionTypeInfo] | None:
    """The declared question types of every VQA model, by id (a type of several models lists all
    their topics); None when a VQA model declares none (a bundle from before they were declared)."""
    vqa = [e for e in m.by_task("vqa") if not m.needs_untrained_head(e)]  # not offered (Manifest.offers)
    if any(not e.question_types for e in vqa):
        return None
    out: dict[str, QuestionTypeInfo] = {}
    for e in vqa:
        for t in e.question_types:
            seen = out.setdefault(t.id, QuestionTypeInfo(
                id=t.id, question=t.question, answer_type=t.answer_type, answers=[], topics=[]))  # fmt: skip
            seen.answers += [a for a in t.answers if a not in seen.answers]
            seen.topics = sorted(set(seen.topics) | set(e.topics))
    return list(out.values())


_IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "description": "the image bytes; PNG, JPEG or DICOM, recognised by content (Content-Type is ignored)",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@api.post("/images", status_code=201, response_model=ImageCreated, openapi_extra=_IMAGE_BODY)
async def upload(request: Request) -> ImageCreated:
    st = state(request)
    cfg = st.config
    limit = cfg.max_image_bytes
    too_big = ImageError("image_too_large", f"The image is larger than the {limit / 1e6:.1f} MB limit.", 413)
    data = await read_limited_body(request, limit, too_big)

    def work() -> ImageCreated:
        image = decode_image(data, max_bytes=cfg.max_image_bytes, max_pixels=cfg.max_image_pixels)
        fmt = sniff_format(data)
        if fmt is None:  # unreachable: decode_image refuses anything but PNG, JPEG and DICOM
            raise ImageError("unsupported_media_type", "The body is not a PNG, JPEG or DICOM image.", 415)
        digest = hashlib.sha256(data).hexdigest()
        image_id = st.store.put(image, digest, fmt)
        return ImageCreated(
            image_id=image_id, sha256=digest, width=image.width, height=image.height, format=fmt
        )

    return await st.gate.run(work)


def _image(st: HipState, image_id: str) -> StoredImage:
    stored = st.store.get(image_id)
    if stored is None:
        raise ApiError(404, "image_not_found", "No image with this id (unknown or expired); upload it again.")
    return stored


@api.post("/images/{image_id}/analyze", response_model=AnalyzeOut)
async def analyze(request: Request, image_id: str) -> AnalyzeOut:
    st = state(request)
    stored, bundle = _image(st, image_id), st.holder.current
    observe = st.metrics.observe_inference
    return await st.gate.run(analysis.analyze, bundle, image_id, stored, st.config, observe)


@api.post("/images/{image_id}/vqa", response_model=VqaOut)
async def vqa(request: Request, image_id: str, body: VqaIn) -> VqaOut:
    st = state(request)
    if not body.question.strip():
        raise ApiError(422, INVALID_REQUEST, "question: the question is empty.")
    stored, bundle = _image(st, image_id), st.holder.current
    return await st.gate.run(analysis.vqa, bundle, stored, body.question, st.metrics.observe_inference)


@api.post("/images/{image_id}/segment", response_model=SegmentOut)
async def segment(request: Request, image_id: str) -> SegmentOut:
    st = state(request)
    stored, bundle = _image(st, image_id), st.holder.current
    return await st.gate.run(analysis.segment, bundle, stored, st.config, st.metrics.observe_inference)


def _heatmap_png(bundle: LoadedBundle, stored: StoredImage, st: HipState) -> bytes:
    result = class_activation_map(bundle, stored.image, st.metrics.observe_inference)
    if result is None:
        raise ApiError(409, "task_not_offered", "This bundle's labeler has no class-activation weights.")
    cam, _label = result
    return png_bytes(heatmap_overlay(stored.image, cam))


@api.get(
    "/images/{image_id}/heatmap",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "CAM of the labeler's top class"}},
)
async def heatmap(request: Request, image_id: str) -> Response:
    st = state(request)
    stored, bundle = _image(st, image_id), st.holder.current
    png = await st.gate.run(_heatmap_png, bundle, stored, st)
    return Response(png, media_type="image/png")


@admin.post("/reload", response_model=ReloadOut)
async def reload(request: Request) -> ReloadOut:
    """Load the bundle directory again and swap atomically; a broken bundle is rejected (422)."""
    st = state(request)
    try:
        fresh, old = await asyncio.to_thread(st.holder.reload)
    except BundleError as exc:
        st.metrics.reloads.labels("rejected").inc()
        log.error("bundle reload rejected; previous bundle keeps serving", extra={"reason": str(exc)})
        raise ApiError(422, "bundle_invalid", f"{exc} (the previous bundle keeps serving)") from exc
    st.metrics.reloads.labels("swapped").inc()
    return ReloadOut(bundle_version=fresh.version, previous_version=old.version if old else "", swapped=True)
