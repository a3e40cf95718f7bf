"""The workbench's state of each received transcript: status, who claimed it, doctors' notes.

A case starts ``new`` (no row yet); a doctor claims it (``in_review``), records that the patient was
``contacted``, then ``closed`` it. Moves go one step forward, or back to review (a closed case
re-opened, a contact that failed). The transcript itself is never changed: it is the signed record.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, insert, select, update

from qaid.db import UTCDateTime, utcnow

Status = Literal["new", "in_review", "contacted", "closed"]
STATUSES: tuple[Status, ...] = get_args(Status)
STATUS_WORDS: dict[str, str] = {
    "new": "new",
    "in_review": "in review",
    "contacted": "patient contacted",
    "closed": "closed",
}
TRANSITIONS: dict[str, tuple[Status, ...]] = {
    "new": ("in_review",),
    "in_review": ("contacted", "closed"),
    "contacted": ("closed", "in_review"),
    "closed": ("in_review",),
}

metadata = MetaData()

case_state = Table(
    "case_state",
    metadata,
    Column("webhook_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("claimed_by", String(64), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

notes = Table(
    "case_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webhook_id", String(64), nullable=False, index=True),
    Column("author", String(64), nullable=False),
    Column("author_name", String(128), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("text", Text, nullable=False),
)


class CaseConflict(ValueError):
    """The requested move is not allowed from the case's current status."""


class Cases:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine)

    def states(self) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            return {r.webhook_id: {"status": r.status, "claimed_by": r.claimed_by}
                    for r in conn.execute(select(case_state))}  # fmt: skip

    def state(self, webhook_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            r = conn.execute(select(case_state).where(case_state.c.webhook_id == webhook_id)).first()
        return (
            {"status": r.status, "claimed_by": r.claimed_by} if r else {"status": "new", "claimed_by": None}
        )

    def _write(self, webhook_id: str, status: str, claimed_by: str | None) -> None:
        values = {"status": status, "claimed_by": claimed_by, "updated_at": utcnow()}
        with self.engine.begin() as conn:
            done = conn.execute(
                update(case_state).where(case_state.c.webhook_id == webhook_id).values(**values)
            )
            if done.rowcount == 0:
                conn.execute(insert(case_state).values(webhook_id=webhook_id, **values))

    def claim(self, webhook_id: str, username: str) -> dict[str, Any]:
        """``username`` takes the case (from whoever had it); a new case moves to review."""
        current = self.state(webhook_id)
        status = "in_review" if current["status"] == "new" else current["status"]
        self._write(webhook_id, status, username)
        return {"status": status, "claimed_by": username, "previous": current}

    def move(self, webhook_id: str, to: str, username: str) -> dict[str, Any]:
        current = self.state(webhook_id)
        if to not in STATUSES:
            raise CaseConflict(f"unknown status {to!r}: one of {', '.join(STATUSES)}")
        if to not in TRANSITIONS[current["status"]]:
            raise CaseConflict(
                f"a case that is {STATUS_WORDS[current['status']]} cannot become {STATUS_WORDS[to]}"
            )
        # Moving a case on makes you its doctor when nobody had claimed it.
        self._write(webhook_id, to, current["claimed_by"] or username)
        return {"status": to, "previous": current}

    def add_note(self, webhook_id: str, username: str, display_name: str, text: str) -> None:
        row = {"webhook_id": webhook_id, "author": username, "author_name": display_name,
               "at": utcnow(), "text": text}  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(insert(notes).values(**row))

    def notes(self, webhook_id: str) -> list[dict[str, Any]]:
        q = select(notes).where(notes.c.webhook_id == webhook_id).order_by(notes.c.id)
        with self.engine.connect() as conn:
            return [{"author": r.author, "author_name": r.author_name, "at": r.at.isoformat(), "text": r.text}
                    for r in conn.execute(q)]  # fmt: skip
