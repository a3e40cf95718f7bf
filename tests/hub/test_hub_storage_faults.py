"""Fault tests: the hub's database stops taking writes (full disk, read-only file, PostgreSQL in
read-only mode). Every write answers 503 ``storage_unavailable`` with Retry-After, nothing is
acknowledged that was not stored, and the same request succeeds once the database is healthy.

The faults are real database states, injected on each new connection: SQLite's ``max_page_count``
capped at the file's size gives exactly the "database or disk is full" error of a full disk,
``query_only`` the "attempt to write a readonly database" of a read-only file, and PostgreSQL's
``default_transaction_read_only`` the server's own read-only refusal (a hot standby's answer).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from tr_helpers import SERVICE, transcript

from hub.models import Delivery, Image, TranscriptRow

# The hub sniffs magic bytes only (decoding is the HIP's job); the random tail cannot compress and
# needs fresh pages, so a database that is full to its last page has no room for it.
IMAGE = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + random.Random(7).randbytes(64_000)


def _long_transcript(hospitals: list[str]) -> dict[str, Any]:
    """A transcript that needs new database pages (a long conversation), not just a free slot."""
    body = transcript(hospitals)
    rng = random.Random(body["conversation_id"])
    body["messages"] += [
        {"at": body["created_at"], "sender": "patient", "text": rng.randbytes(600).hex()} for _ in range(40)
    ]
    return body


def _page_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())


def _fault(engine: Engine, kind: str) -> Callable[[Any, Any], None]:
    if kind == "full":
        pages = _page_count(engine)

        def hook(dbapi_conn: Any, _: Any) -> None:
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    elif kind == "readonly" and engine.dialect.name == "sqlite":

        def hook(dbapi_conn: Any, _: Any) -> None:
            dbapi_conn.execute("PRAGMA query_only = ON")

    else:  # read-only PostgreSQL

        def hook(dbapi_conn: Any, _: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute("SET default_transaction_read_only = on")
            dbapi_conn.commit()  # a SET inside a rolled-back transaction would be undone

    return hook


@contextmanager
def broken(engine: Engine, kind: str) -> Iterator[None]:
    """The database in the fault state for every connection opened inside the block."""
    hook = _fault(engine, kind)
    engine.dispose()  # pooled connections were opened healthy
    event.listen(engine, "connect", hook)
    try:
        yield
    finally:
        event.remove(engine, "connect", hook)
        engine.dispose()


def _count(hub: TestClient, model: type) -> int:
    with hub.app.state.hub.sessions() as db:
        return db.scalar(select(func.count()).select_from(model))


def _faults(engine: Engine) -> list[str]:
    return ["full", "readonly"] if engine.dialect.name == "sqlite" else ["readonly"]


def _assert_unavailable(r: Any) -> None:
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "storage_unavailable"
    assert "nothing was stored" in r.json()["error"]["message"]
    assert int(r.headers["retry-after"]) > 0


def test_a_transcript_is_refused_not_lost_when_the_database_cannot_write(
    hub: TestClient, engine: Engine
) -> None:
    for kind in _faults(engine):
        body = _long_transcript(["cismigiu", "titan"])
        with broken(engine, kind):
            _assert_unavailable(hub.post("/api/v1/transcripts", json=body, headers=SERVICE))
        assert _count(hub, TranscriptRow) == 0 and _count(hub, Delivery) == 0, kind
        # The bot sends it again later: stored once, with its outbox rows, nothing half-written.
        r = hub.post("/api/v1/transcripts", json=body, headers=SERVICE)
        assert r.status_code == 201, r.text
        assert r.json()["duplicate"] is False
        assert _count(hub, TranscriptRow) == 1 and _count(hub, Delivery) == 2, kind
        with hub.app.state.hub.sessions() as db:
            db.query(Delivery).delete()
            db.query(TranscriptRow).delete()
            db.commit()


def test_an_image_upload_is_refused_when_the_database_cannot_write(hub: TestClient, engine: Engine) -> None:
    for kind in _faults(engine):
        with broken(engine, kind):
            _assert_unavailable(hub.post("/api/v1/images", content=IMAGE, headers=SERVICE))
        assert _count(hub, Image) == 0, kind
    r = hub.post("/api/v1/images", content=IMAGE, headers=SERVICE)
    assert r.status_code == 201, r.text
