"""The case page's reply forms and the webhook's ``reply.answered`` events.

Only the doctor who claimed a case writes to its patient (same CSRF and same-origin checks as every
workbench form); the reply is queued in the inbox's file and sent by :class:`inbox.replies.ReplySender`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from inbox.replies import Replies
from inbox.workbench import Workbench, doctor_form
from qaid.api_errors import ApiError, error_responses
from qaid_contracts.replies import MAX_BRING_CHARS, MAX_PLACE_CHARS, MAX_REPLY_CHARS, Answer

_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")  # the contract's shape (strptime takes "2026-1-5")


class _AnswerData(BaseModel):
    reply_id: str
    reply_webhook_id: str
    conversation_id: str
    answer: Answer
    answered_at: str


def _field(form: Any, name: str, limit: int, required: bool = True) -> str:
    value = str(form.get(name) or "").strip()
    if (required and not value) or len(value) > limit:
        what = "1" if required else "0"
        raise ApiError(422, "invalid_reply", f"{name}: {what} to {limit} characters.")
    return value


def _appointment(form: Any, time_zone: str) -> dict[str, str]:
    """The appointment as the hub takes it: ``at`` is the hospital's clock, so the inbox's zone goes
    with it (kept in the row: a reply queued before a change of the setting keeps its own zone)."""
    at = str(form.get("at") or "").strip()
    try:
        wall = datetime.strptime(at, "%Y-%m-%dT%H:%M") if _AT.match(at) else None
    except ValueError:  # no such day or hour
        wall = None
    if wall is None:
        raise ApiError(422, "invalid_reply", "at: a date and time (YYYY-MM-DDTHH:MM).")
    # A time the clocks skip when summer time starts does not exist: the patient would be told a
    # time nobody's clock shows (the round trip through UTC lands an hour later).
    zone = ZoneInfo(time_zone)
    if wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise ApiError(
            422, "invalid_reply", f"at: {at} does not exist in {time_zone} (the clocks go forward)."
        )
    return {"at": at, "place": _field(form, "place", MAX_PLACE_CHARS),
            "bring": _field(form, "bring", MAX_BRING_CHARS, required=False),
            "time_zone": time_zone}  # fmt: skip


def record_answer(wb: Workbench, replies: Replies, data: dict[str, Any]) -> str:
    """Apply a verified ``reply.answered`` event's data; the webhook's status word."""
    try:
        answer = _AnswerData.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid_event", "The answer does not match the schema.") from exc
    reply = replies.get(answer.reply_webhook_id)
    if reply is None or reply["conversation_id"] != answer.conversation_id:
        raise ApiError(404, "reply_not_found", f"No reply {answer.reply_webhook_id} was sent from here.")
    fresh = replies.record_answer(answer.reply_webhook_id, answer.answer, answer.answered_at)
    if fresh:
        action = "appointment_accepted" if answer.answer == "accepted" else "appointment_declined"
        wb.accounts.log("patient", action, reply["case_id"], f"at {answer.answered_at}")
    return "received" if fresh else "duplicate"


def install(app: FastAPI, wb: Workbench, replies: Replies) -> None:
    form_errors = error_responses(403, 409, html=True)

    @app.post("/cases/{webhook_id}/replies", responses=form_errors)
    async def reply(request: Request, webhook_id: str) -> Response:
        """The claiming doctor's message (``kind=message``) or appointment (``kind=appointment``: at,
        place, bring) to the patient, queued for the hub."""
        doctor, form = await doctor_form(request)
        entry = wb.entry(webhook_id)
        if wb.cases.state(webhook_id)["claimed_by"] != doctor["username"]:
            raise ApiError(409, "not_claimed", "Claim the case before writing to the patient.")
        text = _field(form, "text", MAX_REPLY_CHARS)
        appointment = _appointment(form, wb.time_zone) if form.get("kind") == "appointment" else None
        conversation = entry["transcript"]["conversation_id"]
        reply_id = replies.add(webhook_id, conversation, doctor, text, appointment)
        what = (
            f"appointment {appointment['at']} ({appointment['time_zone']}) at {appointment['place']}"
            if appointment
            else "message"
        )
        wb.accounts.log(doctor["username"], "appointment" if appointment else "reply", webhook_id,
                        f"{what} ({len(text)} characters), queued as {reply_id}")  # fmt: skip
        return RedirectResponse(f"/transcripts/{quote(webhook_id, safe='')}#replies", status_code=303)
