"""Fixtures for joining: the tiny real bundle of the joining hospital (kit_helpers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kit_helpers import make_bundle


@pytest.fixture(scope="session")
def session_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bundle(tmp_path_factory.mktemp("floreasca-bundle"))


@pytest.fixture
def bundle(session_bundle: Path, tmp_path: Path) -> Path:
    """A private copy a test may hot-swap."""
    return Path(shutil.copytree(session_bundle, tmp_path / "bundle"))
