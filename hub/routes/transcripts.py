"""Transcript intake (the bot) and transcript/delivery inspection and retry (the operator)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from hub import deliveries, images, intake
from hub.context import Db, Hub, require_admin, require_service
from hub.models import DELIVERY_STATES, Hospital
from hub.schemas import (
    DeliveryBrief,
    DeliveryDetail,
    DeliveryList,
    DeliveryView,
    TranscriptDetail,
    TranscriptReceipt,
)
from qaid.api_errors import ApiError, error_responses
from qaid.transcript.schema import Transcript
from qaid_contracts import binding
from qaid_contracts.errors import DELIVERY_NOT_FOUND, INVALID_REQUEST, TRANSCRIPT_NOT_FOUND, TRANSCRIPT_PURGED
from qaid_contracts.limits import MAX_ID_CHARS

router = APIRouter(prefix="/api/v1", tags=["transcripts"], responses=error_responses(410))


_ALREADY: dict[int | str, dict[str, Any]] = {
    200: {
        "model": TranscriptReceipt,
        "description": "This conversation was already accepted: the same id, `duplicate: true`",
    }
}


@router.post(
    "/transcripts",
    status_code=201,
    dependencies=[Depends(require_service)],
    response_model=TranscriptReceipt,
    responses=_ALREADY,
)
def post_transcript(
    transcript: Transcript,
    db: Db,
    hub: Hub,
    sender: str | None = Header(
        default=None,
        alias=binding.SENDER_HEADER,
        max_length=MAX_ID_CHARS * 2,
        description="the chat's sender id: the hub keeps it sealed as the way back for doctors' replies "
        "and never forwards it; it must be the one the conversation id was derived from (else 422)",
    ),  # fmt: skip
) -> JSONResponse:
    """201 with the new id; 200 with the same id when this conversation was already accepted."""
    accepted = intake.accept(db, hub.box, transcript, sender=sender, key=hub.settings.conversation_key)
    receipt = TranscriptReceipt(
        id=accepted.transcript_id,
        conversation_id=transcript.conversation_id,
        duplicate=not accepted.created,
        deliveries=[
            DeliveryBrief(id=d.id, hospital_id=d.hospital_id, status=d.status)
            for d in deliveries.for_transcript(db, accepted.transcript_id)
        ],
    )
    return JSONResponse(receipt.model_dump(mode="json"), status_code=201 if accepted.created else 200)


_RENDERINGS: dict[str, dict[str, Any]] = {
    "application/json": {"schema": {"$ref": "#/components/schemas/TranscriptDetail"}},
    "application/fhir+json": {},
    "application/pdf": {},
}


@router.get(
    "/transcripts/{transcript_id}",
    dependencies=[Depends(require_admin)],
    response_model=TranscriptDetail,
    responses={200: {"content": _RENDERINGS, "description": "JSON, FHIR R4 Bundle or PDF (`format`)"}},
)
def get_transcript(
    transcript_id: str,
    request: Request,
    db: Db,
    hub: Hub,
    format: Literal["json", "fhir", "pdf"] = "json",
) -> TranscriptDetail | Response:
    """The transcript with its deliveries (json), as a FHIR R4 Bundle (fhir) or as a PDF (pdf); the
    Bundle and the PDF carry the conversation's verified images and overlays (docs/transcripts.md)."""
    found = intake.load_transcript(db, hub.box, transcript_id)
    if found is None:
        raise ApiError(404, TRANSCRIPT_NOT_FOUND, f"No transcript {transcript_id}.")
    row, data = found
    if data is None:
        raise ApiError(410, TRANSCRIPT_PURGED, f"Transcript {transcript_id} was purged (retention).")
    if format == "json":
        return TranscriptDetail(
            id=row.id,
            conversation_id=row.conversation_id,
            urgency=row.urgency,
            received_at=row.received_at.isoformat(),
            transcript=Transcript.model_validate(data),
            deliveries=[
                DeliveryView.model_validate(deliveries.view(d)) for d in deliveries.for_transcript(db, row.id)
            ],
        )
    # Only images and overlays bound to this conversation, with the sha256 the transcript states, are
    # embedded or linked (hub.images.linkable); links are on the configured origin, not the Host header.
    linked = images.linkable(db, hub.settings.conversation_key, data)
    stored = images.VerifiedImages(db, hub.box, linked)
    if format == "fhir":
        from qaid.transcript import fhir  # the renderers load on first use: the hub starts faster

        names = {hid: name for hid, name in db.execute(select(Hospital.id, Hospital.name))}
        urls = images.image_urls(hub.settings.hub_public_url, hub.box, data, linked)
        body = fhir.bundle(data, hospital_names=names, image_urls=urls, images=stored)
        return JSONResponse(body, media_type="application/fhir+json")
    from qaid.transcript import pdf

    meta = f"hub transcript {row.id}, received {row.received_at.isoformat()}"
    document = pdf.render(data, meta=meta, images=stored)
    disposition = f'attachment; filename="{row.id}.pdf"'
    return Response(document, media_type="application/pdf", headers={"Content-Disposition": disposition})


@router.get("/deliveries", dependencies=[Depends(require_admin)], response_model=DeliveryList)
def list_deliveries(
    db: Db,
    status: str | None = Query(
        default=None, description=f"one of: {', '.join(DELIVERY_STATES)}; empty or left out: all"
    ),
    limit: int = Query(default=100, ge=1, le=1000),
) -> DeliveryList:
    status = status or None  # "?status=" (empty) lists every status, as leaving it out does
    if status is not None and status not in DELIVERY_STATES:
        raise ApiError(422, INVALID_REQUEST, f"status must be one of {', '.join(DELIVERY_STATES)}.")
    return DeliveryList(
        deliveries=[
            DeliveryView.model_validate(deliveries.view(d))
            for d in deliveries.list_deliveries(db, status, limit)
        ],
        counts=deliveries.counts(db),
    )


@router.get("/deliveries/{delivery_id}", dependencies=[Depends(require_admin)], response_model=DeliveryDetail)
def get_delivery(delivery_id: str, db: Db) -> DeliveryDetail:
    """One delivery with its audit trail (every attempt: when, who, HTTP status, error)."""
    out = deliveries.detail(db, delivery_id)
    if out is None:
        raise ApiError(404, DELIVERY_NOT_FOUND, f"No delivery {delivery_id}.")
    return DeliveryDetail.model_validate(out)


@router.post(
    "/deliveries/{delivery_id}/retry", dependencies=[Depends(require_admin)], response_model=DeliveryView
)
def retry_delivery(delivery_id: str, db: Db) -> DeliveryView:
    return DeliveryView.model_validate(deliveries.view(deliveries.retry(db, delivery_id)))


@router.post(
    "/deliveries/{delivery_id}/replay", dependencies=[Depends(require_admin)], response_model=DeliveryView
)
def replay_delivery(delivery_id: str, db: Db) -> DeliveryView:
    """Send a delivered transcript again, as a new attempt with the same webhook-id (receivers dedupe)."""
    return DeliveryView.model_validate(deliveries.view(deliveries.replay(db, delivery_id)))
