"""Alembic environment for the hub database.

``hub.db.migrate`` passes its own connection (so PostgreSQL schema confinement and the
migration lock apply); the ``alembic`` CLI (``alembic -c hub/alembic.ini upgrade head``)
falls back to the configured ``hub_db_url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from hub.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from qaid.config import operator_settings
    from qaid.db import make_engine

    engine = make_engine(operator_settings().hub_db_url())
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
