"""Replies: a doctor's message or appointment back to the patient, and the patient's answer.

Only what this module checks flows back, and only to a conversation that consented:

- a reply is accepted from a hospital only for a transcript the hub *delivered to that hospital*
  (the inbox names the delivery's webhook-id; the hub checks the delivery is that hospital's, was
  delivered and is of the named conversation) and only while the hub knows the way back to the
  patient (``ReplyRoute``, given by the bot at intake);
- the bot reads a reply only for its own conversation (the conversation id it derives from its own
  sender id must be the reply's);
- the patient's answer goes only to the hospital that wrote the reply.

Every accepted reply and answer gets a row in ``reply_jobs`` in the same transaction (the outbox
:mod:`hub.reply_outbox` sends), so nothing accepted is ever left undelivered.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.crypto import DataBox
from hub.models import (
    PENDING,
    TO_BOT,
    TO_HOSPITAL,
    Delivery,
    Hospital,
    Reply,
    ReplyJob,
    ReplyRoute,
    TranscriptRow,
)
from hub.reply_schemas import AnswerIn, PatientReply, ReplyData
from qaid.db import utcnow
from qaid.errors import Conflict, Gone, Invalid, NotFound
from qaid_contracts import binding
from qaid_contracts.errors import (
    ALREADY_ANSWERED,
    CONVERSATION_NOT_DELIVERED,
    NOT_AN_APPOINTMENT,
    PATIENT_UNREACHABLE,
    REPLY_NOT_FOUND,
    SENDER_MISMATCH,
    TRANSCRIPT_PURGED,
)

__all__ = ["Accepted", "route_for", "accept", "for_patient", "answer", "job_id", "sender_of"]


@dataclass(frozen=True)
class Accepted:
    reply_id: str
    conversation_id: str
    created: bool


def job_id(reply_id: str, target: str) -> str:
    """The webhook-id of what is sent about ``reply_id`` to ``target``: the same on every retry."""
    return "msg_" + hashlib.sha256(f"reply:{reply_id}:{target}".encode()).hexdigest()[:32]


def route_for(key: str, box: DataBox, transcript_id: str, conversation_id: str, sender: str) -> ReplyRoute:
    """The way back to ``conversation_id``, once ``sender`` is shown to be its sender id (the bot
    computes conversation ids as an HMAC of the sender id under the key the hub shares)."""
    if binding.conversation_id(key, sender) != binding.conversation_of(conversation_id):
        raise Invalid(SENDER_MISMATCH, "The sender id is not this conversation's.")
    return ReplyRoute(
        conversation_id=conversation_id, transcript_id=transcript_id, sender_enc=box.seal(sender.encode())
    )


def sender_of(db: Session, box: DataBox, conversation_id: str) -> str | None:
    route = db.get(ReplyRoute, conversation_id)
    return None if route is None else box.open(route.sender_enc).decode()


def _delivered_transcript(db: Session, hospital_id: str, data: ReplyData) -> TranscriptRow:
    """The transcript ``data`` answers, if it was delivered to ``hospital_id``; else NotFound (the
    same answer whatever is wrong, so a hospital learns nothing about other conversations)."""
    found = db.execute(
        select(Delivery, TranscriptRow)
        .join(TranscriptRow, TranscriptRow.id == Delivery.transcript_id)
        .where(Delivery.id == data.delivery_id, Delivery.hospital_id == hospital_id)
    ).first()
    if found is None or found[0].delivered_at is None or found[1].conversation_id != data.conversation_id:
        raise NotFound(
            CONVERSATION_NOT_DELIVERED,
            f"No transcript of conversation {data.conversation_id} was delivered to {hospital_id} "
            f"under {data.delivery_id}.",
        )
    transcript: TranscriptRow = found[1]
    return transcript


def _existing(db: Session, hospital_id: str, webhook_id: str) -> Reply | None:
    q = select(Reply).where(Reply.hospital_id == hospital_id, Reply.webhook_id == webhook_id)
    return db.scalars(q).first()


def accept(db: Session, box: DataBox, hospital_id: str, webhook_id: str, data: ReplyData) -> Accepted:
    """Store a verified reply of ``hospital_id`` and its notice to the bot; idempotent on ``webhook_id``."""
    found = _existing(db, hospital_id, webhook_id)
    if found is not None:
        return Accepted(found.id, found.conversation_id, created=False)
    transcript = _delivered_transcript(db, hospital_id, data)
    if transcript.purged_at is not None or db.get(ReplyRoute, data.conversation_id) is None:
        raise Conflict(
            PATIENT_UNREACHABLE,
            "The hub has no way back to this conversation (its transcript came without one, or was "
            "purged): contact the patient by the details in the transcript.",
        )
    body = {"text": data.text, "doctor": data.doctor,
            "appointment": data.appointment.model_dump() if data.appointment else None}  # fmt: skip
    reply = Reply(
        id="rp_" + uuid.uuid4().hex, hospital_id=hospital_id, webhook_id=webhook_id,
        conversation_id=data.conversation_id, transcript_id=transcript.id, kind=data.kind,
        body_enc=box.seal(json.dumps(body).encode()), created_at=utcnow(),
    )  # fmt: skip
    db.add(reply)
    db.flush()
    db.add(_job(reply.id, TO_BOT))
    try:
        db.commit()
    except IntegrityError:  # the same webhook-id raced in: the first one stands
        db.rollback()
        again = _existing(db, hospital_id, webhook_id)
        if again is None:
            raise
        return Accepted(again.id, again.conversation_id, created=False)
    return Accepted(reply.id, reply.conversation_id, created=True)


def _job(reply_id: str, target: str) -> ReplyJob:
    now = utcnow()
    return ReplyJob(id=job_id(reply_id, target), reply_id=reply_id, target=target, status=PENDING,
                    attempts=0, next_attempt_at=now, created_at=now)  # fmt: skip


def _reply_of(db: Session, reply_id: str, conversation_id: str) -> Reply:
    """The reply, only for its own conversation (any later session of the same sender too)."""
    reply = db.get(Reply, reply_id)
    same = reply is not None and binding.conversation_of(reply.conversation_id) == binding.conversation_of(
        conversation_id
    )
    if reply is None or not same:
        raise NotFound(REPLY_NOT_FOUND, f"No reply {reply_id} for this conversation.")
    return reply


def view(db: Session, box: DataBox, reply: Reply) -> PatientReply:
    if not reply.body_enc:
        raise Gone(TRANSCRIPT_PURGED, "This reply was purged with its conversation (retention).")
    body: dict[str, Any] = json.loads(box.open(reply.body_enc))
    hospital = db.get(Hospital, reply.hospital_id)
    return PatientReply.model_validate(
        {
            "id": reply.id,
            "conversation_id": reply.conversation_id,
            "hospital_id": reply.hospital_id,
            "hospital_name": hospital.name if hospital else reply.hospital_id,
            "kind": reply.kind,
            "text": body["text"],
            "appointment": body["appointment"],
            "doctor": body["doctor"],
            "created_at": reply.created_at.isoformat(),
            "answer": reply.answer,
            "answered_at": reply.answered_at.isoformat() if reply.answered_at else None,
        }
    )


def for_patient(db: Session, box: DataBox, reply_id: str, conversation_id: str) -> PatientReply:
    return view(db, box, _reply_of(db, reply_id, conversation_id))


def answer(db: Session, box: DataBox, reply_id: str, given: AnswerIn) -> PatientReply:
    """Record the patient's answer to an appointment and queue it for the hospital. The same answer
    again is a no-op (the bot may retry); the other answer after one was given is a Conflict."""
    reply = _reply_of(db, reply_id, given.conversation_id)
    if reply.kind != "appointment":
        raise Conflict(NOT_AN_APPOINTMENT, "Only an appointment can be accepted or declined.")
    if reply.answer is not None and reply.answer != given.answer:
        raise Conflict(ALREADY_ANSWERED, f"This appointment was already {reply.answer}.")
    if reply.answer is None:
        # Compare-and-set: of two answers racing in, exactly one is recorded and queued.
        won = db.execute(  # type: ignore[attr-defined]
            update(Reply)
            .where(Reply.id == reply.id, Reply.answer.is_(None))
            .values(answer=given.answer, answered_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if won:
            db.add(_job(reply.id, TO_HOSPITAL))
        db.commit()
        db.refresh(reply)
        if reply.answer != given.answer:
            raise Conflict(ALREADY_ANSWERED, f"This appointment was already {reply.answer}.")
    return view(db, box, reply)
