"""Issue 16 on the web channels: session takeover, typed intents and forged log lines, each performed
against the real REST and socket.io blueprints (Sanic on a free port; a recording ``on_new_message``
stands in for Rasa, as in test_rate_limit)."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from bot_server import socket_session
from sanic_server import serve_channels
from utils.net import free_port

from qaid_bot import logsafe
from qaid_bot.channels.web import RestInput, SocketIOInput, web_text
from qaid_contracts import binding

pytestmark = pytest.mark.asyncio


class Served:
    def __init__(self, url: str) -> None:
        self.url = url  # REST (Sanic)
        self.socket_url = ""  # socket.io (its own port)
        self.received: list[tuple[str, str]] = []


@pytest_asyncio.fixture
async def served() -> AsyncIterator[Served]:
    port = free_port()
    out = Served(f"http://127.0.0.1:{port}")

    async def on_new_message(message: Any) -> None:
        out.received.append((message.sender_id, message.text))

    channels = [RestInput.from_credentials({}), SocketIOInput.from_credentials({"session_persistence": True})]
    async with serve_channels("web_sessions", port, channels, on_new_message) as out.socket_url:
        yield out


async def _until(check: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def test_the_server_mints_sessions_and_resumes_only_its_own(served: Served) -> None:
    key = binding_key()
    async with socket_session(served.socket_url, "alice") as (client, _):
        minted = client.session_id
    assert minted != "alice" and binding.check_session(key, minted)  # a client cannot choose its id
    async with socket_session(served.socket_url, minted) as (client, _):
        assert client.session_id == minted  # the browser that holds it resumes it
    forged = minted[:-1] + ("0" if minted[-1] != "0" else "1")
    async with socket_session(served.socket_url, forged) as (client, _):
        assert client.session_id != forged


async def test_a_socket_cannot_speak_in_another_session(served: Served) -> None:
    async with (
        socket_session(served.socket_url) as (victim, _),
        socket_session(served.socket_url) as (attacker, _),
    ):
        await attacker.emit(
            "user_uttered", {"message": "my name is Mallory", "session_id": victim.session_id}
        )
        await victim.emit("user_uttered", {"message": "hello", "session_id": victim.session_id})
        await _until(lambda: served.received)
        await asyncio.sleep(0.3)  # the attacker's message may not arrive later either
    assert served.received == [(victim.session_id, "hello")]


async def _rest(served: Served, body: dict[str, Any], token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{served.url}/webhooks/rest/webhook", json=body, headers=headers) as r:
            return r.status


async def test_rest_cannot_continue_a_web_session(served: Served) -> None:
    async with socket_session(served.socket_url) as (victim, _):
        status = await _rest(served, {"sender": victim.session_id, "message": "what is my phone?"})
    assert status == 403 and served.received == []


async def test_rest_requires_its_token_when_configured(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QAID_REST_TOKEN", "rest-token-for-tests")
    assert await _rest(served, {"sender": "integration", "message": "hi"}) == 401
    assert await _rest(served, {"sender": "integration", "message": "hi"}, "wrong") == 401
    assert await _rest(served, {"sender": "integration", "message": "hi"}, "rest-token-for-tests") == 200
    assert served.received == [("integration", "hi")]


@pytest.mark.parametrize(
    ("typed", "reaches_rasa"),
    [
        ("/EXTERNAL_inactivity", "EXTERNAL_inactivity"),
        ('/affirm{"contact_name": "Mallory"}', 'affirm{"contact_name": "Mallory"}'),
        ("//request_appointment", "request_appointment"),
        ("/affirm", "/affirm"),  # a button of the bot's own
        ("  /share_image ", "/share_image"),
        ("it hurts / a lot", "it hurts / a lot"),
    ],
)
async def test_typed_intents_are_neutralised_on_rest_and_socketio(
    served: Served, typed: str, reaches_rasa: str
) -> None:
    assert web_text(typed) == reaches_rasa
    assert await _rest(served, {"sender": "typist", "message": typed}) == 200
    async with socket_session(served.socket_url) as (client, _):
        await client.emit("user_uttered", {"message": typed, "session_id": client.session_id})
        await _until(lambda: len(served.received) >= 2)
    assert [text for _, text in served.received] == [reaches_rasa, reaches_rasa]


def test_a_newline_in_patient_text_cannot_forge_a_log_line() -> None:
    logsafe.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("qaid_bot.test_logsafe")
    logger.addHandler(handler)
    try:
        logger.warning("could not parse %r", "hi\n2026-01-01 rasa ERROR admin logged in\r\x1b[2J")
        logger.warning("plain %s", "text\nforged line")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and lines[1] == "plain text\\nforged line"


def binding_key() -> str:
    import os

    return os.environ["QAID_CONVERSATION_KEY"]


def test_the_socket_channel_refuses_to_start_without_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QAID_CONVERSATION_KEY", "")
    with pytest.raises(ValueError, match="QAID_CONVERSATION_KEY"):
        SocketIOInput.from_credentials({"session_persistence": True})
