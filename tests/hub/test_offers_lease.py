"""One offers refresh per period across all delivery workers (hub.leases), on SQLite and PostgreSQL:
the calls are counted on a real HIP server, the workers race for the lease for real (threads, each
with its own event loop and connections), and a holder that dies loses the lease to another worker
when it expires - in-process, and with real ``python -m hub.worker`` processes killed with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from net_fakes import CountingHip
from sqlalchemy import Engine, update
from tr_helpers import ServerThread, make_worker
from utils.net import free_port

from hub import directory, leases, offers
from hub.crypto import DataBox
from hub.models import Hospital, Lease
from hub.worker import Worker
from qaid.config import REPO_ROOT, Settings
from qaid.db import session_factory, utcnow
from qaid.webhooks import new_secret

HOSPITAL = "lease-hospital"
TOKEN = "lease-hip-token-0123456789"


@pytest.fixture
def hip(engine: Engine, settings: Settings) -> Iterator[CountingHip]:
    """A live hospital whose HIP counts the capability calls it gets."""
    fake = CountingHip(HOSPITAL, TOKEN)
    with ServerThread(fake.app, free_port()) as server:
        data = directory.HospitalIn(
            id=HOSPITAL, name="Lease Hospital", lat=44.4, lon=26.1, hip_url=server.url, hip_token=TOKEN,
            webhook_url="http://127.0.0.1:1/webhooks/transcripts", webhook_secrets=[new_secret()],
        )  # fmt: skip
        with session_factory(engine)() as db:
            directory.register(db, DataBox(settings.data_key), data)
            db.commit()
        yield fake


def _tick_together(workers: list[Worker]) -> list[float]:
    """Every worker's offers tick at the same moment, each in its own thread and event loop."""
    barrier, waits, errors = threading.Barrier(len(workers)), [0.0] * len(workers), []

    def tick(i: int) -> None:
        try:
            barrier.wait()
            waits[i] = asyncio.run(workers[i].offers_tick())
        except BaseException as exc:  # surfaced in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=tick, args=(i,)) for i in range(len(workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return waits


def _period_passes(engine: Engine) -> None:
    """The lease expires, as it does one period after the last refresh."""
    with session_factory(engine)() as db:
        db.execute(update(Lease).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()


def _holder(engine: Engine) -> str | None:
    with session_factory(engine)() as db:
        held = leases.held(db, offers.LEASE)
    return held[0] if held else None


def test_three_workers_refresh_once_per_period(engine: Engine, settings: Settings, hip: CountingHip) -> None:
    workers = [make_worker(settings, engine, worker_id=f"w{i}", offers_every_s=3600) for i in range(3)]
    _tick_together(workers)
    assert hip.calls == 1  # one set of capability calls, not one per worker
    assert _holder(engine) in {"w0", "w1", "w2"}
    waits = _tick_together(workers)  # the same period: everyone finds the lease held
    assert hip.calls == 1 and all(0 < w <= 3600.1 for w in waits)
    _period_passes(engine)
    _tick_together(workers)
    assert hip.calls == 2
    with session_factory(engine)() as db:  # and the refresh did its job
        assert db.get(Hospital, HOSPITAL).offers == {"vqa": ["chest_xray"]}  # type: ignore[union-attr]


def test_a_holder_that_dies_mid_refresh_loses_the_lease_when_it_expires(
    engine: Engine, settings: Settings, hip: CountingHip
) -> None:
    # "dead" took the lease to refresh (period + the longest refresh) and died before renewing it
    with session_factory(engine)() as db:
        assert leases.take(db, offers.LEASE, "dead", utcnow() + timedelta(seconds=3600))
    survivor = make_worker(settings, engine, worker_id="survivor", offers_every_s=3600)
    assert asyncio.run(survivor.offers_tick()) > 0 and hip.calls == 0  # held: not its turn
    _period_passes(engine)
    asyncio.run(survivor.offers_tick())
    assert hip.calls == 1 and _holder(engine) == "survivor"


def _worker_process(url: str, tmp: Path, settings: Settings) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAID_")} | {
        "QAID_VAR_DIR": str(tmp), "QAID_HUB_DATABASE_URL": url, "QAID_DATA_KEY": settings.data_key,
        "QAID_CONVERSATION_KEY": settings.conversation_key, "QAID_OFFERS_REFRESH_S": "0.5",
    }  # fmt: skip
    return subprocess.Popen([sys.executable, "-m", "hub.worker"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def _until(done: object, what: str) -> None:
    deadline = time.monotonic() + 90  # ends a hung test; no speed is asserted
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.05)


def _pid(holder: str | None) -> int | None:
    return int(holder.rsplit("-", 2)[1]) if holder else None  # worker ids are host-pid-random


def test_killed_worker_processes_hand_the_refresh_over(
    engine: Engine, settings: Settings, hip: CountingHip, tmp_path: Path
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":  # the test's own schema, as the engine's connections use
        url += f"?options=-csearch_path%3D{_search_path(engine)}"
    procs = [_worker_process(url, tmp_path, settings) for _ in range(2)]
    try:
        _until(lambda: hip.calls >= 1 and _pid(_holder(engine)) in {p.pid for p in procs}, "a first refresh")
        holder = next(p for p in procs if p.pid == _pid(_holder(engine)))
        other = next(p for p in procs if p is not holder)
        holder.send_signal(signal.SIGKILL)  # no goodbye: its lease is left to expire
        holder.wait(timeout=30)
        seen = hip.calls
        _until(lambda: hip.calls > seen and _pid(_holder(engine)) == other.pid, "the survivor's refresh")
        assert other.poll() is None
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait(timeout=30)


def _search_path(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("SHOW search_path").scalar())
