"""Transcript intake (the bot) and transcript/delivery inspection and retry (the operator)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from hub import images, intake, outbox
from hub.context import Db, Hub, require_admin, require_service
from hub.models import DELIVERY_STATES, Hospital, TranscriptRow
from qaid.api_errors import INVALID_REQUEST, ApiError, error_responses
from qaid.transcript.schema import Transcript

router = APIRouter(prefix="/api/v1", tags=["transcripts"], responses=error_responses(410))


_ALREADY = {200: {"description": "This conversation was already accepted: the same id, `duplicate: true`"}}


@router.post("/transcripts", status_code=201, dependencies=[Depends(require_service)], responses=_ALREADY)
def post_transcript(transcript: Transcript, db: Db, hub: Hub) -> JSONResponse:
    """201 with the new id; 200 with the same id when this conversation was already accepted."""
    accepted = intake.accept(db, hub.box, transcript)
    deliveries = [
        {"id": d.id, "hospital_id": d.hospital_id, "status": d.status}
        for d in outbox.for_transcript(db, accepted.transcript_id)
    ]
    body = {
        "id": accepted.transcript_id,
        "conversation_id": transcript.conversation_id,
        "duplicate": not accepted.created,
        "deliveries": deliveries,
    }
    return JSONResponse(body, status_code=201 if accepted.created else 200)


_RENDERINGS = {"application/json": {}, "application/fhir+json": {}, "application/pdf": {}}


@router.get(
    "/transcripts/{transcript_id}",
    dependencies=[Depends(require_admin)],
    response_model=None,
    responses={200: {"content": _RENDERINGS, "description": "JSON, FHIR R4 Bundle or PDF (`format`)"}},
)
def get_transcript(
    transcript_id: str,
    request: Request,
    db: Db,
    hub: Hub,
    format: Literal["json", "fhir", "pdf"] = "json",
) -> dict[str, Any] | Response:
    """The transcript with its deliveries (json), as a FHIR R4 Bundle (fhir) or as a PDF (pdf)."""
    row = db.get(TranscriptRow, transcript_id)
    if row is None:
        raise ApiError(404, "transcript_not_found", f"No transcript {transcript_id}.")
    if row.purged_at is not None:
        raise ApiError(410, "transcript_purged", f"Transcript {transcript_id} was purged (retention).")
    found = intake.load_transcript(db, hub.box, transcript_id)
    assert found is not None
    row, data = found
    if format == "fhir":
        from qaid.transcript import fhir  # the renderers load on first use: the hub starts faster

        names = {hid: name for hid, name in db.execute(select(Hospital.id, Hospital.name))}
        urls = images.image_urls(str(request.base_url), hub.box, data)
        body = fhir.bundle(data, hospital_names=names, image_urls=urls)
        return JSONResponse(body, media_type="application/fhir+json")
    if format == "pdf":
        from qaid.transcript import pdf

        document = pdf.render(data, meta=f"hub transcript {row.id}, received {row.received_at.isoformat()}")
        disposition = f'attachment; filename="{row.id}.pdf"'
        return Response(document, media_type="application/pdf", headers={"Content-Disposition": disposition})
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "urgency": row.urgency,
        "received_at": row.received_at.isoformat(),
        "transcript": data,
        "deliveries": [outbox.view(d) for d in outbox.for_transcript(db, row.id)],
    }


@router.get("/deliveries", dependencies=[Depends(require_admin)])
def list_deliveries(
    db: Db,
    status: str | None = Query(default=None),
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    if status is not None and status not in DELIVERY_STATES:
        raise ApiError(422, INVALID_REQUEST, f"status must be one of {', '.join(DELIVERY_STATES)}.")
    return {
        "deliveries": [outbox.view(d) for d in outbox.list_deliveries(db, status, limit)],
        "counts": outbox.counts(db),
    }


@router.get("/deliveries/{delivery_id}", dependencies=[Depends(require_admin)])
def get_delivery(delivery_id: str, db: Db) -> dict[str, Any]:
    """One delivery with its audit trail (every attempt: when, who, HTTP status, error)."""
    out = outbox.detail(db, delivery_id)
    if out is None:
        raise ApiError(404, "delivery_not_found", f"No delivery {delivery_id}.")
    return out


@router.post("/deliveries/{delivery_id}/retry", dependencies=[Depends(require_admin)])
def retry_delivery(delivery_id: str, db: Db) -> dict[str, Any]:
    return outbox.view(outbox.retry(db, delivery_id))


@router.post("/deliveries/{delivery_id}/replay", dependencies=[Depends(require_admin)])
def replay_delivery(delivery_id: str, db: Db) -> dict[str, Any]:
    """Send a delivered transcript again, as a new attempt with the same webhook-id (receivers dedupe)."""
    return outbox.view(outbox.replay(db, delivery_id))
