"""The real demo network, started on test ports with fresh secrets and a throw-away var directory.

Everything is real: the launcher starts the same processes `make run` does (hub, HIPs loading the
built model bundles, inboxes, Rasa action server, Rasa server with the trained model).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qaid.config import REPO_ROOT, SECRET_NAMES, Settings

PORT_OFFSET = 20000


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    var_dir = tmp_path_factory.mktemp("network-var")
    env = {
        **os.environ,
        "QAID_PORT_OFFSET": str(PORT_OFFSET),
        "QAID_VAR_DIR": str(var_dir),
        "QAID_BUNDLES_PATH": str(REPO_ROOT / "var" / "bundles"),
        **{f"QAID_{n.upper()}": secrets.token_urlsafe(24) for n in SECRET_NAMES},
    }
    settings = Settings(
        port_offset=PORT_OFFSET,
        var_dir=var_dir,
        bundles_path=REPO_ROOT / "var" / "bundles",
        **{n: env[f"QAID_{n.upper()}"] for n in SECRET_NAMES},
    )
    out = (var_dir / "launcher.out").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "qaid.network", "run"], env=env, cwd=REPO_ROOT,
        stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for_banner(proc, Path(out.name))
        yield settings
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()


def _wait_for_banner(proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log.read_text()
        if "network is up" in text:
            return
        if proc.poll() is not None:
            pytest.fail(f"the network did not start:\n{text}")
        time.sleep(0.5)
    pytest.fail(f"the network was not up after {timeout_s} s:\n{log.read_text()}")
