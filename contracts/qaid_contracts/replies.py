"""A doctor's reply that reaches the patient, and the patient's answer that reaches the doctor.

The flow (docs/transcripts.md, "Replies"):

1. the hospital's inbox posts a ``reply.created`` event to the hub (``POST
   /api/v1/hospitals/{id}/replies``), signed with that hospital's Standard Webhooks secret;
2. the hub accepts it only for a conversation whose transcript it delivered to that hospital, and
   tells the bot (``reply.available``, signed with the bot's own secret) that a reply is waiting;
3. the bot fetches it by id (``GET /api/v1/replies/{id}``, service token, bound to its conversation)
   and shows it; for an appointment the patient accepts or declines (``POST
   /api/v1/replies/{id}/answer``);
4. the hub sends ``reply.answered`` to the hospital's webhook, signed like a transcript.

Generated twins: ``schemas/replies.*.json`` from ``hub.reply_schemas`` (pydantic).
"""

from __future__ import annotations

import functools
import zoneinfo
from typing import Final, Literal, TypedDict

__all__ = [
    "REPLY_CREATED",
    "REPLY_AVAILABLE",
    "REPLY_ANSWERED",
    "MAX_REPLY_CHARS",
    "MAX_PLACE_CHARS",
    "MAX_BRING_CHARS",
    "ReplyKind",
    "Answer",
    "MAX_TIME_ZONE_CHARS",
    "is_time_zone",
    "Appointment",
    "ShownAppointment",
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

# Event types (the ``type`` of a Standard Webhooks body).
REPLY_CREATED: Final = "reply.created"  # inbox -> hub
REPLY_AVAILABLE: Final = "reply.available"  # hub -> bot: fetch reply ``reply_id`` for ``sender``
REPLY_ANSWERED: Final = "reply.answered"  # hub -> inbox: the patient accepted or declined

MAX_REPLY_CHARS: Final = 2_000
MAX_PLACE_CHARS: Final = 200
MAX_BRING_CHARS: Final = 500
MAX_TIME_ZONE_CHARS: Final = 64  # the longest IANA name is 32 ("America/Argentina/ComodRivadavia")

ReplyKind = Literal["message", "appointment"]
Answer = Literal["accepted", "declined"]


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    # ``localtime`` is a file some systems put beside the zones: this machine's zone, not a name.
    return frozenset(zoneinfo.available_timezones()) - {"localtime"}


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone of the tz database (``Europe/Bucharest``, ``UTC``). A
    lookup in the database's list, not ``ZoneInfo(name)``, which also opens any file under the
    zoneinfo directory (``posixrules``, ``localtime``)."""
    return name in _zones()


class _AppointmentRequired(TypedDict):
    at: str
    place: str
    bring: str


class Appointment(_AppointmentRequired, total=False):
    """When and where, as the doctor wrote it: ``at`` is the date and time on the hospital's wall
    clock (``YYYY-MM-DDTHH:MM``, what a browser's date-time field gives) in ``time_zone``, the
    hospital's IANA time zone (``Europe/Bucharest``). An inbox older than the zone leaves it out:
    ``at`` is then shown as the hospital's local time, whatever that is."""

    time_zone: str | None


class ShownAppointment(_AppointmentRequired):
    """An appointment as the hub gives it to the bot: ``time_zone`` always present, ``None`` when the
    inbox did not send one."""

    time_zone: str | None


class ReplyData(TypedDict):
    """What the doctor sends. ``delivery_id`` is the ``webhook-id`` under which the inbox received
    the transcript: the hub checks it was delivered to this hospital and is this conversation's."""

    conversation_id: str
    delivery_id: str
    kind: ReplyKind
    text: str
    appointment: Appointment | None
    doctor: str  # display name, shown to the patient


class ReplyEvent(TypedDict):
    """``POST /api/v1/hospitals/{id}/replies`` body (Standard Webhooks signed)."""

    type: Literal["reply.created"]
    timestamp: str
    data: ReplyData


class ReplyReceipt(TypedDict):
    """The hub's answer to a reply: 201 new, 200 ``duplicate`` (same ``webhook-id`` again)."""

    id: str
    conversation_id: str
    duplicate: bool


class PatientReply(TypedDict):
    """``GET /api/v1/replies/{id}`` (service token): a reply as the bot shows it."""

    id: str
    conversation_id: str
    hospital_id: str
    hospital_name: str
    kind: ReplyKind
    text: str
    appointment: ShownAppointment | None
    doctor: str
    created_at: str
    answer: Answer | None
    answered_at: str | None


class AnswerIn(TypedDict):
    """``POST /api/v1/replies/{id}/answer`` body (service token)."""

    conversation_id: str
    answer: Answer


class AnswerData(TypedDict):
    """What the hospital learns: which of its replies (``reply_webhook_id``: the id its inbox sent it
    under) got which answer, when. Nothing else about the conversation."""

    reply_id: str
    reply_webhook_id: str
    conversation_id: str
    answer: Answer
    answered_at: str


class AnswerEvent(TypedDict):
    type: Literal["reply.answered"]
    timestamp: str
    data: AnswerData


class ReplyNotice(TypedDict):
    """What the hub tells the bot: a reply id and whose conversation it is for (the sender id the
    bot gave at transcript intake; it never leaves the hub otherwise)."""

    reply_id: str
    sender: str


class ReplyNoticeEvent(TypedDict):
    type: Literal["reply.available"]
    timestamp: str
    data: ReplyNotice
