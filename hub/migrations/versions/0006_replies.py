"""Replies: the way back to a conversation (reply_routes), doctors' replies and the replies' outbox
(hub.replies, hub.reply_outbox).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qaid.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_routes",
        sa.Column("conversation_id", sa.String(128), primary_key=True),
        sa.Column(
            "transcript_id", sa.String(64), sa.ForeignKey("transcripts.id"), nullable=False, index=True
        ),
        sa.Column("sender_enc", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "replies",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("hospital_id", sa.String(64), nullable=False, index=True),
        sa.Column("webhook_id", sa.String(128), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False, index=True),
        sa.Column(
            "transcript_id", sa.String(64), sa.ForeignKey("transcripts.id"), nullable=False, index=True
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body_enc", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("answer", sa.String(16), nullable=True),
        sa.Column("answered_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("hospital_id", "webhook_id", name="uq_reply_hospital_webhook"),
    )
    op.create_table(
        "reply_jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("reply_id", sa.String(64), sa.ForeignKey("replies.id"), nullable=False, index=True),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_status_code", sa.Integer, nullable=True),
        sa.Column("delivered_at", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_reply_jobs_due", "reply_jobs", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_reply_jobs_due", table_name="reply_jobs")
    op.drop_table("reply_jobs")
    op.drop_table("replies")
    op.drop_table("reply_routes")
