"""Fault test: the hub process (``python -m hub``, SQLite) is killed with SIGKILL while it
accepts and delivers transcripts, five times over, beside a real inbox process. After a final
restart every transcript the "bot" got acknowledged is in the inbox exactly once.

The bot side behaves like the real one: a POST that got no answer (the hub died under it) is sent
again later, which intake makes idempotent per conversation id.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select
from tr_helpers import SERVICE, transcript
from utils.net import free_port

from hub.models import Delivery, Hospital, TranscriptRow
from hub.outbox import release_dead_leases
from qaid.config import DEMO_HOSPITALS, REPO_ROOT
from qaid.db import session_factory, utcnow

KILLS = 5
PER_ROUND = 12
# The real inbox app, behind a slow network: each webhook's answer reaches the hub 0.4 s after the
# inbox stored the transcript, so a kill right after a store lands before the hub records it.
SLOW_INBOX = """
import asyncio, logging, uvicorn
from qaid.config import get_settings
from inbox.app import create_app as create_inbox
settings = get_settings()
app = create_inbox(settings, "titan")

@app.middleware("http")
async def slow_network(request, call_next):
    response = await call_next(request)
    if request.url.path == "/webhooks/transcripts":
        await asyncio.sleep(0.4)
    return response

logging.basicConfig(level=logging.INFO)
uvicorn.run(app, host="127.0.0.1", port=settings.port(settings.hospital("titan").inbox_port))
"""


def _env(tmp: Path, hub_port: int, inbox_port: int) -> dict[str, str]:
    titan = DEMO_HOSPITALS[2].model_copy(update={"inbox_port": inbox_port}).model_dump()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAID_")}
    env.update(
        {
            "PYTHONPATH": str(REPO_ROOT),
            "PYTHONUNBUFFERED": "1",
            "QAID_VAR_DIR": str(tmp),
            "QAID_HUB_PORT": str(hub_port),
            "QAID_HOSPITALS": json.dumps([titan]),
            "QAID_HUB_DATABASE_URL": f"sqlite:///{tmp / 'hub.sqlite3'}",
            "QAID_HUB_ADMIN_TOKEN": "admin-token-for-tests",
            "QAID_HUB_SERVICE_TOKEN": "service-token-for-tests",
            "QAID_HIP_TOKEN": "hip-token-for-tests",
            "QAID_WEBHOOK_SECRET_SEED": "seed-for-tests",
            "QAID_DATA_KEY": "data-key-for-tests",
            "QAID_CONVERSATION_KEY": "conversation-key-for-tests",
        }
    )
    return env


START_BOUND_S = 180


class Proc:
    def __init__(self, args: list[str], env: dict[str, str], url: str, log: Path):
        self.url = url
        self.log = log.open("ab")
        self.p = subprocess.Popen(
            [sys.executable, *args], env=env, cwd=REPO_ROOT, stdout=self.log, stderr=subprocess.STDOUT
        )
        # A bound for a hang, not a speed claim: a loaded 2-core runner has taken over 20 s just to
        # import the hub; the wait ends the moment /health answers or the process exits.
        deadline = time.monotonic() + START_BOUND_S
        while True:
            try:
                if httpx.get(url + "/health", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.p.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{args} did not start; see {log}")
            time.sleep(0.05)

    def kill(self) -> None:
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(timeout=10)

    def stop(self) -> None:
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def network(tmp_path: Path) -> Iterator[tuple[dict[str, str], str, Proc]]:
    hub_port, inbox_port = free_port(), free_port()
    env = _env(tmp_path, hub_port, inbox_port)
    inbox = Proc(
        ["-c", SLOW_INBOX],
        env,
        f"http://127.0.0.1:{inbox_port}",
        tmp_path / "inbox.log",
    )
    try:
        yield env, f"http://127.0.0.1:{hub_port}", inbox
    finally:
        inbox.stop()


def _count(inbox: Proc) -> int:
    return len(httpx.get(inbox.url + "/api/transcripts").json())


def _post(url: str, body: dict) -> bool:
    """True once the hub acknowledged the transcript (201 new, 200 already accepted)."""
    try:
        r = httpx.post(url + "/api/v1/transcripts", json=body, headers=SERVICE, timeout=3)
    except httpx.HTTPError:
        return False  # no answer: the bot keeps it and tries again
    assert r.status_code in (200, 201), r.text
    return True


def test_sigkilled_hub_loses_and_duplicates_nothing(
    network: tuple[dict[str, str], str, Proc], tmp_path: Path
) -> None:
    env, hub_url, inbox = network
    rng = random.Random(7)
    bodies = {}
    unacked: list[str] = []
    log = tmp_path / "hub.log"
    for round_ in range(KILLS):
        hub = Proc(["-m", "hub"], env, hub_url, log)
        for i in range(PER_ROUND):
            body = transcript(["titan"], conversation_id=f"crash-{round_}-{i}")
            bodies[body["conversation_id"]] = body
            unacked.append(body["conversation_id"])
        stop = threading.Event()

        def bot(stop: threading.Event = stop) -> None:  # posts (and re-posts) while the hub runs
            while unacked and not stop.is_set():
                conv = unacked[0]
                if _post(hub_url, bodies[conv]):
                    unacked.remove(conv)
                else:
                    time.sleep(0.02)

        sender = threading.Thread(target=bot)
        sender.start()
        if round_ % 2 == 0:
            # Kill the moment the inbox has a new transcript: the hub got (or is getting) its 2xx
            # and has most likely not recorded it yet, so this batch will be sent again.
            seen, deadline = _count(inbox), time.monotonic() + 5
            while _count(inbox) == seen and time.monotonic() < deadline:
                time.sleep(0.002)
        else:
            time.sleep(rng.uniform(0.05, 0.5))  # anywhere: mid-intake, mid-claim, mid-delivery
        hub.kill()
        stop.set()
        sender.join(timeout=10)
        hub.stop()

    hub = Proc(["-m", "hub"], env, hub_url, log)
    try:
        for conv in list(unacked):
            assert _post(hub_url, bodies[conv])
        deadline = time.monotonic() + START_BOUND_S  # ends as soon as every transcript is in
        while True:
            received = httpx.get(inbox.url + "/api/transcripts").json()
            if len(received) >= len(bodies) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        hub.stop()
    conversations = [e["conversation_id"] for e in received]
    assert sorted(conversations) == sorted(bodies)  # every one, each exactly once
    assert len({e["webhook_id"] for e in received}) == len(bodies) == KILLS * PER_ROUND
    redelivered = (tmp_path / "inbox.log").read_text().count("duplicate ignored")
    print(
        f"{KILLS} SIGKILLs, {len(bodies)} transcripts, {redelivered} redeliveries deduplicated by the inbox"
    )


def test_leases_of_crashed_workers_on_this_host_are_released(engine: Engine) -> None:
    sessions = session_factory(engine)
    host = socket.gethostname()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with sessions() as db:
        hospitals = [
            Hospital(
                id=f"h{i}",
                name="h",
                lat=0,
                lon=0,
                hip_url="http://h",
                webhook_url="http://h",
                credentials_enc=b"",
            )
            for i in range(4)
        ]
        row = TranscriptRow(
            id="tr_1",
            conversation_id="c1",
            schema_version=1,
            urgency="routine",
            created_at=utcnow(),
            body_sha256="",
            body_enc=b"x",
        )
        db.add_all([*hospitals, row])
        db.flush()
        later = utcnow() + timedelta(minutes=2)
        for i, holder in enumerate(
            [
                f"{host}-{dead.pid}-abc123",
                f"{host}-{os.getpid()}-abc123",
                f"elsewhere-{dead.pid}-abc123",
                "junk",
            ]
        ):
            db.add(
                Delivery(
                    id=f"msg_{i}",
                    transcript_id="tr_1",
                    hospital_id=f"h{i}",
                    claimed_by=holder,
                    next_attempt_at=later,
                )
            )
        db.commit()
    assert release_dead_leases(sessions, host) == 1
    with sessions() as db:
        released = db.get(Delivery, "msg_0")
        assert released.claimed_by is None and released.next_attempt_at <= utcnow()
        assert {d.id for d in db.scalars(select(Delivery).where(Delivery.claimed_by.is_not(None)))} == {
            "msg_1",
            "msg_2",
            "msg_3",
        }
