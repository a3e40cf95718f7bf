"""The benchmarks' chat clients: Rasa's REST and socket.io channels spoken as Q&Aid's channels expect
(qaid_bot/channels/web.py, issue 16), shared by bench/load.py and bench/bot_latency.py and tested
against the real channels in tests/channels/test_bench_clients.py. Runs in the bot venv (Python 3.10).

- REST carries ``Authorization: Bearer $QAID_REST_TOKEN`` (the launcher always sets one). The token
  is read as the operator's programs read it (:func:`operator_secret`) and is given only to a Q&Aid
  server, never to the stock `rasa init` baseline.
- socket.io: after connecting, the client sends ``session_request`` with the session it holds
  (``None`` for a new conversation) and speaks in the session the server's ``session_confirm`` names:
  Q&Aid mints sessions, resumes only one it issued and drops a message naming any other. Reopening
  a :class:`Socket` asks for its session again, as the web page does after a reconnect. The stock
  channel of the baseline answers the same exchange (it mints an id for ``None`` and echoes any
  other), so one client drives both.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import aiohttp
import socketio
import yaml

from qaid_contracts import env

REPO = Path(__file__).resolve().parents[1]
CHANNEL = "qaid_bot.channels.web.SocketIOInput"  # bot/credentials.yml
Timeout = asyncio.TimeoutError  # noqa: UP041 - the bot venv runs Python 3.10
if not hasattr(aiohttp, "ClientWSTimeout"):
    # python-engineio 4.15's client passes aiohttp >= 3.10's ClientWSTimeout to ws_connect; the bot venv
    # has aiohttp 3.9, whose ws_connect takes that close timeout as a float. (tests/channels use polling.)
    aiohttp.ClientWSTimeout = lambda ws_close=10.0, ws_receive=None: ws_close


class TurnError(Exception):
    """A failed turn, counted by kind; the patient gives up and starts a new conversation."""

    def __init__(self, kind: str, sample: str = "") -> None:
        super().__init__(kind)
        self.kind, self.sample = kind, sample


def operator_secret(var: env.Var) -> str:
    """A secret as the operator's programs get it (``qaid.config.operator_settings``, which needs the
    platform venv): the environment first, then the ``secrets.env`` the launcher writes into its var
    directory (``QAID_VAR_DIR``, default ``var/``); "" when neither has it."""
    if value := os.environ.get(var.name, "").strip():
        return value
    secrets = Path(os.environ.get("QAID_VAR_DIR") or REPO / "var") / "secrets.env"
    lines = secrets.read_text().splitlines() if secrets.exists() else []
    return dict(line.partition("=")[::2] for line in lines).get(var.name, "").strip()


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for ``token``; none when it is empty (a server without one)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def reply_text(msgs: list[dict[str, Any]]) -> str:
    """The texts of one turn's bot messages; an image-only message counts as "[image]"."""
    return "\n".join(m.get("text") or ("[image]" if {"image", "attachment"} & set(m) else "") for m in msgs)


def socket_config() -> dict[str, Any]:
    """The socket.io channel's events, metadata key and path exactly as bot/credentials.yml sets them."""
    creds = yaml.safe_load((REPO / "bot" / "credentials.yml").read_text()) or {}
    defaults = {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered"}
    return {**defaults, "metadata_key": "metadata", "socketio_path": "/socket.io", **creds[CHANNEL]}


class Rest:
    """Rasa's REST channel: one reply holds every message of the turn. ``token``: Q&Aid's REST token
    ("" for the baseline); the sender id is the client's own, as for any integration."""

    def __init__(
        self, http: aiohttp.ClientSession, url: str, timeout: float, token: str, sender: str
    ) -> None:
        self.http, self.url, self.timeout = http, url, aiohttp.ClientTimeout(total=timeout)
        self.headers, self.sender = bearer(token), sender

    async def say(self, text: str, metadata: dict[str, Any] | None = None) -> tuple[float, str]:
        body = {"sender": self.sender, "message": text, **({"metadata": metadata} if metadata else {})}
        url, start = f"{self.url}/webhooks/rest/webhook", time.perf_counter()
        async with self.http.post(url, json=body, headers=self.headers, timeout=self.timeout) as r:
            if r.status == 401:
                hint = f"set {env.REST_TOKEN.name} or start the network (var/secrets.env)"
                raise TurnError("http_401", f"{await r.text()} ({hint})")
            if r.status != 200:
                raise TurnError(f"http_{r.status}", await r.text())
            messages = await r.json()
        return time.perf_counter() - start, reply_text(messages)

    async def close(self) -> None:
        """Nothing to close: the HTTP session is shared."""


class Socket:
    """One socket.io connection per conversation, like a fresh browser tab. Replies arrive as separate
    events, so a turn ends after a quiet gap; its latency is that of the FIRST reply. Under load the
    messages of one action can leave seconds apart, so the gap grows with the wait for the first (half
    of it); a straggler that still comes after the turn is counted, not taken as an answer."""

    late = 0  # messages that arrived after their turn had ended (all sockets)

    def __init__(self, url: str, cfg: dict[str, Any], timeout: float, quiet: float) -> None:
        self.url, self.cfg, self.timeout, self.quiet = url, cfg, timeout, quiet
        self.session: str | None = None  # the server's id, from session_confirm
        self.inbox: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
        self.confirmed: asyncio.Future[Any] | None = None
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("session_confirm", self._confirm)
        self.sio.on(cfg["bot_message_evt"], lambda m: self.inbox.put_nowait((time.perf_counter(), m)))

    def _confirm(self, data: Any) -> None:
        # the stock server sends the id as a string; the web page also accepts {"session_id": ...}
        session = data.get("session_id") if isinstance(data, dict) else data
        if self.confirmed is not None and not self.confirmed.done():
            self.confirmed.set_result(session)

    async def open(self) -> tuple[float, Socket]:
        """Connect and ask for this socket's session (none yet: a new conversation); speak in the one
        the server confirms. Opening again resumes the session; a server that confirms another one has
        lost the conversation (``session_lost``)."""
        asked, path = self.session, self.cfg["socketio_path"]
        self.confirmed = asyncio.get_running_loop().create_future()
        start = time.perf_counter()
        try:
            # wait_timeout: the client's default gives the namespace handshake 1 s, too short under load
            connecting = self.sio.connect(self.url, transports=["websocket"], socketio_path=path,
                                          wait_timeout=self.timeout)  # fmt: skip
            await asyncio.wait_for(connecting, self.timeout)
            await self.sio.emit("session_request", {"session_id": asked})
            session = await asyncio.wait_for(self.confirmed, self.timeout)
        except Exception as e:  # any failure to connect: counted; close what was opened
            await self.close()
            raise TurnError("failed", repr(e)) from None
        if not isinstance(session, str) or not session or (asked is not None and session != asked):
            await self.close()
            kind = "failed" if asked is None else "session_lost"
            raise TurnError(kind, f"asked for session {asked!r}, confirmed {session!r}")
        self.session = session
        return time.perf_counter() - start, self

    @property
    def sender(self) -> str:
        """The conversation's sender id (what an upload names in ``X-Qaid-Sender``): the session."""
        if self.session is None:
            raise TurnError("failed", "no confirmed session: open() first")
        return self.session

    async def say(self, text: str, metadata: dict[str, Any] | None = None) -> tuple[float, str]:
        session = self.sender
        while not self.inbox.empty():  # a late message of the previous turn is not this turn's answer
            self.inbox.get_nowait()
            Socket.late += 1
        payload = {"message": text, "session_id": session}
        payload |= {self.cfg["metadata_key"]: metadata} if metadata else {}
        start = time.perf_counter()
        await self.sio.emit(self.cfg["user_message_evt"], payload)
        first, message = await asyncio.wait_for(self.inbox.get(), self.timeout)
        messages = [message]
        while True:
            try:
                quiet = max(self.quiet, (first - start) / 2)
                messages.append((await asyncio.wait_for(self.inbox.get(), quiet))[1])
            except Timeout:
                return first - start, reply_text(messages)

    async def close(self) -> None:
        await self.sio.disconnect()
