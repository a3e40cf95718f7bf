"""The hospital inbox's own storage: one SQLite file per hospital, received transcripts by webhook-id.

The primary key is the Standard Webhooks ``webhook-id``, so a redelivery (the hub retried because
our 2xx got lost, or a replayed request) is recognised and not stored or shown twice. The inbox is
a small, single-table demo store, so it creates its table directly instead of using migrations.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, MetaData, String, Table, Text, case, insert, select
from sqlalchemy.exc import IntegrityError

from qaid.db import UTCDateTime, make_engine, utcnow

metadata = MetaData()

received = Table(
    "received_transcripts",
    metadata,
    Column("webhook_id", String(64), primary_key=True),
    Column("conversation_id", String(128), nullable=False, index=True),
    Column("urgency", String(16), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("event_timestamp", String(64), nullable=False),
    Column("body", Text, nullable=False),
)

# Links that came with a delivery (image capability URLs on the hub), beside the transcript: a
# separate table so inbox databases created before it existed keep working (create_all adds it).
links = Table(
    "received_links",
    metadata,
    Column("webhook_id", String(64), primary_key=True),
    Column("body", Text, nullable=False),
)

# The signed original as received: the hospital's evidence of what the hub sent, verifiable later
# with the standardwebhooks library and the hospital's secret (a separate table, so inbox files
# created before it gain it through create_all).
signed_originals = Table(
    "signed_originals",
    metadata,
    Column("webhook_id", String(64), primary_key=True),
    Column("body_b64", Text, nullable=False),
    Column("headers", Text, nullable=False),
)


def _image_links(event: dict[str, Any]) -> dict[str, str]:
    found = (event.get("links") or {}).get("images") or {}
    if not isinstance(found, dict):
        return {}
    return {
        str(k): v for k, v in found.items() if isinstance(v, str) and v.startswith(("http://", "https://"))
    }


class InboxStore:
    def __init__(self, path: Path):
        self.engine: Engine = make_engine(f"sqlite:///{path}")
        metadata.create_all(self.engine)

    def add(
        self,
        webhook_id: str,
        event: dict[str, Any],
        raw_body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> bool:
        """Store a verified event (and its signed original); False if this webhook-id was already received."""
        data = event["data"]
        row = {
            "webhook_id": webhook_id,
            "conversation_id": data["conversation_id"],
            "urgency": data["urgency"],
            "received_at": utcnow(),
            "event_type": event["type"],
            "event_timestamp": str(event.get("timestamp", "")),
            "body": json.dumps(data),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(received).values(**row))
                image_links = _image_links(event)
                if image_links:
                    body = json.dumps({"images": image_links})
                    conn.execute(insert(links).values(webhook_id=webhook_id, body=body))
                if raw_body:
                    original = {
                        "webhook_id": webhook_id,
                        "body_b64": base64.b64encode(raw_body).decode(),
                        "headers": json.dumps(headers or {}),
                    }
                    conn.execute(insert(signed_originals).values(**original))
        except IntegrityError:
            return False
        return True

    def seen(self, webhook_id: str) -> bool:
        with self.engine.connect() as conn:
            q = select(received.c.webhook_id).where(received.c.webhook_id == webhook_id)
            return conn.scalar(q) is not None

    def list(self) -> list[dict[str, Any]]:
        """Urgent first, then newest first."""
        urgent_first = case((received.c.urgency == "urgent", 0), else_=1)
        q = select(received).order_by(urgent_first, received.c.received_at.desc())
        with self.engine.connect() as conn:
            return [_entry(r._mapping) for r in conn.execute(q)]

    def get(self, webhook_id: str) -> dict[str, Any] | None:
        """One transcript with the links that came with it (``links``: {"images": {id: url}})."""
        with self.engine.connect() as conn:
            r = conn.execute(select(received).where(received.c.webhook_id == webhook_id)).first()
            extra = conn.scalar(select(links.c.body).where(links.c.webhook_id == webhook_id))
            signed = conn.execute(
                select(signed_originals).where(signed_originals.c.webhook_id == webhook_id)
            ).first()
        if r is None:
            return None
        entry = _entry(r._mapping) | {"links": json.loads(extra) if extra else {"images": {}}}
        if signed is not None:
            entry["signed_original"] = {"body_b64": signed.body_b64, "headers": json.loads(signed.headers)}
        return entry


def _entry(m: Any) -> dict[str, Any]:
    received_at: datetime = m["received_at"]
    return {
        "webhook_id": m["webhook_id"],
        "conversation_id": m["conversation_id"],
        "urgency": m["urgency"],
        "received_at": received_at.isoformat(),
        "event_type": m["event_type"],
        "event_timestamp": m["event_timestamp"],
        # Only signature-verified requests are ever stored; the flag is explicit for consumers.
        "verified": True,
        "transcript": json.loads(m["body"]),
    }
