"""Shared fixtures: one real tiny bundle per session, and app/client factories over it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hip_helpers import AUTH, TOKEN
from hip_tiny_bundle import build_bundle

from hip_service.app import create_app
from hip_service.config import HipConfig


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bundle")
    build_bundle(directory)
    return directory


@pytest.fixture
def bundle_copy(bundle_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the session bundle that a test may break or replace."""
    target = tmp_path / "bundle"
    shutil.copytree(bundle_dir, target)
    return target


@pytest.fixture
def make_client(bundle_dir: Path) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def factory(directory: Path | None = None, **overrides: object) -> TestClient:
        config = HipConfig(bundle_dir=directory or bundle_dir, token=TOKEN, **overrides)  # type: ignore[arg-type]
        client = TestClient(create_app(config), headers=AUTH)
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()
