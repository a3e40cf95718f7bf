"""The real servers some tests need (PostgreSQL, Redis, a trained Rasa model, pg_dump).

Outside CI a missing one skips the test and says why, so a developer without PostgreSQL can still
run the rest. Under CI (``CI`` set) it fails instead: the production configuration must be tested
for real on every landing, and a green run must never hide that it was not.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest


def missing(reason: str) -> None:
    """Skip (developer machine) or fail (CI) because something the test needs is not there."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{reason} (CI runs these tests for real; .ci/run starts the local servers)")
    pytest.skip(reason)


def reachable(host: str, port: int | str, timeout_s: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            return True
    except OSError:
        return False


def require_server(what: str, host: str, port: int | str) -> None:
    if not reachable(host, port):
        missing(f"{what} is not reachable at {host}:{port}")


def require_file(what: str, path: Path | str | None) -> None:
    if not path or not Path(path).exists():
        missing(f"{what} is missing ({path})")
