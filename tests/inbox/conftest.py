"""Fixtures for the inbox tests: an inbox for the demo hospital titan on a temporary SQLite file,
with and without a doctor account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from inbox_helpers import PASSWORD, make_settings

from inbox.app import create_app
from qaid.config import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def open_inbox(settings: Settings) -> Iterator[TestClient]:
    """No doctor account and no token: the demo's plain webhook receiver."""
    with TestClient(create_app(settings, "titan")) as client:
        yield client


@pytest.fixture
def inbox(settings: Settings) -> Iterator[TestClient]:
    """An inbox with two doctors, ana and bogdan (not signed in)."""
    app = create_app(settings, "titan")
    app.state.workbench.accounts.add_doctor("ana", "Dr Ana Ionescu", PASSWORD)
    app.state.workbench.accounts.add_doctor("bogdan", "Dr Bogdan Radu", PASSWORD)
    with TestClient(app) as client:
        yield client
