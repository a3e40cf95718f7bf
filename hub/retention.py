"""Privacy jobs: the retention purge and re-sealing stored data after a data-key rotation.

Retention (``QAID_RETENTION_DAYS``, default 30): a transcript received longer ago than that is
emptied to a tombstone — ids, times and statuses stay, so the delivery audit trail (who was sent
what, when, with which HTTP status) still answers "was it delivered?", while the body, its hash,
the urgency and any receiver error text are gone. Deliveries still waiting are closed as ``dead``.
Images older than the period are deleted outright (they are not referenced by the audit trail).

Both jobs work in small batches (one transaction each), so they never hold a long write lock and
can run beside the delivery worker; both are idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from hub.crypto import DataBox
from hub.models import (
    DEAD,
    DUE_STATES,
    Delivery,
    DeliveryAttempt,
    Hospital,
    Image,
    Reply,
    ReplyJob,
    ReplyRoute,
    TranscriptRow,
)
from hub.outbox import PURGED_ERROR
from qaid.config import OperatorSettings
from qaid.db import utcnow

RETENTION_ENV = "QAID_RETENTION_DAYS"
BATCH = 200


def retention_days() -> float:
    """The retention period in days (``Settings.retention_days``, validated positive there)."""
    return OperatorSettings().retention_days


@dataclass(frozen=True)
class PurgeResult:
    transcripts: int
    images: int
    deliveries_closed: int


def purge(sessions: sessionmaker, older_than: timedelta, now: datetime | None = None) -> PurgeResult:
    """Purge transcripts received and images stored before ``now - older_than``."""
    cutoff = (now or utcnow()) - older_than
    n_transcripts = n_images = n_closed = 0
    while True:
        with sessions() as db:
            ids = list(
                db.scalars(
                    select(TranscriptRow.id)
                    .where(TranscriptRow.purged_at.is_(None), TranscriptRow.received_at < cutoff)
                    .order_by(TranscriptRow.id)
                    .limit(BATCH)
                )
            )
            if not ids:
                break
            stamp = utcnow()
            db.execute(
                update(TranscriptRow)
                .where(TranscriptRow.id.in_(ids), TranscriptRow.purged_at.is_(None))
                .values(body_enc=b"", body_sha256="", urgency="purged", purged_at=stamp)
                .execution_options(synchronize_session=False)
            )
            in_batch = Delivery.transcript_id.in_(ids)
            n_closed += db.execute(
                update(Delivery)
                .where(in_batch, Delivery.status.in_(DUE_STATES))
                .values(status=DEAD, claimed_by=None, last_error=PURGED_ERROR)
                .execution_options(synchronize_session=False)
            ).rowcount
            # Receiver error text can echo what was sent: keep only codes and outcomes.
            db.execute(
                update(Delivery)
                .where(in_batch, Delivery.last_error.is_not(None), Delivery.last_error != PURGED_ERROR)
                .values(last_error=None)
                .execution_options(synchronize_session=False)
            )
            db.execute(
                update(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id.in_(select(Delivery.id).where(in_batch)))
                .values(error=None)
                .execution_options(synchronize_session=False)
            )
            _purge_replies(db, ids)
            db.commit()
            n_transcripts += len(ids)
    while True:
        with sessions() as db:
            ids = list(db.scalars(select(Image.id).where(Image.created_at < cutoff).limit(BATCH)))
            if not ids:
                break
            db.execute(delete(Image).where(Image.id.in_(ids)).execution_options(synchronize_session=False))
            db.commit()
            n_images += len(ids)
    return PurgeResult(n_transcripts, n_images, n_closed)


def _purge_replies(db: Session, transcript_ids: list[str]) -> None:
    """Replies go with their transcript: the way back to the patient, the texts, unsent jobs."""
    db.execute(
        delete(ReplyRoute)
        .where(ReplyRoute.transcript_id.in_(transcript_ids))
        .execution_options(synchronize_session=False)
    )
    of_batch = select(Reply.id).where(Reply.transcript_id.in_(transcript_ids))
    db.execute(
        update(ReplyJob)
        .where(ReplyJob.reply_id.in_(of_batch), ReplyJob.status.in_(DUE_STATES))
        .values(status=DEAD, claimed_by=None, last_error=PURGED_ERROR)
        .execution_options(synchronize_session=False)
    )
    db.execute(
        update(Reply)
        .where(Reply.transcript_id.in_(transcript_ids))
        .values(body_enc=b"")
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class RotateResult:
    transcripts: int
    images: int
    hospitals: int


def rotate_keys(sessions: sessionmaker, box: DataBox) -> RotateResult:
    """Re-seal every sealed column with the current data key (the box must also hold the old keys)."""
    counts = {}
    for model, column in (
        (TranscriptRow, TranscriptRow.body_enc),
        (Image, Image.data_enc),
        (Hospital, Hospital.credentials_enc),
        (Reply, Reply.body_enc),
        (ReplyRoute, ReplyRoute.sender_enc),
    ):
        key = model.__mapper__.primary_key[0]  # reply_routes is keyed by conversation_id
        done, after = 0, ""
        while True:
            with sessions() as db:
                q = select(key, column).where(key > after).order_by(key).limit(BATCH)
                rows = db.execute(q).all()
                if not rows:
                    break
                for row_id, token in rows:
                    if token:  # purged transcripts have nothing left to re-seal
                        db.execute(
                            update(model)
                            .where(key == row_id)
                            .values({column.key: box.rotate(token)})
                            .execution_options(synchronize_session=False)
                        )
                        done += 1
                db.commit()
                after = rows[-1][0]
        counts[model.__tablename__] = done
    return RotateResult(counts["transcripts"], counts["images"], counts["hospitals"])
