"""Image questions answered only where a model was trained for them; compound and long messages;
which image a follow-up is about; refusals reported as refusals (fake hub + HIP servers)."""

from __future__ import annotations

import pytest
from conversation_image import image_metadata
from tracker_helpers import make_tracker, slot_events, texts

from qaid_bot.actions.image_flow import ActionAnalyzeImage
from qaid_bot.actions.questions import ActionAnswerQuestion, declared_types
from qaid_bot.nlu.question_offers import FALLBACK_TYPES
from qaid_contracts.limits import MAX_QUESTION_CHARS

pytestmark = pytest.mark.asyncio

LONG = (
    "Hello, sorry for the long message. I had this MRI three weeks ago because I kept getting numbness "
    "in my left hand and some dizziness when I stand up, and my GP said the neurologist would call me "
    "but nobody has, and I've been checking my phone every hour. My mother had MS and I keep reading "
    "things online that make me more anxious, and my husband says I should just wait for the report, "
    "but I can't sleep and I just want to know something, anything, before the weekend, because the "
    "clinic is closed then and I will be thinking about it the whole time. So, is there a lesion on "
    "the scan? Thank you for reading all this."
)


async def _image_slots(network, dispatcher) -> dict:
    tracker = make_tracker("/share_image", "share_image", metadata=image_metadata(network.hub.url))
    slots = slot_events(await ActionAnalyzeImage().run(dispatcher, tracker, {}))
    dispatcher.messages.clear()
    return slots


def _vqa_questions(network) -> list[str]:
    return [c[4:] for h in network.hips for c in h.calls if c.startswith("vqa:")]


async def test_a_long_worried_question_is_answered_with_the_canonical_question(network, dispatcher):
    assert len(LONG) > MAX_QUESTION_CHARS  # the HIP would refuse the patient's own words
    slots = await _image_slots(network, dispatcher)
    await ActionAnswerQuestion().run(dispatcher, make_tracker(LONG, "ask_image_question", slots=slots), {})
    [worry, text] = texts(dispatcher)
    assert worry.startswith("I'm sorry this is worrying you")
    assert text.startswith("Is there a lesion? Answer: yes. 2 of 2 hospitals answered yes.")
    assert set(_vqa_questions(network)) == {"is there a lesion?"}


@pytest.mark.parametrize(
    "question,cannot",
    [
        ("is there a fracture?", "whether a bone is broken"),
        ("is there bleeding in my brain?", "whether there is bleeding"),
        ("what does this mean for my treatment?", "what it means for treatment"),
    ],
)
async def test_an_unsupported_question_is_never_sent_and_never_answered_yes(
    network, dispatcher, question, cannot
):
    slots = await _image_slots(network, dispatcher)
    events = await ActionAnswerQuestion().run(dispatcher, make_tracker(question, slots=slots), {})
    [text] = texts(dispatcher)
    assert events == [] and _vqa_questions(network) == []
    assert f"can't tell {cannot}" in text and "won't guess" in text
    assert "I can check whether there is a lesion, how many and on which side" in text
    assert "A doctor can answer the rest" in text and "Answer:" not in text


async def test_an_unknown_question_says_what_the_models_can_tell(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    await ActionAnswerQuestion().run(dispatcher, make_tracker("what do you reckon?", slots=slots), {})
    [text] = texts(dispatcher)
    assert "not sure what you would like to know" in text and "I can check" in text
    assert _vqa_questions(network) == []


async def test_supported_and_unsupported_parts_are_both_answered(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    await ActionAnswerQuestion().run(
        dispatcher, make_tracker("Is there a lesion? And is it cancer?", slots=slots), {}
    )
    [text] = texts(dispatcher)
    assert "Is there a lesion? Answer: yes." in text
    assert "can't tell whether something is a tumour or cancer" in text


async def test_declared_question_types_are_used(network, dispatcher):
    for h in network.hips:
        h.question_types = [{"id": "lesion", "question": "is a lesion present?"}]
    slots = await _image_slots(network, dispatcher)
    await ActionAnswerQuestion().run(dispatcher, make_tracker("any lesions?", slots=slots), {})
    assert set(_vqa_questions(network)) == {"is a lesion present?"}
    dispatcher.messages.clear()
    await ActionAnswerQuestion().run(dispatcher, make_tracker("which side is it on?", slots=slots), {})
    [text] = texts(dispatcher)
    assert "on which side a lesion is (no nearby hospital's model was trained for it)" in text
    assert "I can check whether there is a lesion." in text


def test_declared_types_fall_back_only_when_none_are_declared() -> None:
    assert declared_types({}) == FALLBACK_TYPES
    assert declared_types({"question_types": [{"id": "count", "question": "how many?"}]}) == {
        "count": "how many?"
    }
    too_long = {"question_types": [{"id": "count", "question": "x" * (MAX_QUESTION_CHARS + 1)}]}
    assert declared_types(too_long) == {}


async def test_a_4xx_from_a_hip_is_reported_as_a_refusal_not_unreachable(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    network.hip("herastrau").mode = "error422"
    await ActionAnswerQuestion().run(dispatcher, make_tracker("is there a lesion?", slots=slots), {})
    [text] = texts(dispatcher)
    assert "1 of 1 hospital answered yes" in text
    assert "refused the request as invalid" in text and "unreachable" not in text


async def test_place_and_question_in_one_message(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    tracker = make_tracker(
        "hi, I'm in Cluj — is there a lesion?",
        "ask_image_question",
        slots=slots,
        entities=[{"entity": "location", "value": "Cluj", "start": 8, "end": 12}],
    )
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    [noted, answer] = texts(dispatcher)
    assert "you are near Cluj-Napoca" in noted and "Answer: yes" in answer
    assert slot_events(events)["geo"]["name"] == "Cluj-Napoca"


async def test_place_and_question_without_an_image(network, dispatcher):
    tracker = make_tracker(
        "I'm in Cluj, is there a lesion?", entities=[{"entity": "location", "value": "Cluj"}]
    )
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    [text] = texts(dispatcher)
    assert "near Cluj-Napoca" in text and "send me an image first" in text
    assert slot_events(events)["geo"]["name"] == "Cluj-Napoca"


async def test_follow_up_names_the_image_when_a_later_one_was_not_analysed(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    slots["images"] = [*slots["images"], {"image_id": "holiday-photo", "sha256": "0" * 64}]
    await ActionAnswerQuestion().run(dispatcher, make_tracker("is there a lesion?", slots=slots), {})
    [text] = texts(dispatcher)
    assert text.startswith("About your brain MRI sent at ") and "(the last image I could analyse)" in text


async def test_follow_up_about_the_last_image_needs_no_reference(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    await ActionAnswerQuestion().run(dispatcher, make_tracker("is there a lesion?", slots=slots), {})
    assert texts(dispatcher)[0].startswith("Is there a lesion?")


def test_a_hospital_whose_models_do_not_cover_the_image_kind_is_said_so() -> None:
    """409 not_applicable (the HIP's domain gate) is named for what it is, not as an error code."""
    from qaid_bot.actions.common import missing_note
    from qaid_bot.clients import Outcome
    from qaid_contracts.errors import NOT_APPLICABLE

    gate = [Outcome({"id": "h1", "name": "Cismigiu"}, error=NOT_APPLICABLE),
            Outcome({"id": "h2", "name": "Titan"}, error=NOT_APPLICABLE)]  # fmt: skip
    assert missing_note(gate) == (
        "Cismigiu and Titan could not run a model on this image (it looks unlike the images the models were "
        "trained on), so their answer is missing."
    )


async def test_a_question_the_rules_cannot_type_takes_the_learnt_type(network, dispatcher):
    # "is what I uploaded a scan of the brain": no rule types it; the NLU's classifier said is_brain
    slots = await _image_slots(network, dispatcher)
    question = "is what I uploaded a scan of the brain"
    learnt = {"name": "is_brain", "confidence": 0.83}
    await ActionAnswerQuestion().run(dispatcher, make_tracker(question, slots=slots), {})
    assert "not sure what you would like to know" in texts(dispatcher)[0]
    assert _vqa_questions(network) == []
    dispatcher.messages.clear()
    tracker = make_tracker(question, slots=slots, question_type=learnt)
    await ActionAnswerQuestion().run(dispatcher, tracker, {})
    [text] = texts(dispatcher)
    assert set(_vqa_questions(network)) == {FALLBACK_TYPES["is_brain"]}
    assert "Answer:" in text and "hospitals answered" in text


@pytest.mark.parametrize(
    "question,learnt",
    [
        ("is there a fracture?", {"name": "lesion", "confidence": 0.9}),  # a veto beats the classifier
        ("what is this a scan of", {"name": "no_such_type", "confidence": 0.99}),  # unknown id
        ("what is this a scan of", "organ"),  # not the shape the NLU writes
    ],
)
async def test_a_learnt_type_never_overrules_a_veto_or_names_an_unknown_type(
    network, dispatcher, question, learnt
):
    slots = await _image_slots(network, dispatcher)
    await ActionAnswerQuestion().run(
        dispatcher, make_tracker(question, slots=slots, question_type=learnt), {}
    )
    [text] = texts(dispatcher)
    assert _vqa_questions(network) == [] and "Answer:" not in text
