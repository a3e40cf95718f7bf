"""The replies' outbox: notices to the bot (``reply.available``) and answers to hospitals
(``reply.answered``), leased, sent and recorded like transcript deliveries (:mod:`hub.outbox`).

The same lease discipline: a compare-and-set UPDATE marks due rows as one worker's and pushes
``next_attempt_at`` past the send timeout; recording is fenced by ``claimed_by``; delivery is
at-least-once and receivers deduplicate by the fixed ``webhook-id`` (the job id). The same
:class:`qaid.retry.RetryPolicy`; a 410 from a hospital parks the job like a delivery's.
Replies are few, so each job is recorded on its own rather than in batches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hub import replies
from hub.crypto import DataBox
from hub.models import DEAD, DELIVERED, DISABLED, DUE_STATES, FAILED, TO_BOT, Hospital, Reply, ReplyJob
from hub.reply_schemas import AnswerData, AnswerEvent, ReplyNotice, ReplyNoticeEvent
from qaid.db import utcnow
from qaid.retry import RetryPolicy
from qaid_contracts.replies import REPLY_ANSWERED, REPLY_AVAILABLE

__all__ = ["BOT_PATH", "ReplySend", "claim", "record"]

# The bot's hub channel (qaid_bot.channels.hub), under Rasa's /webhooks/<channel>/webhook.
BOT_PATH = "/webhooks/hub/webhook"


@dataclass(frozen=True)
class ReplySend:
    """One claimed job with its request built: where, what (exact bytes) and with which secrets."""

    job_id: str
    target: str
    attempt: int
    url: str
    secrets: list[str]
    body: bytes
    # the hospital registered the URL with its own token: call only public addresses (hub.egress)
    url_from_hospital: bool = False


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def _compact(model: ReplyNoticeEvent | AnswerEvent) -> bytes:
    return json.dumps(model.model_dump(mode="json"), separators=(",", ":"), ensure_ascii=False).encode()


def _build(
    db: Session, box: DataBox, job: ReplyJob, reply: Reply, bot_url: str, bot_secret: str
) -> ReplySend | None:
    """The request of ``job``; None when it can never be sent (no route, a hospital gone)."""
    if job.target == TO_BOT:
        sender = replies.sender_of(db, box, reply.conversation_id)
        if sender is None or not bot_url or not bot_secret:
            return None
        notice = ReplyNoticeEvent(type=REPLY_AVAILABLE, timestamp=_stamp(reply.created_at),
                                  data=ReplyNotice(reply_id=reply.id, sender=sender))  # fmt: skip
        return ReplySend(job.id, job.target, job.attempts + 1, bot_url.rstrip("/") + BOT_PATH, [bot_secret],
                         _compact(notice))  # fmt: skip
    hospital = db.get(Hospital, reply.hospital_id)
    if hospital is None or not hospital.webhook_enabled or reply.answer is None or reply.answered_at is None:
        return None
    event = AnswerEvent(
        type=REPLY_ANSWERED,
        timestamp=_stamp(reply.answered_at),
        data=AnswerData(
            reply_id=reply.id,
            reply_webhook_id=reply.webhook_id,
            conversation_id=reply.conversation_id,
            answer=reply.answer,  # type: ignore[arg-type]
            answered_at=_stamp(reply.answered_at),
        ),  # fmt: skip
    )
    secrets = list(box.open_json(hospital.credentials_enc).get("webhook_secrets", []))
    return ReplySend(job.id, job.target, job.attempts + 1, hospital.webhook_url, secrets, _compact(event),
                     bool(hospital.urls_from_hospital))  # fmt: skip


def claim(
    sessions: sessionmaker, box: DataBox, worker_id: str, policy: RetryPolicy, limit: int,
    bot_url: str, bot_secret: str,
) -> list[ReplySend]:  # fmt: skip
    """Lease up to ``limit`` due jobs to ``worker_id``; jobs that can never be sent are marked dead."""
    with sessions() as db:
        now = utcnow()
        candidates = (
            select(ReplyJob.id)
            .where(ReplyJob.status.in_(DUE_STATES), ReplyJob.next_attempt_at <= now)
            .order_by(ReplyJob.next_attempt_at)
            .limit(limit)
        )
        if db.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list(db.scalars(candidates))
        if not ids:
            db.commit()
            return []
        won = list(
            db.scalars(
                update(ReplyJob)
                .where(ReplyJob.id.in_(ids), ReplyJob.status.in_(DUE_STATES), ReplyJob.next_attempt_at <= now)
                .values(claimed_by=worker_id, next_attempt_at=now + timedelta(seconds=policy.lease_s))
                .returning(ReplyJob.id)
                .execution_options(synchronize_session=False)
            )
        )
        db.commit()
        sends = []
        for job in db.scalars(select(ReplyJob).where(ReplyJob.id.in_(won))):
            reply = db.get(Reply, job.reply_id)
            built = None if reply is None else _build(db, box, job, reply, bot_url, bot_secret)
            if built is None:
                job.status, job.claimed_by = DEAD, None
                job.last_error = "nowhere to send it (no route back, no bot address, or the hospital is gone)"
            else:
                sends.append(built)
        db.commit()
        return sends


def record(
    sessions: sessionmaker, send: ReplySend, status_code: int | None, error: str | None,
    worker_id: str, policy: RetryPolicy,
) -> str:  # fmt: skip
    """Apply one attempt's outcome (fenced by the lease); the job's new status."""
    if status_code is not None and 200 <= status_code < 300:
        status = DELIVERED
    elif status_code == 410:
        status = DISABLED
    elif send.attempt >= policy.max_attempts:
        status = DEAD
    else:
        status = FAILED
    now = utcnow()
    values: dict[str, object] = {"status": status, "attempts": send.attempt, "claimed_by": None,
                                 "last_status_code": status_code, "last_error": error}  # fmt: skip
    if status == DELIVERED:
        values["delivered_at"] = now
    if status == FAILED:
        values["next_attempt_at"] = now + timedelta(seconds=policy.delay_after(send.attempt))
    with sessions() as db:
        done = db.execute(
            update(ReplyJob)
            .where(ReplyJob.id == send.job_id, ReplyJob.claimed_by == worker_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.commit()
    return status if done else "lease_lost"
