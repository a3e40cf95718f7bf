"""Emergency first, the bot's honesty; symptoms and location (red-flag detection: test_red_flags.py)."""

from __future__ import annotations

import pytest
from tracker_helpers import make_tracker, slot_events, texts

from qaid_bot.actions.emergency import ActionEmergency
from qaid_bot.actions.fallback import ActionCoreFallback
from qaid_bot.actions.location import ActionSetLocation, coords_from_metadata, coords_from_text, resolve_place
from qaid_bot.actions.symptoms import ActionNoteSymptoms

pytestmark = pytest.mark.asyncio


async def test_emergency_number_comes_first(dispatcher, env):
    env.setenv("QAID_EMERGENCY_NUMBER", "911")
    events = await ActionEmergency().run(dispatcher, make_tracker("I have chest pain", "emergency"), {})
    assert texts(dispatcher)[0].startswith("Call 911 now")
    assert slot_events(events) == {"urgent": True, "symptoms": ["I have chest pain"]}


async def test_emergency_default_number_and_inside_a_form(dispatcher, env):
    env.delenv("QAID_EMERGENCY_NUMBER")
    tracker = make_tracker("can't breathe", "emergency", active_loop={"name": "appointment_form"})
    await ActionEmergency().run(dispatcher, tracker, {})
    assert texts(dispatcher)[0].startswith("Call 112 now")
    assert "continue" in texts(dispatcher)[1]


async def test_symptoms_are_noted(dispatcher):
    events = await ActionNoteSymptoms().run(
        dispatcher, make_tracker("my head hurts", "describe_symptoms", slots={"symptoms": ["dizzy"]}), {}
    )
    assert slot_events(events) == {"symptoms": ["dizzy", "my head hurts"]}
    assert "I can't tell what causes it" in texts(dispatcher)[0]


async def test_core_fallback_reverts_the_turn(dispatcher):
    events = await ActionCoreFallback().run(dispatcher, make_tracker("???"), {})
    assert events == [{"event": "rewind", "timestamp": None}]


@pytest.mark.parametrize(
    "text,name",
    [
        ("Cluj", "Cluj-Napoca"),
        ("i'm in bucuresti", "Bucharest"),
        ("Iași", "Iasi"),
        ("near Targu Mures", "Targu Mures"),
    ],
)
async def test_places(text, name):
    assert resolve_place(text)["name"] == name


async def test_coordinates():
    assert coords_from_metadata({"location": {"lat": "46.7", "lon": 23.6}}) == {"lat": 46.7, "lon": 23.6}
    assert coords_from_metadata({"location": {"lat": 200, "lon": 0}}) is None
    assert coords_from_metadata({}) is None
    assert coords_from_text("I'm at 44.43, 26.10") == {"lat": 44.43, "lon": 26.10}
    assert resolve_place("Zorbulandia") is None


async def test_location_lists_the_nearby_hospitals(network, dispatcher):
    tracker = make_tracker(
        "i'm in cluj", "share_location", entities=[{"entity": "location", "value": "Cluj"}]
    )
    events = await ActionSetLocation().run(dispatcher, tracker, {})
    assert slot_events(events)["geo"] == {"lat": 46.7712, "lon": 23.6236, "name": "Cluj-Napoca"}
    text = texts(dispatcher)[0]
    assert "near Cluj-Napoca" in text and "3 Q&Aid hospitals are within 25 km" in text
    assert "Cismigiu Demo Hospital (2.5 km): brain MRI, chest X-ray" in text
    assert network.hub.nearby_calls[0]["lat"] == "46.7712"


async def test_location_from_metadata(network, dispatcher):
    tracker = make_tracker(
        "/share_location", "share_location", metadata={"location": {"lat": 44.47, "lon": 26.08}}
    )
    events = await ActionSetLocation().run(dispatcher, tracker, {})
    assert slot_events(events)["geo"] == {"lat": 44.47, "lon": 26.08}


async def test_unknown_place(network, dispatcher):
    tracker = make_tracker(
        "I'm in Zorbulandia", "share_location", entities=[{"entity": "location", "value": "Zorbulandia"}]
    )
    assert await ActionSetLocation().run(dispatcher, tracker, {}) == []
    assert 'don\'t know where "Zorbulandia" is' in texts(dispatcher)[0]
