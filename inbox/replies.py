"""Doctors' replies to the patient: stored in the inbox's own file, sent durably to the hub.

A reply is written in the same transaction as its outbox state (``status`` and the retry schedule in
the same row), so a reply the doctor saw accepted is never lost: :class:`ReplySender` posts it to the
hub (``reply.created``, Standard Webhooks signed with this hospital's webhook secrets, the hub's
``POST /api/v1/hospitals/{id}/replies``), retrying with :class:`qaid.retry.RetryPolicy` until the
hub takes it. The row's id is the ``webhook-id``: fixed across retries, so the hub keeps one copy.

An inbox is one process, so one sender task owns the queue (no leases). A 4xx other than 408 and 429
is the hub refusing this reply for good (the conversation was never delivered here, the patient
cannot be reached): it is marked ``refused`` with the hub's reason and shown on the case page.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, insert, select, update

from qaid import webhooks
from qaid.db import UTCDateTime, utcnow
from qaid.retry import RetryPolicy
from qaid_contracts import paths
from qaid_contracts.replies import REPLY_CREATED

__all__ = ["Replies", "ReplySender", "QUEUED", "SENT", "REFUSED", "DEAD"]

log = logging.getLogger("inbox.replies")
QUEUED, SENT, REFUSED, DEAD = "queued", "sent", "refused", "dead"
# Answers a retry can change: a timeout and "too many requests"; every other 4xx is final.
_RETRYABLE_4XX = frozenset({408, 429})

metadata = MetaData()

case_replies = Table(
    "case_replies",
    metadata,
    Column("id", String(64), primary_key=True),  # the webhook-id the hub receives it under
    Column("case_id", String(64), nullable=False, index=True),  # the transcript's webhook-id
    Column("conversation_id", String(128), nullable=False),
    Column("author", String(64), nullable=False),
    Column("author_name", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("appointment", Text, nullable=True),  # JSON {"at", "place", "bring", "time_zone"}
    Column("written_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("hub_reply_id", String(64), nullable=True),
    Column("answer", String(16), nullable=True),
    Column("answered_at", String(64), nullable=True),
)


class Replies:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine)

    def add(
        self, case_id: str, conversation_id: str, doctor: dict[str, Any], text: str,
        appointment: dict[str, str] | None,
    ) -> str:  # fmt: skip
        """Queue a reply for sending; its id (the webhook-id)."""
        reply_id, now = "msg_" + uuid.uuid4().hex, utcnow()
        row = {
            "id": reply_id, "case_id": case_id, "conversation_id": conversation_id,
            "author": doctor["username"], "author_name": doctor["display_name"],
            "kind": "appointment" if appointment else "message", "text": text,
            "appointment": json.dumps(appointment) if appointment else None, "written_at": now,
            "status": QUEUED, "attempts": 0, "next_attempt_at": now,
        }  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(insert(case_replies).values(**row))
        return reply_id

    def of_case(self, case_id: str) -> list[dict[str, Any]]:
        q = select(case_replies).where(case_replies.c.case_id == case_id).order_by(case_replies.c.written_at)
        with self.engine.connect() as conn:
            return [_view(r._mapping) for r in conn.execute(q)]

    def get(self, reply_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(case_replies).where(case_replies.c.id == reply_id)).first()
        return None if r is None else _view(r._mapping)

    def due(self, limit: int = 20) -> list[dict[str, Any]]:
        q = (
            select(case_replies)
            .where(case_replies.c.status == QUEUED, case_replies.c.next_attempt_at <= utcnow())
            .order_by(case_replies.c.next_attempt_at)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_view(r._mapping) for r in conn.execute(q)]

    def update(self, reply_id: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(case_replies).where(case_replies.c.id == reply_id).values(**values))

    def record_answer(self, reply_id: str, answer: str, answered_at: str) -> bool | None:
        """Note the patient's answer; True if new, False if already known, None for an unknown reply."""
        found = self.get(reply_id)
        if found is None:
            return None
        if found["answer"] == answer:
            return False
        self.update(reply_id, answer=answer, answered_at=answered_at)
        return True


def _view(m: Any) -> dict[str, Any]:
    return {
        "id": m["id"], "case_id": m["case_id"], "conversation_id": m["conversation_id"],
        "author": m["author"], "author_name": m["author_name"], "kind": m["kind"], "text": m["text"],
        "appointment": json.loads(m["appointment"]) if m["appointment"] else None,
        "written_at": m["written_at"].isoformat(), "status": m["status"], "attempts": m["attempts"],
        "last_error": m["last_error"], "hub_reply_id": m["hub_reply_id"], "answer": m["answer"],
        "answered_at": m["answered_at"],
    }  # fmt: skip


def event_body(reply: dict[str, Any], delivery_id: str) -> bytes:
    """The ``reply.created`` event (``qaid_contracts.replies.ReplyEvent``) for ``reply``."""
    event = {
        "type": REPLY_CREATED,
        "timestamp": datetime.fromisoformat(reply["written_at"]).astimezone(UTC).isoformat(),
        "data": {
            "conversation_id": reply["conversation_id"], "delivery_id": delivery_id, "kind": reply["kind"],
            "text": reply["text"], "appointment": reply["appointment"], "doctor": reply["author_name"],
        },
    }  # fmt: skip
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


class ReplySender:
    """Posts queued replies to the hub and records each outcome (an audit line per final outcome)."""

    def __init__(
        self, replies: Replies, hospital_id: str, hub_url: str, secrets: list[str],
        audit: Any, policy: RetryPolicy | None = None, timeout_s: float = 10.0,
    ) -> None:  # fmt: skip
        self.replies, self.hospital_id, self.secrets = replies, hospital_id, secrets
        self.url = hub_url.rstrip("/") + paths.hub_hospital_replies(hospital_id)
        self.audit = audit  # Accounts.log(actor, action, webhook_id, detail)
        self.policy = policy or RetryPolicy()
        self.timeout_s = timeout_s

    async def _send(self, client: httpx.AsyncClient, reply: dict[str, Any]) -> tuple[int | None, str]:
        body = event_body(reply, reply["case_id"])
        headers = webhooks.headers(reply["id"], self.secrets, body)
        headers["user-agent"] = "qaid-inbox/1"
        try:
            resp = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500]
        return resp.status_code, resp.text[:1000]

    def _record(self, reply: dict[str, Any], code: int | None, text: str) -> str:
        attempt = reply["attempts"] + 1
        if code is not None and 200 <= code < 300:
            hub_id = str(json.loads(text).get("id", "")) if text.startswith("{") else ""
            self.replies.update(
                reply["id"], status=SENT, attempts=attempt, last_error=None, hub_reply_id=hub_id
            )
            self.audit("hub", "reply_sent", reply["case_id"], f"reply {reply['id']} accepted by the hub")
            return SENT
        if code is not None and 400 <= code < 500 and code not in _RETRYABLE_4XX:
            reason = _hub_reason(text) or f"HTTP {code}"
            self.replies.update(reply["id"], status=REFUSED, attempts=attempt, last_error=reason)
            self.audit("hub", "reply_refused", reply["case_id"], reason)
            return REFUSED
        error = f"HTTP {code}" if code is not None else text
        if attempt >= self.policy.max_attempts:
            self.replies.update(reply["id"], status=DEAD, attempts=attempt, last_error=error)
            self.audit("hub", "reply_dead", reply["case_id"], f"gave up after {attempt} attempts: {error}")
            return DEAD
        retry_at = utcnow() + timedelta(seconds=self.policy.delay_after(attempt))
        self.replies.update(reply["id"], attempts=attempt, last_error=error, next_attempt_at=retry_at)
        return QUEUED

    async def run_once(self) -> int:
        """Send every due reply once; how many were attempted."""
        due = await asyncio.to_thread(self.replies.due)
        if not due:
            return 0
        async with httpx.AsyncClient(
            timeout=self.timeout_s, follow_redirects=False, trust_env=False
        ) as client:
            outcomes = await asyncio.gather(*(self._send(client, r) for r in due))
        for reply, (code, text) in zip(due, outcomes, strict=True):
            status = await asyncio.to_thread(self._record, reply, code, text)
            log.info("reply %s to the hub: %s", reply["id"], status)
        return len(due)

    async def run(self, stop: asyncio.Event, poll_s: float = 1.0) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("sending replies failed; trying again")
            try:
                await asyncio.wait_for(stop.wait(), timeout=poll_s)
            except TimeoutError:
                pass


def _hub_reason(text: str) -> str:
    try:
        error = json.loads(text).get("error") or {}
        return f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")
    except (ValueError, AttributeError):
        return ""
