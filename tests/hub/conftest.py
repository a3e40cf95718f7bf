"""Fixtures for the transcripts tests: settings, a migrated hub database on SQLite and on
PostgreSQL (a fresh schema per test, dropped afterwards), and the hub app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from tr_helpers import PG_URL, make_settings
from utils.services import require_server

from hub.app import create_app
from hub.db import migrate
from qaid.config import Settings
from qaid.db import make_engine


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated hub database; the same tests run on both backends."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
        migrate(eng)
        yield eng
        eng.dispose()
        return
    require_server("PostgreSQL", "127.0.0.1", 5432)
    schema = f"qaid_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(PG_URL, pg_schema=schema)
    try:
        migrate(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def hub(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """The hub app (demo hospitals synced) without its in-process worker; tests drive workers."""
    with TestClient(create_app(settings, engine=engine, run_worker=False)) as client:
        yield client
