"""Per-sender rate limits on every chat channel: a burst, then a steady rate. Over it Telegram and
Slack still get 200 (a 429 would be redelivered) and the user is told once to slow down; a REST
client gets 429 with Retry-After; a socket.io client is told once, then its flood is dropped. The
flood never reaches Rasa, and another sender is not affected.

The channels' real blueprints are served by Sanic on a free port (no Rasa server: a recording
``on_new_message`` stands in for it); outgoing platform calls are recorded, not sent."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from bot_server import socket_session
from channel_fakes import SLACK_SIGNING_SECRET, SLACK_TOKEN, TELEGRAM_SECRET, TELEGRAM_TOKEN
from sanic_server import serve_channels
from slack_sdk.signature import SignatureVerifier
from utils.net import free_port

from qaid_bot.channels import common as c
from qaid_bot.channels.slack import SlackInput
from qaid_bot.channels.telegram import TelegramApi, TelegramInput
from qaid_bot.channels.web import RestInput, SocketIOInput

_ids = itertools.count(1)


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_sender_limit_bursts_notifies_once_then_drops() -> None:
    clock = Clock()
    limit = c.SenderLimit(burst=2, per_minute=6, clock=clock)  # a token every 10 s
    assert [limit.check("a") for _ in range(5)] == ["ok", "ok", "notify", "drop", "drop"]
    assert limit.check("b") == "ok"
    clock.now += 10
    assert limit.check("a") == "ok"  # admitted again: a later flood is told again
    assert limit.check("a") == "notify"
    assert c.SenderLimit(per_minute=0).check("a") == "ok" and c.SenderLimit().check(None) == "ok"
    small = c.SenderLimit(size=10)
    for i in range(100):
        small.check(f"u{i}")
    assert small.remembered == 10  # bounded


class Served:
    def __init__(self, url: str) -> None:
        self.url = url  # REST, Telegram, Slack (Sanic)
        self.socket_url = ""  # socket.io (its own port)
        self.received: list[tuple[str, str]] = []  # (sender, text) reaching "Rasa"
        self.sent: list[tuple[str, dict[str, Any]]] = []  # platform calls


@pytest_asyncio.fixture
async def served(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Served]:
    port = free_port()
    out = Served(f"http://127.0.0.1:{port}")

    async def telegram_call(api: TelegramApi, method: str, payload: Any) -> Any:
        out.sent.append((method, payload))
        return {}

    async def slack_tell(_out: Any, recipient: str, text: str) -> None:
        out.sent.append(("slack.tell", {"channel": recipient, "text": text}))

    monkeypatch.setattr(TelegramApi, "call", telegram_call)
    monkeypatch.setattr(SlackInput, "_tell", staticmethod(slack_tell))

    async def on_new_message(message: Any) -> None:
        out.received.append((message.sender_id, message.text))

    limits = {"rate_burst": 3, "rate_per_minute": 1}
    channels = [
        TelegramInput(TELEGRAM_TOKEN, TELEGRAM_SECRET, limits=c.Limits(rate_burst=3, rate_per_minute=1)),
        SlackInput(SLACK_TOKEN, SLACK_SIGNING_SECRET, limits=c.Limits(rate_burst=3, rate_per_minute=1)),
        RestInput.from_credentials(limits),
        SocketIOInput.from_credentials({**limits, "session_persistence": True}),
    ]
    async with serve_channels("rate_limit", port, channels, on_new_message) as out.socket_url:
        yield out


def _telegram(chat: int, text: str) -> dict:
    message = {"message_id": next(_ids), "chat": {"id": chat, "type": "private"}, "date": 0, "text": text}
    return {"update_id": next(_ids), "message": {**message, "from": {"id": chat, "is_bot": False}}}


@pytest.mark.asyncio
async def test_telegram_floods_are_cut_per_chat(served: Served) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    async with aiohttp.ClientSession() as http:

        async def send(chat: int, text: str) -> tuple[int, str]:
            url = f"{served.url}/webhooks/telegram/webhook"
            async with http.post(url, json=_telegram(chat, text), headers=headers) as r:
                return r.status, (await r.json())["status"]

        results = [await send(42, f"message {i}") for i in range(6)]
        assert [s for s, _ in results] == [200] * 6
        assert [status for _, status in results] == ["ok"] * 3 + ["rate_limited"] * 3
        assert await send(43, "hello") == (200, "ok")  # another patient is not slowed down
    assert served.received == [("42", "message 0"), ("42", "message 1"), ("42", "message 2"), ("43", "hello")]
    notices = [p for m, p in served.sent if m == "sendMessage" and p["text"] == c.SLOW_DOWN]
    assert [p["chat_id"] for p in notices] == ["42"]  # told once, not once per dropped message


def _slack_headers(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    sig = SignatureVerifier(SLACK_SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
    return {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": sig}


@pytest.mark.asyncio
async def test_slack_floods_are_cut_per_user(served: Served) -> None:
    async with aiohttp.ClientSession() as http:

        async def send(user: str, text: str) -> str:
            ts = f"{time.time():.6f}{next(_ids)}"
            event = {"type": "message", "text": text, "user": user, "ts": ts, "channel": "D" + user,
                     "channel_type": "im"}  # fmt: skip
            payload = {"type": "event_callback", "event_id": f"Ev{next(_ids)}", "event": event}
            body = json.dumps(payload).encode()
            url = f"{served.url}/webhooks/slack/webhook"
            async with http.post(url, data=body, headers=_slack_headers(body)) as r:
                assert r.status == 200
                return (await r.json())["status"]

        assert [await send("U1", f"m{i}") for i in range(5)] == ["ok"] * 3 + ["rate_limited"] * 2
        assert await send("U2", "hello") == "ok"
    deadline = time.monotonic() + 5
    while len(served.received) < 4 and time.monotonic() < deadline:  # handled in the background
        await asyncio.sleep(0.05)
    assert sorted(served.received) == [("U1", "m0"), ("U1", "m1"), ("U1", "m2"), ("U2", "hello")]
    assert [p["channel"] for m, p in served.sent if m == "slack.tell" and p["text"] == c.SLOW_DOWN] == ["DU1"]


@pytest.mark.asyncio
async def test_rest_floods_get_429_per_sender(served: Served) -> None:
    async with aiohttp.ClientSession() as http:

        async def send(sender: str, text: str) -> tuple[int, str, str]:
            url = f"{served.url}/webhooks/rest/webhook"
            async with http.post(url, json={"sender": sender, "message": text}) as r:
                code = (await r.json())["error"]["code"] if r.status >= 400 else ""
                return r.status, code, r.headers.get("Retry-After", "")

        results = [await send("web-1", f"m{i}") for i in range(5)]
        assert [s for s, _, _ in results] == [200] * 3 + [429] * 2
        assert results[3][1:] == ("too_many_requests", "60")  # one message a minute
        assert await send("web-2", "hello") == (200, "", "")
    assert served.received == [("web-1", "m0"), ("web-1", "m1"), ("web-1", "m2"), ("web-2", "hello")]


@pytest.mark.asyncio
async def test_socketio_floods_are_told_once_then_dropped(served: Served) -> None:
    async with socket_session(served.socket_url) as (client, got):
        session = client.session_id
        for i in range(6):
            await client.emit("user_uttered", {"message": f"m{i}", "session_id": session})
        deadline = time.monotonic() + 5
        while (len(served.received) < 3 or not got) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # nothing more may arrive
    assert served.received == [(session, f"m{i}") for i in range(3)]
    assert got == [c.SLOW_DOWN]
