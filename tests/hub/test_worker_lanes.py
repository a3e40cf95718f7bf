"""One worker with several lanes (concurrent claim/send/record loops) delivers each delivery once, and
the batched record keeps the lease fence: an outcome for a row another worker now holds is only
audited (``lease_lost``), never applied."""

from __future__ import annotations

import asyncio
from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from tr_helpers import SERVICE, Receiver, ServerThread, make_worker, transcript

from hub.crypto import DataBox
from hub.models import Delivery, DeliveryAttempt
from hub.outbox import Outcome, RetryPolicy, claim, record_many
from qaid.config import Settings
from qaid.db import session_factory, utcnow


def test_lanes_deliver_everything_exactly_once(hub: TestClient, engine: Engine, settings: Settings) -> None:
    n = 30
    for _ in range(n):
        hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE)
    receiver = Receiver()
    worker = make_worker(settings, engine, worker_id="w", batch=4, lanes=3)
    with ServerThread(receiver.app, settings.port(settings.hospital("titan").inbox_port)):
        assert asyncio.run(worker.drain()) == n
    sent = Counter(receiver.ids())
    assert len(sent) == n and max(sent.values()) == 1
    with hub.app.state.hub.sessions() as db:
        assert {d.status for d in db.scalars(select(Delivery))} == {"delivered"}
        workers = set(db.scalars(select(DeliveryAttempt.worker)))
    assert workers <= {"w", "w.1", "w.2"} and len(workers) >= 2


def test_batched_record_respects_the_lease_fence(hub: TestClient, engine: Engine, settings: Settings) -> None:
    hub.post("/api/v1/transcripts", json=transcript(["titan", "cismigiu"]), headers=SERVICE)
    sessions, box, policy = session_factory(engine), DataBox(settings.data_key), RetryPolicy()
    jobs = claim(sessions, box, "a", policy, 10)
    assert len(jobs) == 2
    lost = jobs[0].delivery_id
    with sessions() as db:  # a's lease on one row expired and "b" claimed it
        db.execute(update(Delivery).where(Delivery.id == lost).values(claimed_by="b"))
        db.commit()
    now = utcnow()
    outcomes = [(jobs[0], Outcome(200, None, now, 5)), (jobs[1], Outcome(500, "HTTP 500: boom", now, 7))]
    assert record_many(sessions, outcomes, "a", policy) == ["delivered", "failed"]
    with sessions() as db:
        held = db.get(Delivery, lost)
        assert held.status == "pending" and held.claimed_by == "b" and held.attempts == 0
        other = db.get(Delivery, jobs[1].delivery_id)
        assert other.status == "failed" and other.claimed_by is None and other.attempts == 1
        assert other.last_status_code == 500 and other.last_error == "HTTP 500: boom"
        assert other.next_attempt_at > now
        audit = {a.delivery_id: a.outcome for a in db.scalars(select(DeliveryAttempt))}
    assert audit == {lost: "lease_lost", jobs[1].delivery_id: "failed"}


def test_a_claimer_that_loses_its_candidates_looks_again(
    hub: TestClient, engine: Engine, settings: Settings, monkeypatch
) -> None:
    """SQLite has no SKIP LOCKED: two lanes see the same candidates and one wins them all. The loser
    must claim the next due rows, not report "nothing due" (a draining lane would stop early)."""
    import hub.outbox as outbox

    for _ in range(4):
        hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE)
    sessions, box, policy = session_factory(engine), DataBox(settings.data_key), RetryPolicy()
    real, raced = outbox._claim_once, []

    def rival_first(*args, **kwargs):  # our first compare-and-set loses every row to a rival
        if not raced:
            raced.append(real(sessions, box, "rival", policy, 2))
            return None
        return real(*args, **kwargs)

    monkeypatch.setattr(outbox, "_claim_once", rival_first)
    mine = claim(sessions, box, "a", policy, 2)
    assert len(raced[0]) == 2 and len(mine) == 2
    assert {j.delivery_id for j in mine}.isdisjoint(j.delivery_id for j in raced[0])
    assert claim(sessions, box, "a", policy, 2) == []  # and an empty claim still means nothing is due


def test_each_receiving_hospital_gets_its_own_small_pool() -> None:
    """A hospital's pool is its own (a slow one cannot take the others' connections), a pool pinned to
    public addresses is apart from an unpinned one, and every pool is closed with the worker's
    client set."""
    import httpx

    from hub.worker import Clients

    made: list[tuple[bool, httpx.AsyncClient]] = []

    def make(public_only: bool) -> httpx.AsyncClient:
        made.append((public_only, httpx.AsyncClient(limits=httpx.Limits(max_connections=4))))
        return made[-1][1]

    async def scenario() -> None:
        async with Clients(make) as clients:
            a, b = clients.get("titan"), clients.get("cismigiu")
            assert a is clients.get("titan") and a is not b
            pinned = clients.get("titan", public_only=True)
            assert pinned is not a and pinned is clients.get("titan", public_only=True)
        assert all(c.is_closed for _, c in made) and [p for p, _ in made] == [False, False, True]

    asyncio.run(scenario())
