"""Transcript intake: store a consented transcript and its outbox rows in one transaction.

Idempotent per ``conversation_id``: the bot retries a POST whose response it did not see, and a
second POST must neither store a second transcript nor notify hospitals twice. The first accepted
version wins; a repeat returns it unchanged. The unique constraint on ``conversation_id`` settles
the race of two concurrent first POSTs.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub import replies
from hub.crypto import DataBox
from hub.models import DISABLED, PENDING, Delivery, Hospital, TranscriptRow
from qaid.db import utcnow
from qaid.errors import Invalid
from qaid.transcript.schema import Transcript
from qaid_contracts.errors import UNKNOWN_HOSPITAL


@dataclass(frozen=True)
class Accepted:
    transcript_id: str
    created: bool


def delivery_id_for(transcript_id: str, hospital_id: str) -> str:
    """The webhook-id: fixed per transcript x hospital, so every retry carries the same id."""
    return "msg_" + hashlib.sha256(f"{transcript_id}:{hospital_id}".encode()).hexdigest()[:32]


def _existing(db: Session, conversation_id: str) -> str | None:
    return db.scalar(select(TranscriptRow.id).where(TranscriptRow.conversation_id == conversation_id))


def accept(
    db: Session, box: DataBox, transcript: Transcript, *, sender: str | None = None, key: str = ""
) -> Accepted:
    """Store ``transcript`` (already validated, consent given) with one delivery per consented hospital
    and, given the chat's ``sender`` id (checked against the conversation id under ``key``), the way
    back for doctors' replies (hub.replies)."""
    found = _existing(db, transcript.conversation_id)
    if found is not None:
        return Accepted(found, created=False)

    wanted = transcript.consent.hospitals
    hospitals = {h.id: h for h in db.scalars(select(Hospital).where(Hospital.id.in_(wanted)))}
    unknown = [hid for hid in wanted if hid not in hospitals or not hospitals[hid].active]
    if unknown:
        raise Invalid(UNKNOWN_HOSPITAL, f"Not in the hospital directory: {', '.join(unknown)}.")

    body = transcript.model_dump_json().encode()
    now = utcnow()
    row = TranscriptRow(
        id="tr_" + uuid.uuid4().hex,
        conversation_id=transcript.conversation_id,
        schema_version=transcript.schema_version,
        urgency=transcript.urgency,
        created_at=transcript.created_at,
        received_at=now,
        body_sha256=hashlib.sha256(body).hexdigest(),
        body_enc=box.seal(body),
    )
    route = replies.route_for(key, box, row.id, transcript.conversation_id, sender) if sender else None
    db.add(row)
    db.flush()  # the transcript row before its deliveries (foreign key), still one transaction
    if route is not None:
        db.add(route)
    for hid in wanted:
        db.add(
            Delivery(
                id=delivery_id_for(row.id, hid),
                transcript_id=row.id,
                hospital_id=hid,
                # An endpoint that answered 410 gets nothing until an admin re-enables it.
                status=PENDING if hospitals[hid].webhook_enabled else DISABLED,
                attempts=0,
                next_attempt_at=now,
            )
        )
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        found = _existing(db, transcript.conversation_id)
        if found is None:
            raise
        return Accepted(found, created=False)
    return Accepted(row.id, created=True)


def load_transcript(
    db: Session, box: DataBox, transcript_id: str
) -> tuple[TranscriptRow, dict[str, Any] | None] | None:
    """The row and its opened transcript (None once the retention purge removed it), or None if unknown."""
    row = db.get(TranscriptRow, transcript_id)
    if row is None:
        return None
    if row.purged_at is not None:
        return row, None
    return row, Transcript.model_validate_json(box.open(row.body_enc)).model_dump(mode="json")
