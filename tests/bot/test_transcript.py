"""Conversation end: the transcript's schema, consent-only and exactly-once delivery."""

from __future__ import annotations

import json
import re
import time

import pytest
from conversation_image import CONVERSATION_KEY, image_metadata
from tracker_helpers import bot_event, make_tracker, slot_events, texts, user_event

from qaid_bot.actions.transcript import ActionEndConversation, build_transcript, conversation_id
from qaid_contracts import binding, limits

HOSPITALS = [
    {"id": "herastrau", "name": "Herastrau Demo Hospital"},
    {"id": "cismigiu", "name": "Cismigiu Demo Hospital"},
]


def consented_slots(**extra):
    slots = {
        "consent": True,
        "consent_at": "2026-01-01T10:00:00+00:00",
        "consent_hospitals": HOSPITALS,
        "consent_statement": "May I send ...?",
        "contact_name": "Ana Pop",
        "contact": "ana@example.com",
        "contact_email": "ana@example.com",
        "contact_phone": None,
        "images": [{"image_id": "img-1", "sha256": "ab" * 32}],
        "findings": [
            {
                "hospital_id": "herastrau",
                "hospital_name": "H",
                "image_id": "img-1",
                "kind": "vqa",
                "question": "is there a lesion?",
                "answer": "yes",
                "confidence": 0.9,
                "detail": {},
            },
            {
                "hospital_id": "titan",
                "hospital_name": "T",
                "image_id": "img-1",
                "kind": "analyze",
                "answer": "brain MRI",
                "confidence": 0.9,
                "detail": {},
            },
        ],
        "consensus": [
            {"kind": "vqa", "question": "is there a lesion?", "answer": "yes", "agree": 2, "total": 2}
        ],
        "symptoms": ["I have a headache"],
        "definitions": ["FLAIR"],
    }
    slots.update(extra)
    return slots


def conversation(now=None):
    now = now or time.time()
    return [
        {"event": "action", "name": "action_session_start", "timestamp": now - 100},
        {"event": "session_started", "timestamp": now - 100},
        user_event("hi", now - 90),
        bot_event("Hello!", now - 89),
        user_event("/share_image", now - 80, metadata=image_metadata("http://hub", "img-1")),
        bot_event("This looks like a medical image", now - 79),
        bot_event(None, now - 78, image="http://hub/overlay.png"),
        user_event("/affirm", now - 70),
        user_event("EXTERNAL: EXTERNAL_inactivity", now - 60, intent="EXTERNAL_inactivity"),
        user_event("bye", now - 1, intent="goodbye"),
    ]


def test_transcript_schema(env):
    tracker = make_tracker("bye", "goodbye", slots=consented_slots(urgent=True), events=conversation())
    t = build_transcript(tracker, "goodbye", final_bot_text="Goodbye!")
    assert set(t) == {
        "schema_version",
        "conversation_id",
        "created_at",
        "ended_reason",
        "urgency",
        "consent",
        "contact",
        "messages",
        "images",
        "findings",
        "consensus",
        "symptoms",
        "definitions",
        "location",
    }
    assert t["schema_version"] == 1 and t["conversation_id"] == binding.conversation_id(
        CONVERSATION_KEY, "conv-1"
    )
    assert t["ended_reason"] == "goodbye" and t["urgency"] == "urgent"
    assert t["consent"] == {
        "given": True,
        "at": "2026-01-01T10:00:00+00:00",
        "hospitals": ["herastrau", "cismigiu"],
        "statement": "May I send ...?",
    }
    assert t["contact"] == {"name": "Ana Pop", "phone": None, "email": "ana@example.com"}
    # only the consented hospitals' findings travel
    assert [f["hospital_id"] for f in t["findings"]] == ["herastrau"]
    assert t["location"] == {"lat": 44.4268, "lon": 26.1025, "name": "Bucharest"}
    senders = [(m["sender"], m["text"]) for m in t["messages"]]
    assert senders == [
        ("patient", "hi"),
        ("bot", "Hello!"),
        ("patient", "[image]"),
        ("bot", "This looks like a medical image"),
        ("bot", "[image]"),
        ("patient", "yes"),
        ("patient", "bye"),
        ("bot", "Goodbye!"),
    ]
    assert t["messages"][2]["image_id"] == "img-1" and "image_id" not in t["messages"][0]
    assert all(m["at"].endswith("+00:00") for m in t["messages"])


def test_only_the_current_session_and_its_own_id():
    old = [{"event": "session_started", "timestamp": 1.0}, user_event("old message", 2.0)]
    tracker = make_tracker(slots=consented_slots(), events=old + conversation())
    assert conversation_id(tracker) == binding.conversation_id(CONVERSATION_KEY, "conv-1") + "-s2"
    t = build_transcript(tracker, "goodbye")
    assert "old message" not in [m["text"] for m in t["messages"]]


def test_conversation_id_is_hub_safe_and_not_the_sender_id():
    """The sender id is the chat's credential (REST or socket.io with it continues the conversation):
    hospitals get a keyed hash of it, which acts as nobody."""
    shown = conversation_id(make_tracker(sender_id="ana@example.com/1"))
    assert re.fullmatch(limits.ID_PATTERN, shown) and "ana" not in shown
    assert shown == binding.conversation_id(CONVERSATION_KEY, "ana@example.com/1")
    assert shown != conversation_id(make_tracker(sender_id="ana@example.com/2"))


def test_a_message_naming_an_unverified_image_id_carries_no_image_id():
    """Only images the action verified (the images slot) are named in the transcript's messages."""
    events = [user_event("/share_image", metadata=image_metadata("", "img_" + "f" * 32))]
    t = build_transcript(make_tracker(slots=consented_slots(), events=events), "goodbye")
    assert all("image_id" not in m for m in t["messages"])


def test_routine_and_shared_location(env):
    tracker = make_tracker(slots=consented_slots(geo={"lat": 46.77, "lon": 23.62}), events=conversation())
    t = build_transcript(tracker, "appointment")
    assert t["urgency"] == "routine" and t["location"] == {"lat": 46.77, "lon": 23.62}


@pytest.mark.asyncio
async def test_goodbye_delivers_exactly_once(network, dispatcher):
    tracker = make_tracker("bye", "goodbye", slots=consented_slots(), events=conversation())
    events = await ActionEndConversation().run(dispatcher, tracker, {})
    assert slot_events(events) == {"transcript_sent": True}
    [t] = network.hub.transcripts
    assert t["ended_reason"] == "goodbye"
    # the way back for doctors' replies: the sender id, in a header, never in the transcript
    assert network.hub.senders == [tracker.sender_id] and tracker.sender_id not in json.dumps(t)
    assert t["messages"][-1]["text"] == texts(dispatcher)[0]
    assert (
        "sent our conversation to Herastrau Demo Hospital and Cismigiu Demo Hospital" in texts(dispatcher)[0]
    )
    # the slot is set now: a second goodbye does not deliver again
    again = make_tracker("bye", "goodbye", slots=consented_slots(transcript_sent=True), events=conversation())
    assert await ActionEndConversation().run(dispatcher, again, {}) == []
    assert len(network.hub.transcripts) == 1 and "already sent" in texts(dispatcher)[1]


@pytest.mark.asyncio
async def test_without_consent_nothing_leaves(network, dispatcher):
    for consent in (None, False):
        tracker = make_tracker(
            "bye", "goodbye", slots=consented_slots(consent=consent), events=conversation()
        )
        assert await ActionEndConversation().run(dispatcher, tracker, {}) == []
    assert network.hub.transcripts == []
    assert all("Nothing from this conversation was shared" in t for t in texts(dispatcher))


@pytest.mark.asyncio
async def test_no_after_the_appointment_ends_with_reason_appointment(network, dispatcher):
    tracker = make_tracker("no", "deny", slots=consented_slots(), events=conversation())
    await ActionEndConversation().run(dispatcher, tracker, {})
    assert network.hub.transcripts[0]["ended_reason"] == "appointment"


@pytest.mark.asyncio
async def test_inactivity_delivers_after_the_idle_period(network, dispatcher, env):
    env.setenv("QAID_INACTIVITY_S", "30")
    tracker = make_tracker(
        "EXTERNAL: EXTERNAL_inactivity",
        "EXTERNAL_inactivity",
        slots=consented_slots(),
        events=conversation(now=time.time() - 100),
    )
    events = await ActionEndConversation().run(dispatcher, tracker, {})
    assert slot_events(events) == {"transcript_sent": True}
    assert network.hub.transcripts[0]["ended_reason"] == "inactivity"


@pytest.mark.asyncio
async def test_inactivity_reminder_rearms_while_the_patient_is_active(network, dispatcher, env):
    env.setenv("QAID_INACTIVITY_S", "600")
    tracker = make_tracker(
        "EXTERNAL: EXTERNAL_inactivity", "EXTERNAL_inactivity", slots=consented_slots(), events=conversation()
    )
    [reminder] = await ActionEndConversation().run(dispatcher, tracker, {})
    assert reminder["event"] == "reminder" and reminder["intent"] == "EXTERNAL_inactivity"
    assert reminder["name"].startswith("qaid_inactivity_")  # not the running job's name
    assert network.hub.transcripts == [] and dispatcher.messages == []


@pytest.mark.asyncio
async def test_inactivity_without_consent_is_silent(network, dispatcher):
    tracker = make_tracker(
        "EXTERNAL: EXTERNAL_inactivity",
        "EXTERNAL_inactivity",
        slots=consented_slots(consent=None),
        events=conversation(now=time.time() - 10_000),
    )
    assert await ActionEndConversation().run(dispatcher, tracker, {}) == []
    assert dispatcher.messages == [] and network.hub.transcripts == []


@pytest.mark.asyncio
async def test_hub_failure_keeps_it_unsent_for_a_retry(network, dispatcher):
    network.hub.transcript_status = 503
    tracker = make_tracker("bye", "goodbye", slots=consented_slots(), events=conversation())
    [retry] = await ActionEndConversation().run(dispatcher, tracker, {})
    # The patient may not write again: a reminder retries without them.
    assert retry["event"] == "reminder" and retry["intent"] == "EXTERNAL_inactivity"
    assert retry["name"].startswith("qaid_inactivity_") and retry["kill_on_user_msg"] is False
    assert "couldn't reach" in texts(dispatcher)[0] and "keep trying" in texts(dispatcher)[0]
    network.hub.transcript_status = 201
    events = await ActionEndConversation().run(dispatcher, tracker, {})
    assert slot_events(events) == {"transcript_sent": True} and len(network.hub.transcripts) == 1


@pytest.mark.asyncio
async def test_service_token_is_required(network, dispatcher, env):
    env.setenv("QAID_HUB_SERVICE_TOKEN", "wrong")
    tracker = make_tracker("bye", "goodbye", slots=consented_slots(), events=conversation())
    events = await ActionEndConversation().run(dispatcher, tracker, {})
    assert "transcript_sent" not in slot_events(events)
    assert network.hub.transcripts == []


@pytest.mark.asyncio
async def test_no_hospitals_no_delivery(network, dispatcher):
    tracker = make_tracker(
        "bye", "goodbye", slots=consented_slots(consent_hospitals=[]), events=conversation()
    )
    assert await ActionEndConversation().run(dispatcher, tracker, {}) == []
    assert network.hub.transcripts == [] and "nothing was shared" in texts(dispatcher)[0]


@pytest.mark.asyncio
async def test_a_retry_while_the_hub_is_still_down_is_silent_and_rearms(network, dispatcher, env):
    env.setenv("QAID_INACTIVITY_S", "30")
    network.hub.transcript_status = 503
    tracker = make_tracker(
        "EXTERNAL: EXTERNAL_inactivity",
        "EXTERNAL_inactivity",
        slots=consented_slots(),
        events=conversation(now=time.time() - 100),
    )
    [retry] = await ActionEndConversation().run(dispatcher, tracker, {})
    assert retry["event"] == "reminder" and dispatcher.messages == []
    network.hub.transcript_status = 201
    events = await ActionEndConversation().run(dispatcher, tracker, {})
    assert slot_events(events) == {"transcript_sent": True} and len(network.hub.transcripts) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("reason", ["goodbye", "inactivity"])
async def test_a_transcript_the_hub_refuses_for_good_is_not_retried_for_ever(
    network, dispatcher, env, reason
):
    """Issue 16: a 422 made the bot retry every idle period for ever. Now: told once, no reminder."""
    env.setenv("QAID_INACTIVITY_S", "30")
    network.hub.transcript_status = 422
    intent = "goodbye" if reason == "goodbye" else "EXTERNAL_inactivity"
    tracker = make_tracker("bye", intent, slots=consented_slots(), events=conversation(now=time.time() - 100))
    events = await ActionEndConversation().run(dispatcher, tracker, {})
    assert events == []  # no reminder: nothing retries it
    assert (
        "could not be sent" in texts(dispatcher)[0] and "trying again will not help" in texts(dispatcher)[0]
    )
    assert network.hub.transcripts == []


def test_an_overlong_place_name_cannot_make_the_transcript_unacceptable(env):
    """A 200+ character location name made every transcript post fail with 422."""
    slots = consented_slots(geo={"lat": 46.77, "lon": 23.62, "name": "Cluj " * 100})
    t = build_transcript(make_tracker(slots=slots, events=conversation()), "goodbye")
    assert len(t["location"]["name"]) == limits.MAX_SHORT_TEXT_CHARS
