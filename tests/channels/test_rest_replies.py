"""A doctor's reply for a conversation on Rasa's REST channel, which cannot be pushed to: the hub's
notice keeps it in the tracker and it comes with the bot's answer to the conversation's next message,
once, with the hospital's name; the patient accepts from there and the hub is told.

The real REST and hub channels on a Sanic server, Rasa's real in-memory tracker and lock stores and
the real reply actions (fetching from the fake hub, contract-checked); the trained model is not
needed: :class:`Assistant` plays the agent, answering "hello" and running the reply actions for the
reply intents (what the model's rules do)."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from channel_fakes import BOT_WEBHOOK_SECRET, CONVERSATION_KEY, Platforms
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Action
from rasa_sdk import Tracker as SdkTracker
from rasa_sdk.executor import CollectingDispatcher
from sanic_server import serve_channels
from utils.net import free_port

from qaid_bot.actions.replies import ActionAnswerAppointment, ActionDoctorReply
from qaid_bot.channels.hub import KEPT, HubInput
from qaid_bot.channels.web import RestInput
from qaid_contracts import binding, env, signing

pytestmark = pytest.mark.asyncio
DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain.yml"
REST_TOKEN = "rest-token-for-reply-tests"
HELLO = "Hello! How can I help?"
_ids = itertools.count(1)


class Assistant:
    """Rasa's agent as the channels use it, without the trained model."""

    def __init__(self) -> None:
        self.domain = Domain.load(str(DOMAIN))
        self.tracker_store = InMemoryTrackerStore(self.domain)
        self.lock_store = InMemoryLockStore()
        self.processor = self  # fetch_tracker_and_update_session is the processor's

    async def fetch_tracker_and_update_session(self, sender: str) -> DialogueStateTracker:
        return await self.tracker_store.get_or_create_tracker(sender)

    async def trigger_intent(
        self,
        intent: str,
        entities: list[dict[str, Any]],
        output: OutputChannel,
        tracker: DialogueStateTracker,
    ) -> None:
        channel = tracker.get_latest_input_channel()
        tracker.update(UserUttered.create_external(intent, entities, channel), self.domain)
        await self._act(ActionDoctorReply(), tracker, output)
        await self.tracker_store.save(tracker)

    async def handle_message(self, message: UserMessage) -> None:
        """``on_new_message`` (Rasa's ``agent.handle_message``): one turn under the sender's lock."""
        async with self.lock_store.lock(message.sender_id):
            tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
            intent = {"/accept_appointment": "accept_appointment"}.get(message.text or "", "greet")
            parse = {"intent": {"name": intent, "confidence": 1.0}, "entities": []}
            tracker.update(UserUttered(message.text, parse["intent"], [], parse,
                                       input_channel=message.input_channel), self.domain)  # fmt: skip
            if intent == "greet":
                await message.output_channel.send_text_message(message.sender_id, HELLO)
            else:
                await self._act(ActionAnswerAppointment(), tracker, message.output_channel)
            tracker.update(ActionExecuted("action_listen"), self.domain)
            await self.tracker_store.save(tracker)

    async def _act(self, action: Action, tracker: DialogueStateTracker, output: OutputChannel) -> None:
        """What Rasa does with a custom action: the action server's events and messages."""
        dispatcher = CollectingDispatcher()
        events = await action.run(
            dispatcher, SdkTracker.from_dict(tracker.current_state(EventVerbosity.ALL)), {}
        )
        for event in events:
            tracker.update(Event.from_parameters(event), self.domain)
        for message in dispatcher.messages:
            await output.send_response(tracker.sender_id, message)


class Served:
    def __init__(self, url: str, platforms: Platforms, agent: Assistant) -> None:
        self.url, self.platforms, self.agent = url, platforms, agent

    async def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {REST_TOKEN}"}
        async with aiohttp.ClientSession() as session:
            body = {"sender": sender, "message": text}
            async with session.post(f"{self.url}/webhooks/rest/webhook", json=body, headers=headers) as r:
                assert r.status == 200, await r.text()
                answer: list[dict[str, Any]] = await r.json()
                return answer

    async def notify(self, sender: str, reply_id: str) -> tuple[int, Any]:
        event = {"type": "reply.available", "timestamp": "2026-12-03T16:00:00+00:00",
                 "data": {"reply_id": reply_id, "sender": sender}}  # fmt: skip
        body = json.dumps(event).encode()
        headers = signing.headers(f"msg_{reply_id}", BOT_WEBHOOK_SECRET, body)
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.url}/webhooks/hub/webhook", data=body, headers=headers) as r:
                return r.status, await r.json()


@pytest_asyncio.fixture
async def served(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Served]:
    platforms = Platforms().start()
    for name, value in (
        (env.HUB_URL.name, platforms.url),
        (env.HUB_SERVICE_TOKEN.name, "svc-test-token"),
        (env.REST_TOKEN.name, REST_TOKEN),
        ("QAID_BOT_WEBHOOK_SECRET", BOT_WEBHOOK_SECRET),
    ):
        monkeypatch.setenv(name, value)  # fmt: skip
    port, agent = free_port(), Assistant()
    channels = [RestInput.from_credentials({}), HubInput.from_credentials({})]
    try:
        async with serve_channels("rest_replies", port, channels, agent.handle_message, agent=agent):
            yield Served(f"http://127.0.0.1:{port}", platforms, agent)
    finally:
        platforms.stop()


def _reply_for(platforms: Platforms, sender: str) -> str:
    reply_id = f"rp_{next(_ids):032x}"
    platforms.hub_replies[reply_id] = {
        "id": reply_id, "conversation_id": binding.conversation_id(CONVERSATION_KEY, sender),
        "hospital_id": "titan", "hospital_name": "Titan Demo Hospital", "kind": "appointment",
        "text": "Please come so we can examine you.",
        "appointment": {"at": "2026-12-10T09:30", "place": "Building B, room 12", "bring": "",
                        "time_zone": "Europe/Bucharest"},
        "doctor": "Dr Ana Ionescu", "created_at": "2026-12-03T16:00:00+00:00", "answer": None,
        "answered_at": None,
    }  # fmt: skip
    return reply_id


def _texts(answer: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in answer if m.get("text")]


async def test_a_reply_comes_with_the_next_answer_once_and_is_accepted_from_there(served: Served) -> None:
    sender = f"rest-patient-{next(_ids)}"
    assert _texts(await served.say(sender, "hello")) == [HELLO]
    reply_id = _reply_for(served.platforms, sender)
    assert await served.notify(sender, reply_id) == (200, {"status": "shown", "reply_id": reply_id})
    assert await served.notify(sender, reply_id) == (
        200,
        {"status": "shown", "reply_id": reply_id},
    )  # a retry

    answer = await served.say(sender, "hello again")
    assert [{k: v for k, v in m.items() if k != "recipient_id"} for m in answer] == [
        {"text": HELLO},
        {
            "text": "Titan Demo Hospital replied (Dr Ana Ionescu): Please come so we can examine you.\n"
            "Appointment: Thursday 10 December 2026, 09:30 (Europe/Bucharest time, UTC+02:00), "
            "Building B, room 12.\nWould you like to accept this appointment?",
            "buttons": [
                {"title": "Accept", "payload": "/accept_appointment"},
                {"title": "Decline", "payload": "/decline_appointment"},
            ],
        },  # fmt: skip
        {"custom": {"notice": "doctor_reply", "doctor_reply": reply_id}},
    ]
    assert _texts(await served.say(sender, "hello")) == [HELLO]  # given once, not again

    accepted = _texts(await served.say(sender, "/accept_appointment"))
    assert accepted == [
        "Thank you. I've told Titan Demo Hospital that you accept the appointment on Thursday 10 December "
        "2026, 09:30 (Europe/Bucharest time, UTC+02:00), Building B, room 12."
    ]
    own = binding.conversation_id(CONVERSATION_KEY, sender)
    assert [c.data for c in served.platforms.find("hub", "answer")] == [
        {"conversation_id": own, "answer": "accepted"}
    ]
    tracker = await served.agent.tracker_store.retrieve(sender)
    [kept] = tracker.get_slot("doctor_replies")
    assert kept["answer"] == "accepted" and KEPT not in kept


async def test_of_two_messages_at_once_one_answer_carries_the_reply(served: Served) -> None:
    sender = f"rest-patient-{next(_ids)}"
    await served.say(sender, "hello")
    reply_id = _reply_for(served.platforms, sender)
    assert (await served.notify(sender, reply_id))[0] == 200
    answers = await asyncio.gather(*(served.say(sender, f"hello {n}") for n in range(4)))
    given = [m for a in answers for m in _texts(a) if "replied" in m]
    assert len(given) == 1 and given[0].startswith("Titan Demo Hospital replied (Dr Ana Ionescu)")
