"""Database plumbing of the hub and the inbox: engines for SQLite (demo) and PostgreSQL (production).

The same models and queries run on both. SQLite gets WAL (readers do not block the writer, so the
web handlers and the in-process delivery worker coexist) and a busy timeout; PostgreSQL can be
confined to one schema (``pg_schema``) so tests and several deployments share a database safely.
The hub's migrations are in :mod:`hub.db`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import InternalError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.types import TypeDecorator

from qaid.api_errors import ApiError

_log = logging.getLogger("qaid.db")


# A database that cannot take a write right now: full disk ("database or disk is full"), read-only
# file or PostgreSQL in read-only mode (InternalError 25006), connection lost (OperationalError).
STORAGE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InternalError)
STORAGE_RETRY_AFTER_S = 30


def storage_unavailable(exc: Exception) -> ApiError:
    """The client's answer when the database refused a read or write: 503, nothing acknowledged.

    Every write commits before its route answers, so a client that gets this keeps its data and
    sends it again later (the bot and the hub's delivery worker do). The cause goes to the log, not
    to the client: it may name files and hosts.
    """
    _log.error("storage unavailable: %s", type(exc).__name__, exc_info=exc)
    return ApiError(
        503,
        "storage_unavailable",
        "The service cannot store data right now (its database is full, read-only or unreachable); "
        "nothing was stored. Please try again later.",
        {"Retry-After": str(STORAGE_RETRY_AFTER_S)},
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores none; we store naive UTC there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, *, pg_schema: str | None = None) -> Engine:
    """An engine for ``url``; ``pg_schema`` puts every table (and alembic_version) in that schema."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    connect_args: dict[str, Any] = {}
    if pg_schema:
        if not pg_schema.replace("_", "").isalnum():
            raise ValueError(f"unsafe schema name {pg_schema!r}")
        connect_args["options"] = f"-csearch_path={pg_schema}"
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True)


def session_factory(engine: Engine) -> sessionmaker:
    # expire_on_commit=False: handlers return attributes after commit without a second round trip.
    return sessionmaker(engine, expire_on_commit=False)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
