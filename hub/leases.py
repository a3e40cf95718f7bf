"""Leases in the hub's database: a job that one process of many may run at a time, for a while.

A lease is a row (``name``, ``holder``, ``expires_at``). :func:`take` is one compare-and-set
``UPDATE leases SET holder = me, expires_at = until WHERE name = ? AND expires_at <= now RETURNING``
(or the INSERT of a lease never taken, whose primary key lets one inserter win): on SQLite the write
lock serialises takers, on PostgreSQL a second UPDATE of the row waits for the first to commit and
re-evaluates its WHERE against the new expiry, so exactly one taker wins on both. Nothing is
released on a crash: a holder that dies simply stops renewing, its lease expires and the next taker
wins it.

Times are the callers' clocks (as the outbox's claim leases are): hosts that share a database are
expected to keep their clocks in sync (NTP); a skewed clock takes a lease early or late, never twice
at once on the same clock.

Used for the offers refresh (one refresh per period across every delivery worker: hub.worker) and
the test event a hospital sends itself (one per hospital per period across every hub process:
hub.routes.hospitals).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.models import Lease
from qaid.db import utcnow

__all__ = ["held", "release", "renew", "take"]


def take(db: Session, name: str, holder: str, until: datetime) -> bool:
    """Take lease ``name`` for ``holder`` until ``until`` if nobody holds it now; whether it was taken.
    Commits (the lease must be visible to other processes before the work it guards starts)."""
    now = utcnow()
    won = db.scalars(
        update(Lease)
        .where(Lease.name == name, Lease.expires_at <= now)
        .values(holder=holder, expires_at=until)
        .returning(Lease.name)
        .execution_options(synchronize_session=False)
    ).first()
    if won is not None:
        db.commit()
        return True
    if db.scalar(select(Lease.name).where(Lease.name == name)) is not None:
        db.commit()
        return False  # held by someone, unexpired
    db.add(Lease(name=name, holder=holder, expires_at=until))
    try:
        db.commit()
    except IntegrityError:  # another process inserted it first: theirs
        db.rollback()
        return False
    return True


def renew(db: Session, name: str, holder: str, until: datetime) -> bool:
    """Move ``holder``'s lease to expire at ``until``; False (nothing changed) if it is no longer
    theirs (it expired and someone else took it). Commits."""
    mine = db.scalars(
        update(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .values(expires_at=until)
        .returning(Lease.name)
        .execution_options(synchronize_session=False)
    ).first()
    db.commit()
    return mine is not None


def held(db: Session, name: str) -> tuple[str, datetime] | None:
    """Who holds lease ``name`` and until when (possibly already expired); None if never taken."""
    row = db.execute(select(Lease.holder, Lease.expires_at).where(Lease.name == name)).first()
    return None if row is None else (row[0], row[1])


def release(db: Session, name: str) -> None:
    """Forget lease ``name`` (whoever holds it); the caller commits."""
    db.execute(delete(Lease).where(Lease.name == name))
