"""The operator's side of the outbox: reading deliveries and their audit trail, admin retry and replay.

The worker's side (claiming, recording outcomes, the retry schedule) is :mod:`hub.outbox`. Both act
on the same ``deliveries`` rows; this module only when an operator asks (the admin routes,
``python -m hub.admin``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.models import DELIVERED, DUE_STATES, PENDING, Delivery, DeliveryAttempt, Hospital, TranscriptRow
from qaid.db import utcnow
from qaid.errors import Conflict, NotFound
from qaid_contracts.errors import (
    ALREADY_DELIVERED,
    DELIVERY_NOT_FOUND,
    ENDPOINT_DISABLED,
    HOSPITAL_NOT_FOUND,
    NOT_DELIVERED,
    TRANSCRIPT_PURGED,
)

__all__ = ["attempts_of", "counts", "detail", "for_transcript", "list_deliveries", "replay", "retry", "view"]


def _delivery(db: Session, delivery_id: str) -> Delivery:
    d = db.get(Delivery, delivery_id)
    if d is None:
        raise NotFound(DELIVERY_NOT_FOUND, f"No delivery {delivery_id}.")
    return d


def _enabled_endpoint(db: Session, d: Delivery, hint: str = "") -> Hospital:
    """The delivery's hospital, whose webhook endpoint must be enabled (else a Conflict)."""
    h = db.get(Hospital, d.hospital_id)
    if h is None:  # deleted from the directory (a foreign key keeps this from happening)
        raise NotFound(HOSPITAL_NOT_FOUND, f"No hospital {d.hospital_id}.")
    if not h.webhook_enabled:
        raise Conflict(ENDPOINT_DISABLED, f"The webhook endpoint of {h.id} is disabled{hint}.")
    return h


def retry(db: Session, delivery_id: str) -> Delivery:
    """Admin retry: schedule a delivery now with a fresh attempt budget (its audit trail is kept)."""
    d = _delivery(db, delivery_id)
    if d.status == DELIVERED:
        raise Conflict(ALREADY_DELIVERED, "This delivery was already delivered.")
    _enabled_endpoint(db, d, "; re-enable it (PUT webhook_enabled) first")
    d.status, d.attempts, d.claimed_by, d.next_attempt_at = PENDING, 0, None, utcnow()
    db.commit()
    return d


def replay(db: Session, delivery_id: str) -> Delivery:
    """Admin replay: send a delivered transcript again as a new attempt with the same webhook-id.

    The receiver deduplicates by webhook-id, so a replay is harmless to one that kept the first copy
    and restores it to one that lost it. The attempt count continues (the audit shows attempt n+1).
    """
    d = _delivery(db, delivery_id)
    if d.status != DELIVERED:
        raise Conflict(NOT_DELIVERED, f"Delivery {delivery_id} is {d.status}; use retry instead.")
    t = db.get(TranscriptRow, d.transcript_id)
    if t is None or t.purged_at is not None:
        raise Conflict(TRANSCRIPT_PURGED, "The transcript was purged (retention); nothing to replay.")
    _enabled_endpoint(db, d)
    d.status, d.claimed_by, d.next_attempt_at = PENDING, None, utcnow()
    db.commit()
    return d


def view(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "transcript_id": d.transcript_id,
        "hospital_id": d.hospital_id,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at.isoformat() if d.status in DUE_STATES else None,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
    }


def list_deliveries(db: Session, status: str | None, limit: int = 100) -> list[Delivery]:
    q = select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id).limit(limit)
    if status:
        q = q.where(Delivery.status == status)
    return list(db.scalars(q))


def for_transcript(db: Session, transcript_id: str) -> list[Delivery]:
    q = select(Delivery).where(Delivery.transcript_id == transcript_id).order_by(Delivery.id)
    return list(db.scalars(q))


def attempts_of(db: Session, delivery_id: str) -> list[DeliveryAttempt]:
    q = select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id).order_by(DeliveryAttempt.id)
    return list(db.scalars(q))


def detail(db: Session, delivery_id: str) -> dict[str, Any] | None:
    """One delivery with its audit trail (every attempt: when, who, HTTP status, error), or None."""
    d = db.get(Delivery, delivery_id)
    if d is None:
        return None
    log = [
        {
            "attempt": a.attempt,
            "worker": a.worker,
            "started_at": a.started_at.isoformat(),
            "duration_ms": a.duration_ms,
            "status_code": a.status_code,
            "outcome": a.outcome,
            "error": a.error,
        }
        for a in attempts_of(db, delivery_id)
    ]
    return view(d) | {"attempt_log": log}


def counts(db: Session) -> dict[str, int]:
    rows = db.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    return {status: n for status, n in rows}
