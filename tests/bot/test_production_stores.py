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


# The trained graph of the first agent a test loads, reused by later agents of this module: unpacking
# the model costs a minute on two busy cores and is not what these tests are about.
_GRAPH: tuple | None = None


async def _load_agent(endpoints_file: str, monkeypatch: pytest.MonkeyPatch):
    global _GRAPH
    from rasa.core.agent import load_agent
    from rasa.core.processor import MessageProcessor
    from rasa.core.utils import AvailableEndpoints

    if _GRAPH is not None:
        graph = _GRAPH
        monkeypatch.setattr(MessageProcessor, "_load_model", staticmethod(lambda model_path: graph))
    endpoints = AvailableEndpoints.read_endpoints(str(BOT_DIR / endpoints_file))
    agent = await load_agent(model_path=str(MODEL), endpoints=endpoints)
    p = agent.processor
    _GRAPH = (p.model_filename, p.model_metadata, p.graph_runner)
    return agent


async def test_two_rasa_replicas_share_conversations_through_postgres_and_redis(prod_endpoints, monkeypatch):
    """endpoints.prod.yml in full: two Rasa agents (two replicas) answer turns of one conversation at
    the same time; the Redis lock serialises them, so PostgreSQL ends with every turn, in order."""
    for what, name in (("PostgreSQL", "PG"), ("Redis", "REDIS")):
        host, port = os.environ[f"QAID_{name}_HOST"], os.environ[f"QAID_{name}_PORT"]
        if not _reachable(host, port):
            pytest.skip(f"{what} is not reachable at {host}:{port}")
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL} (cd bot && rasa train --fixed-model-name qaid)")
    from rasa.core.lock_store import RedisLockStore
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.shared.core.domain import Domain

    monkeypatch.setenv("QAID_ACTIONS_URL", "http://127.0.0.1:9/webhook")  # no custom action runs here
    monkeypatch.chdir(BOT_DIR)
    first = await _load_agent("endpoints.prod.yml", monkeypatch)
    second = await _load_agent("endpoints.prod.yml", monkeypatch)
    for agent in (first, second):
        inner = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)
        assert isinstance(inner, SQLTrackerStore) and inner.engine.dialect.name == "postgresql"
        assert isinstance(agent.lock_store, RedisLockStore)
    sender = f"test-replicas-{uuid.uuid4().hex[:12]}"
    store = TrackerStore.create(prod_endpoints.tracker_store, Domain.load(str(BOT_DIR / "domain.yml")))
    try:
        texts = ["hello", "are you a bot?", "what can you do?", "thank you"]
        # two turns at once on each replica: without the lock both would read the same tracker
        replies = await asyncio.gather(
            first.handle_text(texts[0], sender_id=sender),
            second.handle_text(texts[1], sender_id=sender),
        )
        replies += await asyncio.gather(
            second.handle_text(texts[2], sender_id=sender),
            first.handle_text(texts[3], sender_id=sender),
        )
        assert all(replies), replies
        tracker = await store.retrieve(sender)  # a third reader: what any replica would load
        said = [e.text for e in tracker.events if e.type_name == "user"]
        assert sorted(said) == sorted(texts)  # no turn lost to a concurrent save
        # every user turn is followed by its own answer before the next user turn starts
        kinds = [e.type_name for e in tracker.events if e.type_name in ("user", "bot")]
        after_user = [kinds[i + 1] for i, k in enumerate(kinds[:-1]) if k == "user"]
        assert kinds[0] == "user" and "user" not in after_user
        assert not first.lock_store.red.exists(f"qaid:lock:{sender}")  # released
    finally:
        with store.session_scope() as session:
            session.query(store.SQLEvent).filter_by(sender_id=sender).delete()
            session.commit()


async def test_sqlite_conversation_survives_a_rasa_restart(tmp_path, monkeypatch):
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL} (cd bot && rasa train --fixed-model-name qaid)")
    from rasa.shared.core.events import SlotSet

    monkeypatch.setenv("QAID_TRACKER_DB", str(tmp_path / "tracker.sqlite3"))
    monkeypatch.setenv("QAID_ACTIONS_URL", "http://127.0.0.1:9/webhook")  # no custom action runs here
    monkeypatch.setenv("QAID_ACTIONS_TOKEN", "actions-token-for-tests")
    monkeypatch.chdir(BOT_DIR)  # Rasa reads the project files from the bot directory
    sender = "restart-1"

    async def start():
        agent = await _load_agent("endpoints.yml", monkeypatch)
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


async def test_idle_conversations_are_purged_from_postgres(prod_endpoints, monkeypatch, capsys):
    """bot/qaid_bot/purge_trackers.py: Rasa keeps conversations for ever; the purge deletes the ones idle for
    longer than the retention period, whole, and leaves a conversation still going on."""
    host, port = os.environ["QAID_PG_HOST"], os.environ["QAID_PG_PORT"]
    if not _reachable(host, port):
        pytest.skip(f"PostgreSQL is not reachable at {host}:{port}")
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from qaid_bot.purge_trackers import main, purge

    store = TrackerStore.create(prod_endpoints.tracker_store, Domain.load(str(BOT_DIR / "domain.yml")))
    now, day = time.time(), 86400.0
    tag = uuid.uuid4().hex[:10]
    ages = {f"old-{tag}": [40, 39], f"recent-{tag}": [2, 1], f"long-{tag}": [60, 0.5]}  # days ago
    for sender, days in ages.items():
        events = [ActionExecuted("action_listen", timestamp=now - days[0] * day)]
        events += [UserUttered(f"my symptoms, day {d}", timestamp=now - d * day) for d in days]
        await store.save(DialogueStateTracker.from_events(sender, events))
    try:
        assert purge(store, 30 * day, dry_run=True, now=now) >= 1  # counts only
        assert set(ages) <= set(await store.keys())
        purge(store, 30 * day, now=now)
        left = set(await store.keys())
        assert f"old-{tag}" not in left
        assert {f"recent-{tag}", f"long-{tag}"} <= left  # a conversation still going on keeps its start
        restored = await store.retrieve(f"long-{tag}")
        said = [e.text for e in restored.events if e.type_name == "user"]
        assert said == ["my symptoms, day 60", "my symptoms, day 0.5"]
        # the command, as cron runs it, from the endpoints file (a dry run: the database is shared)
        monkeypatch.chdir(BOT_DIR)
        assert main(["--days", "1.5", "--dry-run"]) == 0
        assert "would delete" in capsys.readouterr().out and f"recent-{tag}" in set(await store.keys())
    finally:
        with store.session_scope() as session:
            session.query(store.SQLEvent).filter(store.SQLEvent.sender_id.like(f"%-{tag}")).delete(
                synchronize_session=False
            )
            session.commit()
