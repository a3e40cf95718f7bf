"""The Rasa server under test as the channel tests reach it: its HTTP API (to read trackers back) and
a socket.io session like the web page's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from channel_fakes import Platforms

API_TOKEN = "rasa-api-test-token"  # the HTTP API is only used to read trackers back


@dataclass
class Server:
    """The Rasa server under test, with the platforms' recorder."""

    url: str  # the Rasa server
    platforms: Platforms
    log: Path
    socket_url: str  # its socket.io server (a port of its own: qaid_bot.channels.socket_loop)

    def post(self, path: str, **kw) -> requests.Response:
        return requests.post(self.url + path, timeout=30, **kw)

    def tracker(self, sender: str) -> dict:
        r = requests.get(
            f"{self.url}/conversations/{sender}/tracker", params={"token": API_TOKEN}, timeout=10
        )
        r.raise_for_status()
        return r.json()

    def user_events(self, sender: str) -> list[dict]:
        return [e for e in self.tracker(sender).get("events", []) if e.get("event") == "user"]


@asynccontextmanager
async def socket_session(url: str, session_id: str | None = None) -> AsyncIterator[tuple[Any, list[str]]]:
    """A socket.io client asking to resume ``session_id`` (as the web page opens one) and the texts of
    the bot messages it receives; long polling, which the bot venv's aiohttp supports. The session the
    server confirmed (it mints one unless it issued ``session_id``) is ``client.session_id``."""
    import socketio

    got: list[str] = []
    client = socketio.AsyncClient()
    client.on("bot_uttered", lambda data: got.append(str(data.get("text"))))
    confirmed = asyncio.Event()

    def on_confirm(sid: str) -> None:
        client.session_id = sid
        confirmed.set()

    client.on("session_confirm", on_confirm)
    await client.connect(url, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 10)
        yield client, got
    finally:
        await client.disconnect()
