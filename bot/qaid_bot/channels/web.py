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
keys ``channels.web.RestInput`` and ``channels.web.SocketIOInput``.

Issue 16's defences (docs/security.md):

- the sender id is the conversation's credential. socket.io sessions are minted here
  (``qaid_contracts.binding.mint_session``: random and MACed); a ``session_request`` resumes only a
  session this server issued, and a message is taken only for the session its own connection was
  confirmed in (the stock channel took any ``session_id`` a message named, so knowing one let a
  client act in, and join the room of, another patient's conversation);
- REST (tests and integrations) requires ``QAID_REST_TOKEN`` when it is set (the launcher always sets
  it) and never acts in a web chat session;
- typed intents are neutralised: only the bare button payloads of ``BUTTON_PAYLOADS`` pass as
  ``/intent``; any other leading slash (``/affirm{"contact_name": ...}``, ``/EXTERNAL_inactivity``)
  is dropped, so the text goes through the NLU and the red-flag override like any other;
- log lines escape control characters (:mod:`qaid_bot.logsafe`).
"""

from __future__ import annotations

import hmac
import json
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import rest, socketio
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from qaid_contracts import binding

from .. import logsafe
from ..settings import settings
from . import common as c

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

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)

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
    """The stock output with custom json that reaches the page. The stock one calls
    ``sio.emit(event, **json_message)``: any key but socket.io's own (``data``, ``room`` ...) is a
    TypeError, so ``{"request_location": true}`` and ``{"notice": "demo_models"}`` never left, and the
    exception aborted the rest of the turn (the tracker was not saved). Here the dict is the event's
    payload, always to the conversation's own room; the stock ``{"data": {...}}`` shape still works."""

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        payload = {k: v for k, v in json_message.items() if k != "room"}  # an action never picks the room
        if set(payload) == {"data"} and isinstance(payload["data"], dict):
            payload = payload["data"]
        await self.sio.emit(self.bot_message_evt, payload, room=recipient_id)


class SocketIOInput(socketio.SocketIOInput):
    limit: c.SenderLimit = c.SenderLimit()
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
        channel.limit = sender_limit(credentials)
        return channel

    def get_output_channel(self) -> socketio.SocketIOOutput | None:
        return None if self.sio is None else SocketIOOutput(self.sio, self.bot_message_evt)

    async def _keep_app(self, app: Any, _: Any) -> None:
        self._app = app  # the agent, for the tracker read on resume

    async def _replies_on_resume(self, sid: str, session: str) -> None:
        """Doctors' replies of this conversation, for the page to show those it has not shown
        (one that arrived while the page was closed was emitted to an empty room)."""
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        tracker = await agent.tracker_store.retrieve(session) if agent is not None else None
        found = tracker.get_slot(REPLIES_SLOT) if tracker is not None else None
        if self.sio is not None and isinstance(found, list) and found:
            payload = {"doctor_replies": found}
            await self.sio.emit(self.bot_message_evt, payload, room=sid, namespace=self.namespace)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def with_output(message: UserMessage) -> Any:
            # the stock handler builds the stock output channel; ours replaces it (custom json above)
            if self.sio is not None and isinstance(message.output_channel, socketio.SocketIOOutput):
                message.output_channel = SocketIOOutput(self.sio, self.bot_message_evt)
            return await on_new_message(message)

        bp = super().blueprint(with_output)
        sio, namespace = self.sio, self.namespace or "/"
        assert sio is not None
        handle = sio.handlers[namespace][self.user_message_evt]  # the stock handler, wrapped below

        async def say(sid: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)

        async def session_request(sid: str, data: Any) -> None:
            """Resume the session asked for only if this server minted it; else mint a new one."""
            key = settings().conversation_key
            asked = data.get("session_id") if isinstance(data, dict) else None
            resumed = binding.check_session(key, asked)
            session = asked if resumed else binding.mint_session(key)
            await sio.save_session(sid, {"qaid_session": session}, namespace=self.namespace)
            if self.session_persistence:
                sio.enter_room(sid, session, namespace=self.namespace)
            await sio.emit("session_confirm", session, room=sid, namespace=self.namespace)
            if resumed and isinstance(session, str):
                await self._replies_on_resume(sid, session)

        async def own_session(sid: str, data: dict[str, Any]) -> bool:
            """A message may act only in the session its connection was confirmed in."""
            if not self.session_persistence:
                return True  # the stock channel then uses the connection's own sid
            confirmed = (await sio.get_session(sid, namespace=self.namespace)).get("qaid_session")
            return confirmed is not None and data.get("session_id") == confirmed

        async def checked(sid: str, data: Any) -> None:
            key = self.metadata_key
            if isinstance(data, dict) and isinstance(data.get(key), str):
                try:  # the stock channel takes metadata as a JSON string too
                    data = {**data, key: json.loads(data[key])}
                except ValueError:
                    data = None
            if not isinstance(data, dict):
                problem: tuple[int, str, str] | None = (400, "malformed_json", "not a JSON object")
            else:
                problem = message_problem({"message": data.get("message"), "metadata": data.get(key)})
            if problem is None and not await own_session(sid, data):
                logger.info("socketio: message from %s dropped: not its confirmed session", sid)
                return
            if problem is None:
                data = {**data, "message": web_text(data.get("message"))}
                sender = data.get("session_id") if self.session_persistence else sid
                verdict = self.limit.check(str(sender or sid))
                if verdict == "ok":
                    await handle(sid, data)
                elif verdict == "notify":
                    await say(sid, c.SLOW_DOWN)
            elif problem[1] == "message_too_long":
                await say(sid, c.TOO_LONG)
            else:  # socket.io has no status to answer with; the stock handler would have raised
                logger.info("socketio: message from %s dropped: %s", sid, problem[2])

        bp.listener("after_server_start")(self._keep_app)
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, checked, namespace=self.namespace)
        return bp
