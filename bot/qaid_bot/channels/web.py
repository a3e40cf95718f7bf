"""The web chat's channels: Rasa's stock REST and socket.io inputs with the checks they lack.

The stock ones pass any JSON on: a body that is a list answered 500 (REST), and a message of any
length went to the NLU, which runs on the event loop and slows with length (10k words took 25 s,
every conversation waiting meanwhile). Here a REST body must be a JSON object of at most
``MAX_BODY_BYTES`` with a string ``message`` of at most ``MAX_TEXT_CHARS`` and an object
``metadata`` (else a 400/413 JSON error); on socket.io an over-long message is answered politely
and a malformed one is dropped (logged). Each sender is rate-limited like the Telegram and Slack
chats (``rate_burst`` messages, then ``rate_per_minute``; a REST client gets 429, a socket.io
client one "please slow down" and then silence). The sender id is the client's choice, so this
stops a runaway client, not an attacker: per-address limits belong to the TLS proxy
(docs/operations.md). Same names, URLs and settings as the stock channels: ``credentials.yml``
keys ``channels.web.RestInput`` and ``channels.web.SocketIOInput``; but socket.io is served on a port
and event loop of its own (``QAID_SOCKETIO_PORT``, :mod:`.socket_loop`, issue 18): on the Rasa
server's loop it answered several times slower than REST under load.

Issue 16's defences (docs/security.md):

- the sender id is the conversation's credential. socket.io sessions are minted here
  (``qaid_contracts.binding.mint_session``: random and MACed); a ``session_request`` resumes only a
  session this server issued, and a message is taken only for the session its own connection was
  confirmed in (the stock channel took any ``session_id`` a message named, so knowing one let a
  client act in, and join the room of, another patient's conversation);
- REST (tests and integrations) requires ``QAID_REST_TOKEN`` when it is set (the launcher always sets
  it) and never acts in a web chat session. It cannot be pushed to: a doctor's reply that came
  meanwhile is given with the answer to the conversation's next message (``channels.hub.take_kept``);
- typed intents are neutralised: only the bare button payloads of ``BUTTON_PAYLOADS`` pass as
  ``/intent``; any other leading slash (``/affirm{"contact_name": ...}``, ``/EXTERNAL_inactivity``)
  is dropped, so the text goes through the NLU and the red-flag override like any other;
- log lines escape control characters (:mod:`qaid_bot.logsafe`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import rest, socketio
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint
from sanic import response as sanic_response
from sanic.request import Request
from sanic.response import HTTPResponse

from qaid_contracts import binding

from .. import logsafe
from ..settings import settings
from . import common as c
from .hub import take_kept
from .socket_loop import SocketLoop

logger = logging.getLogger(__name__)
logsafe.install()  # this module is imported by the Rasa server: its log lines escape patient text

# Doctors' replies shown in a conversation (actions/replies.py), re-sent to the page on resume.
REPLIES_SLOT = "doctor_replies"
# What the web page's and the bot's buttons send; anything else that starts with "/" is typed text.
BUTTON_PAYLOADS = frozenset(
    {
        "/affirm",
        "/deny",
        "/share_image",
        "/share_location",
        "/ask_capabilities",
        "/request_appointment",
        "/accept_appointment",
        "/decline_appointment",
    }
)


def web_text(text: Any) -> Any:
    """A web message's text with typed intents neutralised: a bare button payload passes; any other
    leading slash is dropped (the rest goes to the NLU as words)."""
    if not isinstance(text, str):
        return text
    stripped = text.strip()
    if not stripped.startswith("/"):
        return text
    if stripped in BUTTON_PAYLOADS:
        return stripped
    return stripped.lstrip("/").strip()


def rest_problem(body: bytes) -> tuple[tuple[int, str, str] | None, dict[str, Any]]:
    """((status, code, message) when a REST body is not a message Rasa should see, else None; the body)."""
    if len(body) > c.MAX_BODY_BYTES:
        return (413, "payload_too_large", f"The limit is {c.MAX_BODY_BYTES} bytes."), {}
    data = c.parse_json(body)
    if not isinstance(data, dict):
        return (400, "malformed_json", 'The body must be a JSON object: {"sender": ..., "message": ...}.'), {}
    return message_problem(data), data


def message_problem(data: dict[str, Any]) -> tuple[int, str, str] | None:
    text, sender, metadata = data.get("message"), data.get("sender"), data.get("metadata")
    if not isinstance(text, (str, type(None))) or not isinstance(sender, (str, int, type(None))):
        return 400, "invalid_message", "message must be a string and sender a string or a number."
    if not isinstance(metadata, (dict, type(None))):
        return 400, "invalid_message", "metadata must be a JSON object."
    if text is not None and len(text) > c.MAX_TEXT_CHARS:
        return 413, "message_too_long", f"A message is at most {c.MAX_TEXT_CHARS} characters."
    return None


def rest_refusal(request: Request) -> HTTPResponse | None:
    """401 unless the request carries the REST token (when one is configured)."""
    token = settings().rest_token
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    matches = scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    if not token or matches:
        return None
    response = c.error(401, "unauthorized", "A valid bearer token is required.")
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def sender_limit(credentials: dict[str, Any] | None) -> c.SenderLimit:
    limits = c.Limits.from_credentials(credentials or {})
    return c.SenderLimit(limits.rate_burst, limits.rate_per_minute)


class RestInput(rest.RestInput):
    limit: c.SenderLimit = c.SenderLimit()
    _app: Any = None

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestInput:
        channel = cls()
        channel.limit = sender_limit(credentials)
        return channel

    def _extract_message(self, req: Request) -> str | None:
        return web_text(super()._extract_message(req))

    async def _with_kept_replies(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage
    ) -> None:
        """Rasa's answer to ``message``, then the doctors' replies that came for this conversation
        since its last message (a REST client cannot be pushed to), each given once."""
        await on_new_message(message)
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        if agent is None or message.output_channel is None:
            return
        for kept in await take_kept(agent, message.sender_id):
            await message.output_channel.send_response(message.sender_id, kept)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def answered(message: UserMessage) -> None:
            await self._with_kept_replies(on_new_message, message)

        bp = super().blueprint(answered)

        @bp.listener("after_server_start")  # the agent, for the replies kept in the tracker
        async def start(app: Any, _: asyncio.AbstractEventLoop) -> None:
            self._app = app

        @bp.middleware("request")
        async def check(request: Request) -> HTTPResponse | None:
            if request.method == "POST" and request.path.rstrip("/").endswith("/webhook"):
                refused = rest_refusal(request)
                if refused is not None:
                    return refused
                problem, data = rest_problem(request.body)
                if problem is not None:
                    return c.error(*problem)
                sender = data.get("sender")
                if binding.check_session(settings().conversation_key, str(sender)):
                    return c.error(403, "forbidden", "A web chat session is continued over socket.io only.")
                if self.limit.check(None if sender is None else str(sender)) != "ok":
                    response = c.error(429, "too_many_requests", c.SLOW_DOWN)
                    response.headers["Retry-After"] = str(math.ceil(1 / self.limit.rate))  # one token
                    return response
            return None

        return bp


class SocketIOOutput(socketio.SocketIOOutput):
    """The stock output, sending through :class:`SocketLoop` (from Rasa's loop, without waiting; in
    order) and with custom json that reaches the page. The stock one calls
    ``sio.emit(event, **json_message)``: any key but socket.io's own (``data``, ``room`` ...) is a
    TypeError, so ``{"request_location": true}`` and ``{"notice": "demo_models"}`` never left, and the
    exception aborted the rest of the turn (the tracker was not saved). Here the dict is the event's
    payload, always to the conversation's own room; the stock ``{"data": {...}}`` shape still works."""

    def __init__(self, server: SocketLoop, bot_message_evt: str, namespace: str | None = None) -> None:
        super().__init__(server.sio, bot_message_evt)
        self.server, self.namespace = server, namespace

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.server.emit(self.bot_message_evt, response, room=socket_id, namespace=self.namespace)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        payload = {k: v for k, v in json_message.items() if k != "room"}  # an action never picks the room
        if set(payload) == {"data"} and isinstance(payload["data"], dict):
            payload = payload["data"]
        await self._send_message(recipient_id, payload)


class SocketIOInput(socketio.SocketIOInput):
    """Rasa's socket.io channel (same credentials keys, events and protocol) with issue 16's session
    checks, served by :class:`~.socket_loop.SocketLoop` on a port and event loop of its own
    (``QAID_SOCKETIO_HOST``/``QAID_SOCKETIO_PORT``) instead of on the Rasa server's: there it waited
    several times longer than REST under load (issue 18). Started and stopped with the Sanic server."""

    limit: c.SenderLimit = c.SenderLimit()
    server: SocketLoop | None = None
    _app: Any = None

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> socketio.SocketIOInput:
        if not settings().conversation_key:  # sessions are minted with it: refuse to start without
            raise ValueError("QAID_CONVERSATION_KEY is not set: the web chat cannot mint sessions")
        channel = super().from_credentials(credentials)
        assert isinstance(channel, SocketIOInput)
        if channel.jwt_key:  # the stock channel's JWT check on connect is not carried over
            raise ValueError("socketio: jwt_key is not supported; sessions are minted by the server")
        channel.limit = sender_limit(credentials)
        return channel

    def get_output_channel(self) -> socketio.SocketIOOutput | None:
        return (
            None if self.server is None else SocketIOOutput(self.server, self.bot_message_evt, self.namespace)
        )

    async def _replies_on_resume(self, sid: str, session: str) -> None:
        """Doctors' replies of this conversation, for the page to show those it has not shown
        (one that arrived while the page was closed was emitted to an empty room). Runs on Rasa's
        loop, where the tracker store lives; the emit is handed back to the socket.io loop."""
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        tracker = await agent.tracker_store.retrieve(session) if agent is not None else None
        found = tracker.get_slot(REPLIES_SLOT) if tracker is not None else None
        if self.server is not None and isinstance(found, list) and found:
            self.server.emit(
                self.bot_message_evt, {"doctor_replies": found}, room=sid, namespace=self.namespace
            )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        config = settings()
        server = SocketLoop(self.socketio_path or "/socket.io", list(config.socketio_origins))
        self.server, self.sio = server, server.sio
        bp = Blueprint("socketio_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return sanic_response.json({"status": "ok"})

        @bp.listener("after_server_start")  # after Rasa's own listener has loaded the model
        async def start(app: Any, loop: asyncio.AbstractEventLoop) -> None:
            self._app = app  # the agent, for the tracker read on resume
            server.start(config.socketio_host, config.socketio_port, loop)

        @bp.listener("after_server_stop")
        async def stop(*_: Any) -> None:
            server.stop()

        self._handlers(server, on_new_message)
        return bp

    def _handlers(self, server: SocketLoop, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """The events, handled on the socket.io loop; a message goes on to Rasa's loop."""
        sio, namespace, metadata_key = server.sio, self.namespace, self.metadata_key or "metadata"

        async def say(sid: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=namespace)

        async def session_request(sid: str, data: Any) -> None:
            """Resume the session asked for only if this server minted it; else mint a new one."""
            key = settings().conversation_key
            asked = data.get("session_id") if isinstance(data, dict) else None
            resumed = binding.check_session(key, asked)
            session = asked if resumed else binding.mint_session(key)
            await sio.save_session(sid, {"qaid_session": session}, namespace=namespace)
            if self.session_persistence:
                sio.enter_room(sid, session, namespace=namespace)
            await sio.emit("session_confirm", session, room=sid, namespace=namespace)
            if resumed and isinstance(session, str):  # the tracker is Rasa's: read it on its loop
                server.to_rasa(self._replies_on_resume(sid, session))

        async def own_session(sid: str, data: dict[str, Any]) -> bool:
            """A message may act only in the session its connection was confirmed in."""
            if not self.session_persistence:
                return True  # the stock channel then uses the connection's own sid
            confirmed = (await sio.get_session(sid, namespace=namespace)).get("qaid_session")
            return confirmed is not None and data.get("session_id") == confirmed

        async def checked(sid: str, data: Any) -> None:
            data, problem = socket_problem(data, metadata_key)
            if problem is None and not await own_session(sid, data):
                logger.info("socketio: message from %s dropped: not its confirmed session", sid)
            elif problem is None:
                sender = str(data.get("session_id") if self.session_persistence else sid)
                verdict = self.limit.check(sender)
                if verdict == "ok":
                    output = SocketIOOutput(server, self.bot_message_evt, namespace)
                    text, metadata = web_text(data.get("message", "")), data.get(metadata_key) or {}
                    message = UserMessage(text, output, sender, input_channel=self.name(), metadata=metadata)
                    server.to_rasa(on_new_message(message))
                elif verdict == "notify":
                    await say(sid, c.SLOW_DOWN)
            elif problem[1] == "message_too_long":
                await say(sid, c.TOO_LONG)
            else:  # socket.io has no status to answer with; the stock handler would have raised
                logger.info("socketio: message from %s dropped: %s", sid, problem[2])

        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, checked, namespace=namespace)


def socket_problem(data: Any, metadata_key: str) -> tuple[Any, tuple[int, str, str] | None]:
    """(the message with JSON-string metadata parsed, the problem when it is not one Rasa should see)."""
    if isinstance(data, dict) and isinstance(data.get(metadata_key), str):
        try:  # the stock channel takes metadata as a JSON string too
            data = {**data, metadata_key: json.loads(data[metadata_key])}
        except ValueError:
            data = None
    if not isinstance(data, dict):
        return data, (400, "malformed_json", "not a JSON object")
    return data, message_problem({"message": data.get("message"), "metadata": data.get(metadata_key)})
