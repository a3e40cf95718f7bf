"""Benchmark: signed transcript deliveries per second through the outbox worker (not a test).

    .venv/bin/python bench/transcripts_delivery.py [--n 2000] [--lanes 2] [--batch 20]
        [--per-receiver 4] [--no-pg]

For each backend (SQLite file, PostgreSQL at 127.0.0.1:5432/test in a throwaway schema) and each
scenario (every receiver answers 200; half the hospitals' receivers answer 500), it fills the
outbox with N due deliveries, runs one worker until each has been attempted once, and reports
attempts/s and delivered/s. The baseline, measured side by side in the same run against the same
receiver, is the raw rate of Standard-Webhooks signing + HTTP POST of the same bodies at the same
concurrency through one pool of batch x lanes connections (the worker's design before it moved to a
small pool per hospital), without the outbox (no claim, no decryption, no audit). The receiver is a
minimal ASGI app in its own process (it answers without verifying, so it is not the bottleneck).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import sys
import time
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.append(str(Path(__file__).resolve().parent.parent / "tests"))  # last: for tests/utils only

from utils.net import free_port  # noqa: E402

from hub.crypto import DataBox  # noqa: E402
from hub.db import migrate  # noqa: E402
from hub.directory import HospitalIn, register  # noqa: E402
from hub.intake import delivery_id_for  # noqa: E402
from hub.models import Delivery, TranscriptRow  # noqa: E402
from hub.outbox import RetryPolicy  # noqa: E402
from hub.worker import Worker  # noqa: E402
from qaid import webhooks  # noqa: E402
from qaid.config import webhook_secret  # noqa: E402
from qaid.db import make_engine, utcnow  # noqa: E402
from qaid.transcript.schema import Transcript  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HOSPITALS = 10
SEED = "bench-seed"


def _receiver(port: int) -> None:
    import uvicorn

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            msg = await receive()
            more = msg.get("more_body", False)
        status = 500 if scope["path"].startswith("/fail") else 200
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"{}"})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


def _transcript(i: int) -> bytes:
    now = utcnow().isoformat()
    data = {
        "conversation_id": f"bench-{i}-{uuid.uuid4().hex[:8]}",
        "created_at": now,
        "ended_reason": "patient_finished",
        "urgency": "urgent" if i % 5 == 0 else "routine",
        "consent": {"given": True, "at": now, "hospitals": ["h0"], "statement": "I agree to share this."},
        "contact": {"name": "Bench Patient", "phone": "+40 700 000 000"},
        "messages": [{"at": now, "sender": "patient", "text": "headache for three days " * 4}] * 6,
        "findings": [
            {
                "hospital_id": "h0",
                "hospital_name": "H0",
                "image_id": "img_1",
                "kind": "vqa",
                "question": "Is there a tumor?",
                "answer": "no",
                "confidence": 0.8,
            }
        ],
        "symptoms": ["headache"],
    }
    return Transcript.model_validate(data).model_dump_json().encode()


def _fill(engine: Engine, box: DataBox, port: int, n: int, failing: bool) -> None:
    """N due deliveries over HOSPITALS hospitals (half of them answering 500 when ``failing``)."""
    from qaid.db import session_factory

    with session_factory(engine)() as db:
        for h in range(HOSPITALS):
            path = "fail" if failing and h % 2 else "ok"
            register(
                db,
                box,
                HospitalIn(
                    id=f"h{h}",
                    name=f"H{h}",
                    lat=44,
                    lon=26,
                    hip_url="http://127.0.0.1:1",
                    webhook_url=f"http://127.0.0.1:{port}/{path}/h{h}",
                    webhook_secrets=[webhook_secret(SEED, f"h{h}")],
                ),
            )
        db.commit()
    now = utcnow()
    rows, deliveries = [], []
    for i in range(n):
        body = _transcript(i)
        tid = f"tr_{uuid.uuid4().hex}"
        rows.append(
            dict(
                id=tid,
                conversation_id=tid,
                schema_version=1,
                urgency="routine",
                created_at=now,
                received_at=now,
                body_sha256=hashlib.sha256(body).hexdigest(),
                body_enc=box.seal(body),
            )
        )
        hid = f"h{i % HOSPITALS}"
        deliveries.append(
            dict(
                id=delivery_id_for(tid, hid),
                transcript_id=tid,
                hospital_id=hid,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    with engine.begin() as conn:
        conn.execute(insert(TranscriptRow), rows)
        conn.execute(insert(Delivery), deliveries)


# Failed deliveries are not retried within the run: each delivery is attempted exactly once.
_POLICY = RetryPolicy(max_attempts=15, base_s=3600, cap_s=3600, jitter=0, lease_s=120)


async def _run_worker(
    engine: Engine, box: DataBox, n: int, batch: int, lanes: int, per_receiver: int
) -> tuple[float, float, int]:
    worker = Worker(engine, box, _POLICY, batch=batch, lanes=lanes, timeout_s=10, per_receiver=per_receiver)
    t0, c0 = time.perf_counter(), time.process_time()
    attempted = await worker.drain()
    return time.perf_counter() - t0, time.process_time() - c0, attempted


def _worker_process(
    url: str, schema: str, batch: int, lanes: int, per_receiver: int, go: Any, out: Any
) -> None:
    """Another delivery worker process on the same PostgreSQL outbox (SKIP LOCKED shares the rows)."""
    engine = make_engine(url, pg_schema=schema)
    go.wait()
    c0 = time.process_time()
    attempted = asyncio.run(
        Worker(engine, DataBox("bench-data-key", []), _POLICY, batch=batch, lanes=lanes, timeout_s=10,
               per_receiver=per_receiver).drain()
    )  # fmt: skip
    out.put((attempted, time.process_time() - c0))
    engine.dispose()


def _run_workers(
    engine: Engine, box: DataBox, schema: str, workers: int, batch: int, lanes: int, per_receiver: int
) -> tuple[float, float, int]:
    """``workers`` processes (this one and workers-1 more) drain the outbox together."""
    go, out = multiprocessing.Event(), multiprocessing.Queue()
    args = (PG_URL, schema, batch, lanes, per_receiver, go, out)
    extra = [multiprocessing.Process(target=_worker_process, args=args) for _ in range(workers - 1)]
    for p in extra:
        p.start()
    time.sleep(1.0)  # let them import and connect before the clock starts
    go.set()
    t0 = time.perf_counter()
    secs, cpu, attempted = asyncio.run(_run_worker(engine, box, 0, batch, lanes, per_receiver))
    for p in extra:
        more, more_cpu = out.get(timeout=120)
        attempted, cpu = attempted + more, cpu + more_cpu
        p.join()
    return time.perf_counter() - t0, cpu, attempted


async def _baseline(port: int, n: int, concurrency: int, failing: bool) -> tuple[float, float]:
    """Sign + POST the same bodies with the same client settings and concurrency, no outbox."""
    bodies = [webhooks.payload(_transcript(i), utcnow()) for i in range(min(n, 200))]
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        timeout=10, follow_redirects=False, trust_env=False, limits=limits
    ) as client:

        async def one(i: int) -> None:
            h = i % HOSPITALS
            path = "fail" if failing and h % 2 else "ok"
            body = bodies[i % len(bodies)]
            async with sem:
                headers = webhooks.headers(f"msg_{i}", [webhook_secret(SEED, f"h{h}")], body)
                try:
                    await client.post(f"http://127.0.0.1:{port}/{path}/h{h}", content=body, headers=headers)
                except httpx.HTTPError:  # counted like the worker does: an attempt that failed
                    pass

        t0, c0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - t0, time.process_time() - c0


def _pg_engine() -> tuple[Engine, str] | None:
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 2})
        schema = f"qaid_bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        return make_engine(PG_URL, pg_schema=schema), schema
    except Exception as exc:
        print(f"(PostgreSQL skipped: {type(exc).__name__}: {exc})")
        return None


def _drop_pg(schema: str) -> None:
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="deliveries per run")
    parser.add_argument("--batch", type=int, default=20, help="deliveries per claim (worker default)")
    parser.add_argument("--lanes", type=int, default=2, help="concurrent claim/send/record loops (default)")
    parser.add_argument("--per-receiver", type=int, default=4, help="connections per hospital (default)")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes on PostgreSQL (SQLite: always one)"
    )
    args = parser.parse_args()
    port = free_port()
    receiver = multiprocessing.Process(target=_receiver, args=(port,), daemon=True)
    receiver.start()
    deadline = time.monotonic() + 15
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/ok/ping")
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    box = DataBox("bench-data-key", [])
    rows = []
    with TemporaryDirectory() as tmp:
        backends: list[tuple[str, Any]] = [
            ("sqlite", lambda: (make_engine(f"sqlite:///{tmp}/hub.sqlite3"), None))
        ]
        if not args.no_pg:
            backends.append(("postgresql", _pg_engine))
        for name, make in backends:
            for failing in (False, True):
                made = make()
                if made is None:
                    break
                engine, schema = made
                try:
                    migrate(engine)
                    if name == "sqlite":  # a fresh file per scenario
                        with engine.begin() as conn:
                            for table in ("delivery_attempts", "deliveries", "transcripts", "hospitals"):
                                conn.execute(text(f"DELETE FROM {table}"))
                    _fill(engine, box, port, args.n, failing)
                    if schema and args.workers > 1:
                        secs, cpu, attempted = _run_workers(
                            engine, box, schema, args.workers, args.batch, args.lanes, args.per_receiver
                        )
                    else:
                        secs, cpu, attempted = asyncio.run(
                            _run_worker(engine, box, args.n, args.batch, args.lanes, args.per_receiver)
                        )
                    base, base_cpu = asyncio.run(_baseline(port, args.n, args.batch * args.lanes, failing))
                    with engine.connect() as conn:
                        delivered = conn.scalar(
                            text("SELECT count(*) FROM deliveries WHERE status='delivered'")
                        )
                        attempts = conn.scalar(text("SELECT count(*) FROM delivery_attempts"))
                    assert attempts == attempted == args.n, (attempts, attempted)
                    scenario = "50% fail" if failing else "all 200"
                    rows.append((name, scenario, args.n, secs, cpu, delivered, base, base_cpu))
                finally:
                    engine.dispose()
                    if schema:
                        _drop_pg(schema)
    receiver.terminate()
    load = os.getloadavg()[0]
    print(
        f"\nworker: batch {args.batch}, lanes {args.lanes}, per receiver {args.per_receiver}, "
        f"PostgreSQL worker processes {args.workers}; "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )
    print("cpu ms: CPU time of the worker process(es) per delivery (worker + SQLite / PG client)")
    head = f"{'backend':<11}{'receivers':<10}{'n':>6}{'secs':>7}{'attempts/s':>12}{'delivered/s':>13}"
    print(head + f"{'baseline/s':>12}{'ratio':>7}{'cpu ms':>8}{'base cpu ms':>13}")
    for name, scenario, n, secs, cpu, delivered, base, base_cpu in rows:
        rate, base_rate = n / secs, n / base
        print(
            f"{name:<11}{scenario:<10}{n:>6}{secs:>7.2f}{rate:>12.0f}{delivered / secs:>13.0f}"
            f"{base_rate:>12.0f}{rate / base_rate:>7.2f}{1000 * cpu / n:>8.2f}{1000 * base_cpu / n:>13.2f}"
        )


if __name__ == "__main__":
    main()
