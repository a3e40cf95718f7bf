"""Hub tables. Health data and credentials are stored sealed (see hub.crypto).

``deliveries`` is the transactional outbox: a row is written in the same transaction as the
transcript it announces, so a stored transcript is never left without its deliveries (and vice
versa). The delivery's id is the Standard Webhooks ``webhook-id``: it never changes across
retries, which is what lets receivers deduplicate. ``delivery_attempts`` is the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from qaid.db import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


# Delivery states. pending: due now or never tried; failed: last try failed, retry scheduled;
# delivered: a 2xx was received; dead: retries exhausted; disabled: the endpoint answered 410 (or
# was disabled by an admin) and nothing is sent to it until re-enabled.
PENDING, FAILED, DELIVERED, DEAD, DISABLED = "pending", "failed", "delivered", "dead", "disabled"
DELIVERY_STATES = (PENDING, FAILED, DELIVERED, DEAD, DISABLED)
DUE_STATES = (PENDING, FAILED)


class Hospital(Base):
    __tablename__ = "hospitals"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    hip_url: Mapped[str] = mapped_column(String(500))
    webhook_url: Mapped[str] = mapped_column(String(500))
    webhook_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Sealed JSON {"hip_token": str, "webhook_secrets": [str, ...]} (newest secret first).
    credentials_enc: Mapped[bytes] = mapped_column(LargeBinary)
    contact: Mapped[str] = mapped_column(String(500), default="")
    offers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The last join check (hub.join): why the hospital is inactive if a check failed, when the checks
    # last passed, and what the HIP reported then ({"bundle_version", "models": [{name, task, sha256}]}).
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    capabilities: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Whether the hospital registered its URLs itself (its own token) rather than the operator: the
    # hub then calls them at checked public addresses only (hub.egress), unless the operator allows
    # private ones (QAID_JOIN_ALLOW_PRIVATE).
    urls_from_hospital: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class HospitalToken(Base):
    """The credential the operator gives one hospital (hub.hospital_tokens): it may join, re-check,
    read and delete that hospital's registration and nothing else. Only its SHA-256 is stored; one
    per hospital id (issuing a new one revokes the old). It exists before the registration does,
    so it is keyed by the id, not a foreign key."""

    __tablename__ = "hospital_tokens"

    hospital_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Lease(Base):
    """A job that one process of many may run at a time (hub.leases): who holds it, until when. Taken
    by compare-and-set on ``expires_at``, so a holder that crashed loses it when it expires."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Image(Base):
    __tablename__ = "images"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TranscriptRow(Base):
    __tablename__ = "transcripts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), unique=True)
    schema_version: Mapped[int] = mapped_column(Integer)
    urgency: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body_sha256: Mapped[str] = mapped_column(String(64))
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    # Set by the retention purge, which empties the row down to ids, times and statuses (a tombstone
    # the delivery audit trail still points at); body_enc is then empty.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("transcript_id", "hospital_id", name="uq_delivery_transcript_hospital"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    transcript_id: Mapped[str] = mapped_column(ForeignKey("transcripts.id"), index=True)
    hospital_id: Mapped[str] = mapped_column(ForeignKey("hospitals.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Lease: the worker that claimed the row; next_attempt_at doubles as the lease's expiry.
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReplyRoute(Base):
    """The way back to a conversation: the chat's sender id, which the bot gives at transcript intake
    (verified against the conversation id) and the hub keeps sealed. It is the patient's credential,
    so it never leaves the hub except in a signed notice to the bot itself (hub.reply_outbox)."""

    __tablename__ = "reply_routes"

    conversation_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    transcript_id: Mapped[str] = mapped_column(ForeignKey("transcripts.id"), index=True)
    sender_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reply(Base):
    """A doctor's message or appointment for one conversation, from the hospital it was delivered to.

    ``webhook_id`` is the id the hospital's inbox sent it under: a resend is recognised by it.
    ``body_enc`` seals {"text", "appointment", "doctor"}. ``hospital_id`` is not a foreign key: a
    hospital that leaves the network does not take the patient's copy of its reply with it."""

    __tablename__ = "replies"
    __table_args__ = (UniqueConstraint("hospital_id", "webhook_id", name="uq_reply_hospital_webhook"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hospital_id: Mapped[str] = mapped_column(String(64), index=True)
    webhook_id: Mapped[str] = mapped_column(String(128))
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    transcript_id: Mapped[str] = mapped_column(ForeignKey("transcripts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(String(16), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# Where a reply job goes: the bot (reply.available) or the hospital (reply.answered).
TO_BOT, TO_HOSPITAL = "bot", "hospital"


class ReplyJob(Base):
    """The replies' outbox, with the deliveries' states and lease (hub.reply_outbox). The id is the
    Standard Webhooks ``webhook-id`` of what is sent, fixed across retries."""

    __tablename__ = "reply_jobs"
    __table_args__ = (Index("ix_reply_jobs_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reply_id: Mapped[str] = mapped_column(ForeignKey("replies.id"), index=True)
    target: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
