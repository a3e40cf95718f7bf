"""The web chat's socket.io server on its own thread and loop (qaid_bot.channels.socket_loop, issue 18):
messages are handled on Rasa's loop, bot messages leave in order from it, a busy port stops the start,
and the workaround is tied to the versions it was measured with."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from sanic_server import serve_channels
from test_bench_clients import clients
from utils.net import free_port

from qaid_bot.channels.socket_loop import BUILT_FOR, SocketLoop
from qaid_bot.channels.web import SocketIOInput

LOCK = Path(__file__).resolve().parents[2] / "requirements" / "bot.lock"


def test_the_workaround_is_pinned_to_the_versions_it_was_measured_with() -> None:
    """When one of these changes, re-run bench/load.py (socket.io beside REST at 50 patients) and check
    that socket_loop.py is still needed and still right before updating BUILT_FOR."""
    locked = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)", LOCK.read_text(), re.MULTILINE))
    locked = {name.lower(): version for name, version in locked.items()}
    assert {name: locked.get(name) for name in BUILT_FOR} == BUILT_FOR
    assert {name: metadata.version(name) for name in BUILT_FOR} == BUILT_FOR


@asynccontextmanager
async def echo(replies: int) -> AsyncIterator[tuple[str, list[Any]]]:
    """Q&Aid's socket.io channel whose "Rasa" answers each message with ``replies`` numbered messages;
    yields the socket.io URL and the loops the messages were handled on."""
    loops: list[Any] = []

    async def on_new_message(message: Any) -> None:
        loops.append(asyncio.get_running_loop())
        for i in range(replies):
            await message.output_channel.send_text_message(message.sender_id, str(i))

    channel = SocketIOInput.from_credentials({"session_persistence": True})
    async with serve_channels("socket_loop", free_port(), [channel], on_new_message) as url:
        yield url, loops


@pytest.mark.asyncio
async def test_messages_run_on_rasas_loop_and_replies_leave_in_order() -> None:
    # over a websocket, as the page and bench/load.py talk (the bench client: a turn ends after a
    # quiet second). Over long polling the python client dropped packets of this burst, though the
    # server's responses held all 40 (read with plain HTTP GETs): a client matter, not tested here.
    async with echo(replies=40) as (url, loops):
        sock = clients.Socket(url, clients.socket_config(), timeout=10, quiet=1.0)
        await sock.open()
        try:
            _, reply = await sock.say("hi")
        finally:
            await sock.close()
    assert loops == [asyncio.get_running_loop()]  # Rasa's (here the test's) loop, not the socket.io one
    assert reply.split("\n") == [str(i) for i in range(40)]


@pytest.mark.asyncio
async def test_a_busy_port_stops_the_start() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        server = SocketLoop("/socket.io", [])
        with pytest.raises(OSError, match="cannot listen"):
            server.start("127.0.0.1", busy.getsockname()[1], asyncio.get_running_loop())
    server.stop()  # nothing started: a no-op


@pytest.mark.asyncio
async def test_the_output_drops_nothing_silently_once_stopped(caplog: pytest.LogCaptureFixture) -> None:
    server = SocketLoop("/socket.io", [])
    server.emit("bot_uttered", {"text": "late"}, room="nobody")
    assert "dropped, the server is not running" in caplog.text
