"""Joining: what the last join check found (hospitals.status_reason, verified_at) and what the HIP
said it serves then (hospitals.capabilities: bundle version and model hashes).

Revision ID: 0003
Revises: 0002
Create Date: 2026-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qaid.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hospitals") as batch:
        batch.add_column(sa.Column("status_reason", sa.Text, nullable=True))
        batch.add_column(sa.Column("verified_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("capabilities", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hospitals") as batch:
        batch.drop_column("capabilities")
        batch.drop_column("verified_at")
        batch.drop_column("status_reason")
