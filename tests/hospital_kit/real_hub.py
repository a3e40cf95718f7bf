"""A real hub (``python -m hub``) in a temp var dir, and the process helpers of the joining tests
that run real processes (test_kit, test_guide). A uniquely named module, as kit_helpers is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from utils.net import free_port

from qaid.config import REPO_ROOT

ADMIN_TOKEN = "admin-token-for-the-kit-test"
SERVICE_TOKEN = "service-token-for-the-kit-test"
CONVERSATION_KEY = "conversation-key-for-the-kit-test"


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any QAID_* setting (the operator's), plus ``extra``."""
    return {k: v for k, v in os.environ.items() if not k.startswith("QAID_")} | extra


def wait_http(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"process for {url} exited with {proc.returncode}"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never became ready")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def operator_env(var_dir: Path) -> dict[str, str]:
    """The hub operator's environment: the hub's var dir and secrets (and nothing of this machine's);
    hospitals may join from private addresses, since the ones under test are on loopback."""
    return clean_env(QAID_VAR_DIR=str(var_dir), QAID_HUB_ADMIN_TOKEN=ADMIN_TOKEN,
                     QAID_HUB_SERVICE_TOKEN=SERVICE_TOKEN, QAID_WEBHOOK_SECRET_SEED="seed-for-the-kit-test",
                     QAID_DATA_KEY="data-key-for-the-kit-test",
                     QAID_CONVERSATION_KEY=CONVERSATION_KEY,
                     QAID_JOIN_ALLOW_PRIVATE="1")  # fmt: skip


@contextmanager
def real_hub(var_dir: Path) -> Iterator[str]:
    """``python -m hub`` with its own var dir and secrets; yields its URL."""
    port = free_port()
    env = operator_env(var_dir) | {"QAID_PORT_OFFSET": str(port - 8000)}
    proc = subprocess.Popen([sys.executable, "-m", "hub"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/health", proc)
        yield url
    finally:
        stop(proc)


def hospital_token(var_dir: Path, hospital_id: str) -> str:
    """What the operator runs to let a hospital join: ``python -m hub.admin hospitals token ID``."""
    argv = [sys.executable, "-m", "hub.admin", "--json", "hospitals", "token", hospital_id]
    out = subprocess.run(argv, cwd=REPO_ROOT, env=operator_env(var_dir), capture_output=True, text=True,
                         timeout=120, check=True)  # fmt: skip
    return str(json.loads(out.stdout)["token"])
