"""The pydantic models of replies (``qaid_contracts.replies`` is their TypedDict twin; the JSON Schemas
``replies.*.json`` are generated from these and checked against it)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qaid_contracts import replies as contract
from qaid_contracts.limits import ID_PATTERN, MAX_ID_CHARS, MAX_NAME_CHARS

__all__ = [
    "Appointment",
    "ReplyData",
    "ReplyEvent",
    "ReplyReceipt",
    "PatientReply",
    "AnswerIn",
    "AnswerData",
    "AnswerEvent",
    "ReplyNotice",
    "ReplyNoticeEvent",
]

_Id = Field(min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN)


class Appointment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$",
        description="date and time on the hospital's clock (in time_zone), YYYY-MM-DDTHH:MM",
    )
    place: str = Field(min_length=1, max_length=contract.MAX_PLACE_CHARS)
    bring: str = Field(max_length=contract.MAX_BRING_CHARS)
    # Optional for the inboxes written before it (their replies keep working, shown as the
    # hospital's local time); a given zone must be a real one, or the patient would be misled.
    time_zone: str | None = Field(
        default=None, min_length=1, max_length=contract.MAX_TIME_ZONE_CHARS,
        description="the hospital's IANA time zone (Europe/Bucharest) that `at` is in; null: unknown",
    )  # fmt: skip

    @field_validator("at")
    @classmethod
    def _real_date(cls, value: str) -> str:
        datetime.strptime(value, "%Y-%m-%dT%H:%M")  # ValueError for 2026-02-30T10:00 or 25:00
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and not contract.is_time_zone(value):
            raise ValueError("not an IANA time zone (like Europe/Bucharest)")
        return value


class ReplyData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: str = _Id
    delivery_id: str = Field(
        min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN,
        description="the webhook-id under which this hospital's inbox received the transcript",
    )  # fmt: skip
    kind: contract.ReplyKind
    text: str = Field(min_length=1, max_length=contract.MAX_REPLY_CHARS)
    appointment: Appointment | None
    doctor: str = Field(min_length=1, max_length=MAX_NAME_CHARS)

    @model_validator(mode="after")
    def _appointment_iff_kind(self) -> ReplyData:
        if (self.kind == "appointment") != (self.appointment is not None):
            raise ValueError("an appointment reply carries an appointment, a message reply none")
        return self


class ReplyEvent(BaseModel):
    """``POST /api/v1/hospitals/{id}/replies`` (Standard Webhooks signed with the hospital's secret)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["reply.created"]
    timestamp: str
    data: ReplyData


class ReplyReceipt(BaseModel):
    id: str
    conversation_id: str
    duplicate: bool


class PatientReply(BaseModel):
    """A reply as the bot shows it to the patient."""

    id: str
    conversation_id: str
    hospital_id: str
    hospital_name: str
    kind: contract.ReplyKind
    text: str
    appointment: Appointment | None
    doctor: str
    created_at: str
    answer: contract.Answer | None
    answered_at: str | None


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: str = _Id
    answer: contract.Answer


class AnswerData(BaseModel):
    reply_id: str
    reply_webhook_id: str
    conversation_id: str
    answer: contract.Answer
    answered_at: str


class AnswerEvent(BaseModel):
    """``reply.answered``, sent to the hospital's webhook like a transcript."""

    type: Literal["reply.answered"]
    timestamp: str
    data: AnswerData


class ReplyNotice(BaseModel):
    reply_id: str
    sender: str


class ReplyNoticeEvent(BaseModel):
    """``reply.available``, sent to the bot's hub channel (signed with the bot's own secret)."""

    type: Literal["reply.available"]
    timestamp: str
    data: ReplyNotice
