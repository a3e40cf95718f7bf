"""Leases (one offers refresh per period across all delivery workers, one test event per hospital per
period across all hub processes) and whose URLs a registration holds (hospitals.urls_from_hospital:
the hub calls a hospital's own URLs at checked public addresses only, hub.egress).

Existing registrations of an id that has a hospital token are taken as the hospital's own (it may
have joined with it); the operator's others stay trusted as registered.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qaid.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    with op.batch_alter_table("hospitals") as batch:
        batch.add_column(
            sa.Column("urls_from_hospital", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE hospitals SET urls_from_hospital = TRUE WHERE id IN (SELECT hospital_id FROM hospital_tokens)"
    )


def downgrade() -> None:
    with op.batch_alter_table("hospitals") as batch:
        batch.drop_column("urls_from_hospital")
    op.drop_table("leases")
