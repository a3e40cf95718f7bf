"""Concurrent workers never deliver the same delivery twice (FOR UPDATE SKIP LOCKED on PostgreSQL,
the compare-and-set claim on both backends); expired leases are picked up again."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from tr_helpers import SERVICE, Receiver, ServerThread, make_worker, transcript

from hub.crypto import DataBox
from hub.models import Delivery, DeliveryAttempt
from hub.outbox import RetryPolicy, claim
from qaid.config import Settings
from qaid.db import session_factory, utcnow


def test_two_workers_never_deliver_the_same_delivery_twice(
    hub: TestClient, engine: Engine, settings: Settings
) -> None:
    n = 40
    for _ in range(n):
        hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE)
    receiver = Receiver()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(worker_id: str) -> None:
        worker = make_worker(settings, engine, worker_id=worker_id, batch=3)
        try:
            barrier.wait()
            idle = 0
            while idle < 3:
                idle = idle + 1 if asyncio.run(worker.run_once()) == 0 else 0
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    with ServerThread(receiver.app, settings.port(settings.hospital("titan").inbox_port)):
        threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors

    sent = Counter(receiver.ids())
    assert len(sent) == n and max(sent.values()) == 1
    with hub.app.state.hub.sessions() as db:
        assert db.scalar(select(func.count()).select_from(DeliveryAttempt)) == n
        assert {d.status for d in db.scalars(select(Delivery))} == {"delivered"}
        workers = set(db.scalars(select(DeliveryAttempt.worker)))
    assert workers == {"w0", "w1"}  # both took part, and still no duplicates


def test_a_claim_hides_the_row_until_its_lease_expires(
    hub: TestClient, engine: Engine, settings: Settings
) -> None:
    hub.post("/api/v1/transcripts", json=transcript(["titan", "cismigiu"]), headers=SERVICE)
    sessions, box = session_factory(engine), DataBox(settings.data_key)
    policy = RetryPolicy(lease_s=60)
    first = claim(sessions, box, "a", policy, 10)
    assert len(first) == 2
    assert claim(sessions, box, "b", policy, 10) == []  # leased to "a"
    with sessions() as db:  # "a" crashed: its lease runs out
        db.execute(update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    again = claim(sessions, box, "b", policy, 10)
    assert sorted(j.delivery_id for j in again) == sorted(j.delivery_id for j in first)
    assert {j.attempt for j in again} == {1}
