"""The outbox's state machine: claiming due deliveries, recording outcomes, the retry schedule.

What an operator does with deliveries (list, detail, admin retry and replay) is :mod:`hub.deliveries`.

Claiming is a lease, not a held lock: a worker marks a due row as its own and pushes
``next_attempt_at`` past the HTTP timeout, commits, and only then sends. The marking is a
compare-and-set (``UPDATE .. WHERE status due AND next_attempt_at <= now``), so two workers can
never both win a row — on PostgreSQL the candidate SELECT additionally uses ``FOR UPDATE SKIP
LOCKED`` so concurrent workers pick disjoint rows instead of colliding; on SQLite the write lock
serialises them. If a worker dies mid-send, the lease expires and the row is retried: delivery is
at-least-once, and receivers deduplicate by the stable ``webhook-id``. Recording is fenced by
``claimed_by`` so a worker whose lease expired cannot overwrite the newer claimant's result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, insert, literal, select, update
from sqlalchemy.orm import sessionmaker

from hub.crypto import DataBox
from hub.models import (
    DEAD,
    DELIVERED,
    DISABLED,
    DUE_STATES,
    FAILED,
    Delivery,
    DeliveryAttempt,
    Hospital,
    TranscriptRow,
)
from qaid.db import utcnow
from qaid.retry import RetryPolicy

__all__ = [
    "PURGED_ERROR",
    "Job",
    "Outcome",
    "RetryPolicy",
    "claim",
    "record",
    "record_many",
    "release_dead_leases",
]

PURGED_ERROR = "transcript purged by retention before it could be delivered"


@dataclass(frozen=True)
class Job:
    """One claimed delivery, with everything needed to send it outside a transaction."""

    delivery_id: str
    transcript_id: str
    hospital_id: str
    attempt: int
    url: str
    secrets: list[str]
    transcript_body: bytes
    event_time: datetime
    url_from_hospital: bool = False  # registered by the hospital itself: public addresses only


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    started_at: datetime
    duration_ms: int


_CLAIM_TRIES = 5


def claim(sessions: sessionmaker, box: DataBox, worker_id: str, policy: RetryPolicy, limit: int) -> list[Job]:
    """Lease up to ``limit`` due deliveries to ``worker_id`` and load what sending them needs.

    One compare-and-set UPDATE (with RETURNING, so exactly the rows this worker won come back) and
    one joined SELECT per batch, whatever its size; each hospital's credentials are opened once.
    An empty list means nothing is due: a claimer that lost every row to another (SQLite has no SKIP
    LOCKED, so concurrent claimers see the same candidates) or whose batch was all parked looks again.
    """
    for _ in range(_CLAIM_TRIES):
        jobs = _claim_once(sessions, box, worker_id, policy, limit)
        if jobs is not None:
            return jobs
    return []


def _claim_once(
    sessions: sessionmaker, box: DataBox, worker_id: str, policy: RetryPolicy, limit: int
) -> list[Job] | None:
    """One claim round trip; None when due rows existed but none is this worker's to send."""
    with sessions() as db:
        now = utcnow()
        candidates = (
            select(Delivery.id)
            .where(Delivery.status.in_(DUE_STATES), Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
        )
        if db.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list(db.scalars(candidates).all())
        if not ids:
            db.commit()
            return []
        won = set(
            db.scalars(
                update(Delivery)
                .where(
                    Delivery.id.in_(ids),
                    Delivery.status.in_(DUE_STATES),
                    Delivery.next_attempt_at <= now,
                )
                .values(claimed_by=worker_id, next_attempt_at=now + timedelta(seconds=policy.lease_s))
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            ).all()
        )
        db.commit()
        if not won:
            return None

        rows = db.execute(
            select(Delivery, Hospital, TranscriptRow)
            .join(Hospital, Hospital.id == Delivery.hospital_id)
            .join(TranscriptRow, TranscriptRow.id == Delivery.transcript_id)
            .where(Delivery.id.in_(won))
            .order_by(Delivery.next_attempt_at, Delivery.id)
        ).all()
        secrets: dict[str, list[str]] = {}
        jobs, parked, purged = [], [], []
        for d, h, t in rows:
            if not h.webhook_enabled:
                parked.append(d.id)
                continue
            if t.purged_at is not None:
                purged.append(d.id)
                continue
            if h.id not in secrets:
                secrets[h.id] = list(box.open_json(h.credentials_enc).get("webhook_secrets", []))
            jobs.append(
                Job(
                    delivery_id=d.id,
                    transcript_id=t.id,
                    hospital_id=h.id,
                    attempt=d.attempts + 1,
                    url=h.webhook_url,
                    secrets=secrets[h.id],
                    transcript_body=box.open(t.body_enc),
                    event_time=t.received_at,
                    url_from_hospital=h.urls_from_hospital,
                )
            )
        fence = (Delivery.claimed_by == worker_id,)
        if parked:
            db.execute(
                update(Delivery)
                .where(Delivery.id.in_(parked), *fence)
                .values(status=DISABLED, claimed_by=None)
                .execution_options(synchronize_session=False)
            )
        if purged:  # the retention purge won the race: nothing is left to send
            db.execute(
                update(Delivery)
                .where(Delivery.id.in_(purged), *fence)
                .values(status=DEAD, claimed_by=None, last_error=PURGED_ERROR)
                .execution_options(synchronize_session=False)
            )
        db.commit()
        return jobs if jobs or not (parked or purged) else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def release_dead_leases(sessions: sessionmaker, hostname: str) -> int:
    """Make rows leased by crashed workers *of this host* due again now instead of at lease expiry.

    Worker ids are ``<host>-<pid>-<random>``; a lease whose host is this one and whose process no
    longer exists can never be recorded, so waiting out the lease only delays the delivery. Leases
    of other hosts, of live processes or of unparseable ids are left to expire. Releasing is safe
    either way: delivery is at-least-once and receivers deduplicate by webhook-id.
    """
    with sessions() as db:
        holders = db.scalars(select(Delivery.claimed_by).where(Delivery.claimed_by.is_not(None)).distinct())
        dead = []
        for holder in holders:
            parts = holder.rsplit("-", 2)
            if len(parts) == 3 and parts[0] == hostname and parts[1].isdigit():
                if not _pid_alive(int(parts[1])):
                    dead.append(holder)
        if not dead:
            return 0
        released = db.execute(
            update(Delivery)
            .where(Delivery.claimed_by.in_(dead), Delivery.status.in_(DUE_STATES))
            .values(claimed_by=None, next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        db.commit()
        return released


def _status_for(job: Job, outcome: Outcome, policy: RetryPolicy) -> str:
    code = outcome.status_code
    if code is not None and 200 <= code < 300:
        return DELIVERED
    if code == 410:
        return DISABLED
    if job.attempt >= policy.max_attempts:
        return DEAD
    return FAILED


def record(sessions: sessionmaker, job: Job, outcome: Outcome, worker_id: str, policy: RetryPolicy) -> str:
    """Apply one attempt's outcome and audit it; returns the delivery's new status."""
    return record_many(sessions, [(job, outcome)], worker_id, policy)[0]


def _per_row(column: Any, by_id: dict[str, Any]) -> Any:
    """``CASE id WHEN .. THEN ..`` for the rows in ``by_id``; other rows keep their value."""
    whens = {k: literal(v, column.type) for k, v in by_id.items()}
    return case(whens, value=Delivery.id, else_=column)


def record_many(
    sessions: sessionmaker, results: list[tuple[Job, Outcome]], worker_id: str, policy: RetryPolicy
) -> list[str]:
    """Apply a batch of outcomes and audit them in one transaction; the new status of each.

    One fenced UPDATE for the whole batch (per-row values by CASE, RETURNING the rows this worker
    still held) and one multi-row INSERT of the attempts: two statements per batch, not two per
    delivery. A row whose lease was lost is left alone and audited as ``lease_lost``.
    """
    if not results:
        return []
    now = utcnow()
    statuses = [_status_for(job, outcome, policy) for job, outcome in results]
    by_status = {job.delivery_id: status for (job, _), status in zip(results, statuses, strict=True)}
    values: dict[Any, Any] = {
        Delivery.status: _per_row(Delivery.status, by_status),
        Delivery.attempts: _per_row(Delivery.attempts, {j.delivery_id: j.attempt for j, _ in results}),
        Delivery.last_status_code: _per_row(
            Delivery.last_status_code, {j.delivery_id: o.status_code for j, o in results}
        ),
        Delivery.last_error: _per_row(Delivery.last_error, {j.delivery_id: o.error for j, o in results}),
        Delivery.claimed_by: None,
    }
    delivered = {i: now for i, st in by_status.items() if st == DELIVERED}
    if delivered:
        values[Delivery.delivered_at] = _per_row(Delivery.delivered_at, delivered)
    retry_at = {
        j.delivery_id: now + timedelta(seconds=policy.delay_after(j.attempt))
        for j, _ in results
        if by_status[j.delivery_id] == FAILED
    }
    if retry_at:
        values[Delivery.next_attempt_at] = _per_row(Delivery.next_attempt_at, retry_at)
    with sessions() as db:
        won = set(
            db.scalars(
                update(Delivery)
                .where(Delivery.id.in_(list(by_status)), Delivery.claimed_by == worker_id)
                .values(values)
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            ).all()
        )
        db.execute(
            insert(DeliveryAttempt),
            [
                {
                    "delivery_id": job.delivery_id,
                    "attempt": job.attempt,
                    "worker": worker_id,
                    "started_at": outcome.started_at,
                    "duration_ms": outcome.duration_ms,
                    "status_code": outcome.status_code,
                    "outcome": status if job.delivery_id in won else "lease_lost",
                    "error": outcome.error,
                }
                for (job, outcome), status in zip(results, statuses, strict=True)
            ],
        )
        for hospital_id in sorted(
            {
                j.hospital_id
                for j, _ in results
                if by_status[j.delivery_id] == DISABLED and j.delivery_id in won
            }
        ):
            # 410 Gone: the receiver asked us to stop. Disable the endpoint and park its queue.
            db.execute(update(Hospital).where(Hospital.id == hospital_id).values(webhook_enabled=False))
            db.execute(
                update(Delivery)
                .where(Delivery.hospital_id == hospital_id, Delivery.status.in_(DUE_STATES))
                .values(status=DISABLED, claimed_by=None, last_error="endpoint disabled after 410 Gone")
                .execution_options(synchronize_session=False)
            )
        db.commit()
    return statuses
