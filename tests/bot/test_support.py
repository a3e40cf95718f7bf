"""Treatment questions without advice, worry acknowledged, terms in context, "near me"."""

from __future__ import annotations

import pytest
from tracker_helpers import make_tracker, slot_events, texts, user_event

from qaid_bot.actions.definitions import ActionDefine
from qaid_bot.actions.location import ActionSetLocation
from qaid_bot.actions.message_parts import worry_ack
from qaid_bot.actions.treatment import NO_ADVICE, ActionTreatmentQuestion
from qaid_bot.actions.worry import ActionAcknowledgeWorry

pytestmark = pytest.mark.asyncio


async def test_a_treatment_question_gets_no_advice_but_the_medicines_named(dispatcher):
    text = "my neurologist offered ocrelizumab or natalizumab, which one should I choose?"
    await ActionTreatmentQuestion().run(dispatcher, make_tracker(text, "ask_treatment"), {})
    [reply] = texts(dispatcher)
    assert reply.startswith(NO_ADVICE)
    assert "Ocrelizumab is a disease-modifying medicine" in reply and "Natalizumab is" in reply
    assert reply.count("MedlinePlus") == 2 and "can't advise on medicines" in reply
    assert "you should" not in reply.lower()


async def test_a_treatment_question_worded_as_a_definition_gets_no_advice(dispatcher):
    await ActionDefine().run(
        dispatcher, make_tracker("what does this mean for my treatment?", "ask_definition"), {}
    )
    assert texts(dispatcher) == [NO_ADVICE]


async def test_worry_is_acknowledged_with_the_emergency_number(dispatcher, env):
    env.setenv("QAID_EMERGENCY_NUMBER", "112")
    await ActionAcknowledgeWorry().run(dispatcher, make_tracker("I'm so scared", "express_worry"), {})
    [reply] = texts(dispatcher)
    assert reply.startswith("I'm sorry this is worrying you") and "call 112" in reply


@pytest.mark.parametrize(
    "text,worried",
    [("I'm scared, is there a lesion?", True), ("I'm not worried, just curious", False), ("hi", False)],
)
async def test_worry_is_heard_in_any_message(text, worried):
    assert (worry_ack(text) is not None) is worried


async def test_a_term_inside_a_long_sentence_in_the_sense_of_ms(dispatcher):
    text = "I have MS and my neurologist keeps talking about demyelination, what is that?"
    entities = [
        {"entity": "medical_term", "value": "MS", "start": 7, "end": 9},
        {"entity": "medical_term", "value": "demyelination", "start": 49, "end": 62},
    ]
    events = await ActionDefine().run(dispatcher, make_tracker(text, "ask_definition", entities=entities), {})
    [reply] = texts(dispatcher)
    assert reply.startswith("Demyelination is damage to myelin") and "central nervous system" in reply
    assert "peripheral" not in reply.lower()
    assert slot_events(events)["definitions"] == ["demyelination"]


async def test_the_sense_follows_the_conversation(dispatcher):
    earlier = [user_event("the nerve conduction test showed problems in the nerves in my legs")]
    tracker = make_tracker("what is demyelination?", "ask_definition", events=earlier)
    await ActionDefine().run(dispatcher, tracker, {})
    assert "peripheral demyelination" in texts(dispatcher)[0]


@pytest.mark.parametrize(
    "text", ["which hospitals are near me?", "find a hospital near me", "use my location"]
)
async def test_near_me_offers_the_location_button(network, dispatcher, text):
    assert await ActionSetLocation().run(dispatcher, make_tracker(text, "share_location"), {}) == []
    [message] = dispatcher.messages
    assert "share your location with the button below" in message["text"]
    assert message["custom"] == {"request_location": True}


async def test_a_place_name_works_as_before(network, dispatcher):
    tracker = make_tracker(
        "hospitals near Cluj please", "share_location", entities=[{"entity": "location", "value": "Cluj"}]
    )
    events = await ActionSetLocation().run(dispatcher, tracker, {})
    assert slot_events(events)["geo"]["name"] == "Cluj-Napoca"
