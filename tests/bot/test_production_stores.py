"""The production stores for real: Rasa's own SQLTrackerStore (PostgreSQL) and RedisLockStore built from
bot/endpoints.prod.yml against running servers, and a conversation that survives a Rasa restart with
the SQLite tracker store of bot/endpoints.yml.

PostgreSQL (127.0.0.1:5432, trust auth, user postgres, database test) and Redis (127.0.0.1:6379) are
taken from QAID_PG_* / QAID_REDIS_* when set; the tests skip, saying why, only when they are unreachable.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.asyncio

BOT_DIR = Path(__file__).resolve().parents[2] / "bot"
MODEL = BOT_DIR / "models" / "qaid.tar.gz"
PROD_DEFAULTS = {
    "QAID_ACTIONS_URL": "http://127.0.0.1:5055/webhook",
    "QAID_ACTIONS_TOKEN": "actions-token-for-tests",
    "QAID_PG_HOST": "127.0.0.1",
    "QAID_PG_PORT": "5432",
    "QAID_PG_DB": "test",
    "QAID_PG_USER": "postgres",
    "QAID_PG_PASSWORD": "",
    "QAID_REDIS_HOST": "127.0.0.1",
    "QAID_REDIS_PORT": "6379",
    "QAID_REDIS_DB": "0",
    "QAID_REDIS_PASSWORD": "",
}


def _reachable(host: str, port: str) -> bool:
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def prod_endpoints(monkeypatch: pytest.MonkeyPatch):
    for name, value in PROD_DEFAULTS.items():
        monkeypatch.setenv(name, os.environ.get(name, value))
    from rasa.core.utils import AvailableEndpoints

    return AvailableEndpoints.read_endpoints(str(BOT_DIR / "endpoints.prod.yml"))


async def test_postgres_tracker_store_saves_and_retrieves(prod_endpoints):
    host, port = os.environ["QAID_PG_HOST"], os.environ["QAID_PG_PORT"]
    if not _reachable(host, port):
        pytest.skip(f"PostgreSQL is not reachable at {host}:{port}")
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(BOT_DIR / "domain.yml"))
    store = TrackerStore.create(prod_endpoints.tracker_store, domain)
    # Rasa falls back to an in-memory store when it cannot connect: that must not pass for PostgreSQL
    assert isinstance(store, SQLTrackerStore) and store.engine.dialect.name == "postgresql"

    sender = f"test-prod-{uuid.uuid4().hex[:12]}"
    tracker = DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen"),
            UserUttered("i'm in cluj", {"name": "share_location", "confidence": 0.98}),
            ActionExecuted("action_set_location"),
            SlotSet("geo", {"lat": 46.7712, "lon": 23.6236, "name": "Cluj-Napoca"}),
            BotUttered("Got it, you are near Cluj-Napoca."),
            ActionExecuted("action_listen"),
        ],
        slots=domain.slots,
    )
    try:
        await store.save(tracker)
        # a second store (another Rasa server, or this one after a restart) reads it back
        again = TrackerStore.create(prod_endpoints.tracker_store, domain)
        assert sender in list(await again.keys())
        restored = await again.retrieve(sender)
        assert restored is not None
        assert [e.as_dict()["event"] for e in restored.events] == [
            e.as_dict()["event"] for e in tracker.events
        ]
        assert restored.get_slot("geo") == {"lat": 46.7712, "lon": 23.6236, "name": "Cluj-Napoca"}
        assert restored.latest_message.text == "i'm in cluj"
    finally:
        with store.session_scope() as session:
            session.query(store.SQLEvent).filter_by(sender_id=sender).delete()
            session.commit()


async def test_redis_lock_store_acquires_and_releases(prod_endpoints):
    host, port = os.environ["QAID_REDIS_HOST"], os.environ["QAID_REDIS_PORT"]
    if not _reachable(host, port):
        pytest.skip(f"Redis is not reachable at {host}:{port}")
    from rasa.core.lock_store import LockStore, RedisLockStore

    store = LockStore.create(prod_endpoints.lock_store)
    assert isinstance(store, RedisLockStore)
    store.red.ping()
    conversation = f"test-lock-{uuid.uuid4().hex[:12]}"
    redis_key = f"qaid:lock:{conversation}"

    order: list[str] = []

    async def second_message() -> None:
        async with store.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.05):
            order.append("second")

    async with store.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.05):
        order.append("first")
        assert store.red.exists(redis_key)  # the lock lives in Redis, under the configured prefix
        waiting = asyncio.create_task(second_message())
        await asyncio.sleep(0.3)
        # another message of the same conversation holds a ticket but waits its turn
        assert order == ["first"] and len(store.get_lock(conversation).tickets) == 2
    await asyncio.wait_for(waiting, 5)
    assert order == ["first", "second"]
    # released: nothing is left behind
    assert not store.red.exists(redis_key) and store.get_lock(conversation) is None


async def test_sqlite_conversation_survives_a_rasa_restart(tmp_path, monkeypatch):
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL} (cd bot && rasa train --fixed-model-name qaid)")
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.core.events import SlotSet

    monkeypatch.setenv("QAID_TRACKER_DB", str(tmp_path / "tracker.sqlite3"))
    monkeypatch.setenv("QAID_ACTIONS_URL", "http://127.0.0.1:9/webhook")  # no custom action runs here
    monkeypatch.setenv("QAID_ACTIONS_TOKEN", "actions-token-for-tests")
    monkeypatch.chdir(BOT_DIR)  # the NLU pipeline imports addons.red_flags from the bot directory
    sender = "restart-1"

    async def start():
        endpoints = AvailableEndpoints.read_endpoints(str(BOT_DIR / "endpoints.yml"))
        agent = await load_agent(model_path=str(MODEL), endpoints=endpoints)
        inner = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)  # FailSafeTrackerStore
        assert type(inner).__name__ == "SQLTrackerStore" and inner.engine.dialect.name == "sqlite"
        return agent

    async def say(agent, text):
        return [m.get("text") for m in await agent.handle_text(text, sender_id=sender)]

    agent = await start()
    assert await say(agent, "hello") and await say(agent, "are you a bot?")
    tracker = await agent.tracker_store.retrieve(sender)
    tracker.update(SlotSet("geo", {"lat": 45.8, "lon": 24.15, "name": "Sibiu"}))
    await agent.tracker_store.save(tracker)
    before = [e.as_dict() for e in tracker.events]
    old_store = agent.tracker_store

    # "Restart": a new agent, processor, tracker store (a new SQLAlchemy engine) and lock store from
    # the same endpoints file and database file. Only the trained graph is reused from memory, because
    # unpacking the model again costs a minute on two busy cores and is not what is tested here.
    from rasa.core.processor import MessageProcessor

    loaded = (agent.processor.model_filename, agent.processor.model_metadata, agent.processor.graph_runner)
    monkeypatch.setattr(MessageProcessor, "_load_model", staticmethod(lambda model_path: loaded))
    agent = await start()
    assert agent.tracker_store is not old_store
    restored = await agent.tracker_store.retrieve(sender)
    assert [e.as_dict() for e in restored.events] == before
    assert restored.get_slot("geo")["name"] == "Sibiu"
    start_ts = time.time()
    reply = await say(agent, "thank you")
    assert reply and time.time() - start_ts < 30
    after = await agent.tracker_store.retrieve(sender)
    texts = [e.text for e in after.events if e.type_name == "user"]
    assert texts == ["hello", "are you a bot?", "thank you"]  # one conversation, across the restart
    assert after.get_slot("geo")["name"] == "Sibiu"
