"""Hospital tokens: the per-hospital credential for joining and managing one's own registration
(hub.hospital_tokens), so a hospital never holds the hub's admin token.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qaid.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hospital_tokens",
        sa.Column("hospital_id", sa.String(64), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("hospital_tokens")
