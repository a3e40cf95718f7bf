"""The hub's way in: ``POST /webhooks/hub/webhook`` takes one kind of event, ``reply.available``
(a doctor replied to this conversation), Standard Webhooks signed with ``QAID_BOT_WEBHOOK_SECRET``.

Why not Rasa's HTTP API (``--enable-api --auth-token`` and ``trigger_intent``): its one token opens
every conversation's tracker, event injection and model replacement, and would be a command-line
argument (visible in ``ps``). This route can do exactly one thing: trigger ``EXTERNAL_doctor_reply``
with a well-formed reply id in an *existing* conversation, whose answer goes out on the channel the
patient last used (socket.io live, Telegram, Slack). The action fetches the reply from the hub for
that conversation only (``actions/replies.py``). The answer is 200 when the reply is now shown (in
the tracker), 503 otherwise, so the hub retries (its outbox, hub.reply_outbox).

A channel that cannot push (Rasa's REST channel: request and response) gets the reply with the
bot's answer to the conversation's next message: what the action said is kept in the reply's entry
of the ``doctor_replies`` slot (``KEPT``) and :func:`take_kept` hands it to ``channels.web.RestInput``
once, removing it in the same locked step.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from qaid_contracts import signing
from qaid_contracts.replies import REPLY_AVAILABLE

from ..settings import settings
from . import common as c

__all__ = ["HubInput", "REPLY_INTENT", "KEPT", "take_kept"]

logger = logging.getLogger(__name__)
REPLY_INTENT = "EXTERNAL_doctor_reply"
REPLIES_SLOT = "doctor_replies"
_REPLY_ID = re.compile(r"^rp_[0-9a-f]{32}$")
MAX_BODY_BYTES = 16 * 1024  # a notice is an id and a sender id
# In a ``doctor_replies`` entry: the messages showing it, not yet given to a channel that cannot push.
KEPT = "kept_for_next_message"


def notice_problem(
    body: bytes, headers: dict[str, str]
) -> tuple[tuple[int, str, str] | None, dict[str, str]]:
    """((status, code, message) when the request is not a verified reply notice, else None; its data)."""
    secret = settings().bot_webhook_secret
    if not secret:
        return (503, "not_configured", "QAID_BOT_WEBHOOK_SECRET is not set."), {}
    if len(body) > MAX_BODY_BYTES:
        return (413, "payload_too_large", f"The limit is {MAX_BODY_BYTES} bytes."), {}
    try:
        signing.verify(secret, body, headers)
    except signing.SignatureError as exc:
        return (401, "invalid_signature", f"Webhook verification failed: {exc}."), {}
    event = c.parse_json(body)
    data = c.obj(c.obj(event).get("data"))
    reply_id, sender = data.get("reply_id"), data.get("sender")
    if (
        c.obj(event).get("type") != REPLY_AVAILABLE
        or not isinstance(reply_id, str)
        or not isinstance(sender, str)
    ):
        return (422, "unsupported_event", f"Only {REPLY_AVAILABLE} events with reply_id and sender."), {}
    if not _REPLY_ID.match(reply_id) or not sender:
        return (422, "invalid_event", "Not a reply id or sender."), {}
    return None, {"reply_id": reply_id, "sender": sender}


def _output(app: Any, latest: str | None) -> OutputChannel | None:
    """The output of the channel the patient last wrote on (Rasa's own rule for ``trigger_intent``
    with ``output_channel=latest``); None when that channel cannot push (REST)."""
    for channel in getattr(app.ctx, "input_channels", None) or []:
        if latest and channel.name() == latest:
            found = channel.get_output_channel()
            if found is not None:
                return found
    return None


def _replies(tracker: DialogueStateTracker) -> list[Any]:
    found = tracker.get_slot(REPLIES_SLOT)
    return found if isinstance(found, list) else []


async def deliver(app: Any, sender: str, reply_id: str) -> bool:
    """Trigger the reply intent in ``sender``'s existing conversation; whether the reply is shown
    (pushed, or kept for the next message). LookupError when there is no such conversation (never
    started, or purged): it is not created."""
    agent = app.ctx.agent
    if not await agent.tracker_store.exists(sender):
        raise LookupError(sender)
    async with agent.lock_store.lock(sender):
        tracker = await agent.processor.fetch_tracker_and_update_session(sender)
        output = _output(app, tracker.get_latest_input_channel())
        collected = CollectingOutputChannel() if output is None else None
        entities = [{"entity": "reply_id", "value": reply_id}]
        await agent.trigger_intent(REPLY_INTENT, entities, output or collected, tracker)
        if collected is not None and collected.messages:  # shown now, to nobody: keep it
            said = [{k: v for k, v in m.items() if k != "recipient_id"} for m in collected.messages]
            marked = [{**r, KEPT: said} if isinstance(r, dict) and r.get("id") == reply_id else r
                      for r in _replies(tracker)]  # fmt: skip
            tracker.update(SlotSet(REPLIES_SLOT, marked))
            await agent.tracker_store.save(tracker)
    return any(isinstance(r, dict) and r.get("id") == reply_id for r in _replies(tracker))


async def take_kept(agent: Any, sender: str) -> list[dict[str, Any]]:
    """The kept messages of ``sender``'s replies (oldest first), removed from the tracker under the
    conversation's lock: of two requests racing, one gets them, and only once."""
    async with agent.lock_store.lock(sender):
        tracker = await agent.tracker_store.retrieve(sender)
        if tracker is None:
            return []
        replies = _replies(tracker)
        kept = [m for r in replies if isinstance(r, dict) for m in (r.get(KEPT) or [])]
        if kept:
            given = [{k: v for k, v in r.items() if k != KEPT} if isinstance(r, dict) else r for r in replies]
            tracker.update(SlotSet(REPLIES_SLOT, given))
            await agent.tracker_store.save(tracker)
    return [m for m in kept if isinstance(m, dict)]


class HubInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "hub"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> HubInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("qaid_hub_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            problem, data = notice_problem(request.body, dict(request.headers))
            if problem is not None:
                return c.error(*problem)
            try:
                shown = await deliver(request.app, data["sender"], data["reply_id"])
            except LookupError:  # 410: the hub stops sending this notice (the patient's chat is gone)
                return c.error(410, "conversation_gone", "This conversation no longer exists here.")
            if not shown:
                logger.info("reply %s not shown yet: the hub will retry", data["reply_id"])
                return c.error(503, "not_shown", "The reply could not be shown now; send it again later.")
            return response.json({"status": "shown", "reply_id": data["reply_id"]})

        return bp
