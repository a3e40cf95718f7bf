"""Image routes: upload from the web chat (size and type limited) and capability-token download."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from hub import images
from hub.context import Hub
from hub.schemas import StoredImage
from qaid.api_errors import ApiError, error_responses, read_limited_body
from qaid_contracts import binding
from qaid_contracts.errors import IMAGE_NOT_FOUND, IMAGE_TOO_LARGE, INVALID_IMAGE_TOKEN

router = APIRouter(prefix="/api/v1/images", tags=["images"], responses=error_responses(403))


_RAW_BODY: dict[str, Any] = {"requestBody": {"content": {"application/octet-stream": {}}}}


_SEEN: dict[int | str, dict[str, Any]] = {
    200: {
        "model": StoredImage,
        "description": "The same bytes were uploaded before: the same image id and token",
    }
}


@router.post("", status_code=201, openapi_extra=_RAW_BODY, response_model=StoredImage, responses=_SEEN)
async def upload(request: Request, hub: Hub) -> JSONResponse:
    limit = request.app.state.image_limit
    message = f"The image is larger than the {limit / 2**20:.1f} MB limit."
    data = await read_limited_body(request, limit, ApiError(413, IMAGE_TOO_LARGE, message))
    media_type = images.check_upload(data, limit)

    def _store() -> images.StoredImage:
        kept = images.deidentified(data, media_type, hub.box)  # before anything is stored
        with hub.sessions() as db:
            return images.store(db, hub.box, kept, media_type)

    stored = await run_in_threadpool(_store)
    # The link names the configured public origin, never the request's Host header.
    url = images.image_url(hub.settings.hub_public_url, hub.box, stored.image_id)
    sender = request.headers.get(binding.SENDER_HEADER, "")
    ref = None
    if sender:  # bound to the uploading conversation: only that conversation can attach it
        conversation = binding.conversation_id(hub.settings.conversation_key, sender)
        ref = binding.image_ref(hub.settings.conversation_key, stored.image_id, conversation)
    body = StoredImage(
        image_id=stored.image_id,
        token=hub.box.image_token(stored.image_id),
        url=url,
        sha256=stored.sha256,
        content_type=stored.content_type,
        ref=ref,
    )
    return JSONResponse(body.model_dump(), status_code=201 if stored.created else 200)


_IMAGE_TYPES: dict[str, dict[str, Any]] = {"image/png": {}, "image/jpeg": {}, "application/dicom": {}}


@router.get("/{image_id}", response_class=Response, responses={200: {"content": _IMAGE_TYPES}})
def download(image_id: str, hub: Hub, token: str = "") -> Response:
    # The token is checked before the lookup, so a caller without one learns nothing about ids.
    if not token or not hub.box.check_image_token(image_id, token):
        raise ApiError(403, INVALID_IMAGE_TOKEN, "Missing or invalid image token.")
    with hub.sessions() as db:
        found = images.load(db, hub.box, image_id)
    if found is None:
        raise ApiError(404, IMAGE_NOT_FOUND, f"No image {image_id}.")
    data, media_type = found
    return Response(
        data,
        media_type=media_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
