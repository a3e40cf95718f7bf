"""``run``: the hospital's HIP and inbox as two child processes, each given only its own secrets.

The children's environment is the caller's minus every ``QAID_*`` variable (an operator's shell
must not leak its secrets or demo settings into a hospital's processes), plus exactly what each
needs: the HIP its token and admin token, the inbox its signing secrets, doctors' password, time
zone and its hub's URL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from types import FrameType

import httpx

from hospital_kit.settings import InboxSection, KitSettings

READY_WAIT_S = 120.0


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    ready_url: str
    proc: subprocess.Popen[bytes] | None = None


def local_url(host: str, port: int) -> str:
    """Where this machine reaches a server bound to ``host`` (a wildcard bind is reached on loopback)."""
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("QAID_")}


def _oidc_env(inbox: InboxSection) -> dict[str, str]:
    """The inbox's OpenID Connect settings, only when the hospital configured a provider."""
    if not inbox.oidc_issuer:
        return {}
    values = {
        "QAID_INBOX_PUBLIC_URL": inbox.public_url, "QAID_INBOX_OIDC_ISSUER": inbox.oidc_issuer,
        "QAID_INBOX_OIDC_CLIENT_ID": inbox.oidc_client_id,
        "QAID_INBOX_OIDC_CLIENT_SECRET": inbox.oidc_client_secret,
        "QAID_INBOX_OIDC_NAME": inbox.oidc_name,
        "QAID_INBOX_OIDC_EMAIL_DOMAINS": ",".join(inbox.oidc_email_domains),
    }  # fmt: skip
    return {k: v for k, v in values.items() if v}


def children(s: KitSettings) -> list[Child]:
    py, base = sys.executable, clean_env()
    hip, inbox = s.hip, s.inbox
    return [
        Child(
            "hip",
            [py, "-m", "hip_service", "--bundle", str(s.resolve(hip.bundle)), "--port", str(hip.port),
             "--host", hip.host],
            {**base, "QAID_HIP_TOKEN": hip.token, "QAID_HIP_ADMIN_TOKEN": hip.admin_token},
            local_url(hip.host, hip.port) + "/ready",
        ),
        Child(
            "inbox",
            [py, "-m", "inbox", "--hospital", s.hospital.id, "--name", s.hospital.name, "--port",
             str(inbox.port), "--host", inbox.host, "--db", str(s.resolve(inbox.db))],
            {**base, "QAID_INBOX_SECRETS": ",".join(inbox.webhook_secrets), "QAID_INBOX_TOKEN": inbox.token,
             "QAID_INBOX_TIME_ZONE": inbox.time_zone,
             # where the inbox sends doctors' replies and fetches the images a transcript names
             "QAID_PUBLIC_HUB_URL": s.hub.url, **_oidc_env(inbox)},
            local_url(inbox.host, inbox.port) + "/health",
        ),
    ]  # fmt: skip


def _wait_ready(child: Child) -> bool:
    deadline = time.monotonic() + READY_WAIT_S
    while time.monotonic() < deadline:
        assert child.proc is not None
        if child.proc.poll() is not None:
            return False
        try:
            if httpx.get(child.ready_url, timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def _stop(kids: list[Child]) -> None:
    for c in kids:
        if c.proc is not None and c.proc.poll() is None:
            c.proc.terminate()
    for c in kids:
        if c.proc is not None:
            try:
                c.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                c.proc.kill()


def run(s: KitSettings) -> int:
    kids = children(s)
    stopping = False

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        for c in kids:
            c.proc = subprocess.Popen(c.argv, env=c.env)
            if not _wait_ready(c):
                code = c.proc.poll()
                why = (
                    f"exited with status {code} (its message is above)"
                    if code is not None
                    else "is not ready"
                )
                print(f"hospital_kit: the {c.name} {why}; nothing is serving.", file=sys.stderr)
                return 1
        print(f"hospital_kit: {s.hospital.name} is serving:", flush=True)
        print(f"  HIP   {kids[0].ready_url.removesuffix('/ready')}  (hub reaches it at {s.hip.public_url})")
        print(f"  inbox {kids[1].ready_url.removesuffix('/health')}/  (webhook {s.inbox.webhook_url})")
        print("Next: python -m hospital_kit --config … join   (Ctrl-C stops both)", flush=True)
        while not stopping:
            for c in kids:
                assert c.proc is not None
                if c.proc.poll() is not None:
                    print(
                        f"hospital_kit: the {c.name} stopped (status {c.proc.returncode}).", file=sys.stderr
                    )
                    return 1
            time.sleep(0.2)
        return 0
    finally:
        _stop(kids)
