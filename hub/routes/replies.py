"""Replies: a hospital's doctor writes to a patient (signed like a webhook), the bot reads the reply
for its own conversation and records the patient's answer (service token). Rules in hub.replies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from hub import directory, replies
from hub.context import Db, Hub, require_service
from hub.models import Hospital
from hub.reply_schemas import AnswerIn, PatientReply, ReplyEvent, ReplyReceipt
from qaid import webhooks
from qaid.api_errors import ApiError, error_responses
from qaid_contracts.errors import HOSPITAL_NOT_FOUND, INVALID_EVENT, MISSING_SIGNATURE
from qaid_contracts.limits import ID_PATTERN, MAX_ID_CHARS

router = APIRouter(prefix="/api/v1", tags=["replies"], responses=error_responses(409))

_EVENT_BODY = {
    "requestBody": {
        "required": True,
        # hub.app adds the ReplyEvent component: the route reads the raw bytes (the signature first).
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReplyEvent"}}},
    }
}
_ALREADY: dict[int | str, dict[str, Any]] = {
    200: {"model": ReplyReceipt, "description": "The same webhook-id was accepted before: `duplicate: true`"}
}


@router.post(
    "/hospitals/{hospital_id}/replies",
    status_code=201,
    response_model=ReplyReceipt,
    responses=_ALREADY,
    openapi_extra=_EVENT_BODY,
)
async def post_reply(hospital_id: str, request: Request, db: Db, hub: Hub) -> JSONResponse:
    """A doctor's reply, Standard Webhooks signed with one of the hospital's registered webhook
    secrets; accepted only for a conversation whose transcript the hub delivered to this hospital."""
    if not all(request.headers.get(h) for h in webhooks.REQUIRED_HEADERS):
        raise ApiError(400, MISSING_SIGNATURE, "Standard Webhooks headers are missing.")
    hospital = db.get(Hospital, hospital_id)
    if hospital is None:
        raise ApiError(404, HOSPITAL_NOT_FOUND, f"No hospital {hospital_id}.")
    body = await request.body()
    secrets = list(directory.credentials(hub.box, hospital).get("webhook_secrets", []))
    event = webhooks.verify(secrets, body, dict(request.headers))  # 400/401 before anything is parsed
    try:
        reply = ReplyEvent.model_validate(event)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ApiError(
            422, INVALID_EVENT, f"The reply does not match the schema ({where}: {first['msg']})."
        ) from exc
    accepted = replies.accept(db, hub.box, hospital_id, request.headers["webhook-id"], reply.data)
    receipt = ReplyReceipt(id=accepted.reply_id, conversation_id=accepted.conversation_id,
                           duplicate=not accepted.created)  # fmt: skip
    return JSONResponse(receipt.model_dump(mode="json"), status_code=201 if accepted.created else 200)


_ConversationQuery = Query(
    min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN,
    description="the asking conversation's id: a reply of another conversation is not found",
)  # fmt: skip


@router.get("/replies/{reply_id}", dependencies=[Depends(require_service)], response_model=PatientReply)
def get_reply(reply_id: str, db: Db, hub: Hub, conversation_id: str = _ConversationQuery) -> PatientReply:
    """The reply as the bot shows it, for the conversation it was written to only."""
    return replies.for_patient(db, hub.box, reply_id, conversation_id)


@router.post(
    "/replies/{reply_id}/answer", dependencies=[Depends(require_service)], response_model=PatientReply
)
def answer_reply(reply_id: str, given: AnswerIn, db: Db, hub: Hub) -> PatientReply:
    """The patient accepts or declines an appointment; the hospital is told (reply.answered)."""
    return replies.answer(db, hub.box, reply_id, given)
