"""The web chat's channels: Rasa's stock REST and socket.io inputs with the checks they lack.

The stock ones pass any JSON on: a body that is a list answered 500 (REST), and a message of any
length went to the NLU, which runs on the event loop and slows with length (10k words took 25 s,
every conversation waiting meanwhile). Here a REST body must be a JSON object of at most
``MAX_BODY_BYTES`` with a string ``message`` of at most ``MAX_TEXT_CHARS`` and an object
``metadata`` (else a 400/413 JSON error); on socket.io an over-long message is answered politely
and a malformed one is dropped (logged). Same names, URLs and settings as the stock channels:
``credentials.yml`` keys ``channels.web.RestInput`` and ``channels.web.SocketIOInput``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import rest, socketio
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import common as c

logger = logging.getLogger(__name__)


def rest_problem(body: bytes) -> tuple[int, str, str] | None:
    """(status, code, message) when a REST body is not a message Rasa should see, else None."""
    if len(body) > c.MAX_BODY_BYTES:
        return 413, "payload_too_large", f"The limit is {c.MAX_BODY_BYTES} bytes."
    data = c.parse_json(body)
    if not isinstance(data, dict):
        return 400, "malformed_json", 'The body must be a JSON object: {"sender": ..., "message": ...}.'
    return message_problem(data)


def message_problem(data: dict[str, Any]) -> tuple[int, str, str] | None:
    text, sender, metadata = data.get("message"), data.get("sender"), data.get("metadata")
    if not isinstance(text, (str, type(None))) or not isinstance(sender, (str, int, type(None))):
        return 400, "invalid_message", "message must be a string and sender a string or a number."
    if not isinstance(metadata, (dict, type(None))):
        return 400, "invalid_message", "metadata must be a JSON object."
    if text is not None and len(text) > c.MAX_TEXT_CHARS:
        return 413, "message_too_long", f"A message is at most {c.MAX_TEXT_CHARS} characters."
    return None


class RestInput(rest.RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)

        @bp.middleware("request")
        async def check(request: Request) -> HTTPResponse | None:
            if request.method == "POST" and request.path.rstrip("/").endswith("/webhook"):
                problem = rest_problem(request.body)
                if problem is not None:
                    return c.error(*problem)
            return None

        return bp


class SocketIOInput(socketio.SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)
        sio, namespace = self.sio, self.namespace or "/"
        assert sio is not None
        handle = sio.handlers[namespace][self.user_message_evt]  # the stock handler, wrapped below

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
            if problem is None:
                await handle(sid, data)
            elif problem[1] == "message_too_long":
                await sio.emit(self.bot_message_evt, {"text": c.TOO_LONG}, room=sid, namespace=self.namespace)
            else:  # socket.io has no status to answer with; the stock handler would have raised
                logger.info("socketio: message from %s dropped: %s", sid, problem[2])

        sio.on(self.user_message_evt, checked, namespace=self.namespace)
        return bp
