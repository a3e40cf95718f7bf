"""Red flags: how a message is read (normalised, split into clauses), the clinical list's sources,
and how the decision combines the rules, the classifier and the message's metadata. The emergencies
and look-alikes the rules were built against are in test_red_flag_emergencies.py and
test_red_flag_lookalikes.py."""

from __future__ import annotations

import pytest

from qaid_bot.nlu.red_flag_rules import CATEGORIES, COMPILED
from qaid_bot.nlu.red_flags import assess, clauses, decide, normalise


def test_typos_in_key_words_are_corrected() -> None:
    assert normalise("I cant breth, my chest pian") == "i can't breath, my chest pain"
    assert normalise("Im unconcious") == "i'm unconscious"
    assert normalise("I stroked the cat") == "i stroked the cat"


def test_clauses_split_on_but_and_now() -> None:
    assert clauses("I had a stroke in 2019, but now my face droops. Help!") == [
        "i had a stroke in 2019",
        "now my face droops",
        "help",
    ]


def test_no_pattern_matches_everything() -> None:
    """An empty alternative ("a|") would make a category fire on any message."""
    for category, strong, soft in COMPILED:
        for pattern in (strong, soft):
            assert pattern is None or pattern.search("") is None, category.name
    assert not assess("hello, thank you, here is the picture").emergency


def test_every_category_names_its_source() -> None:
    names = [(c.name, c.language) for c in CATEGORIES]
    assert len(names) == len(set(names))
    english = {c.name for c in CATEGORIES if c.language == "en"}
    assert {c.name for c in CATEGORIES if c.language != "en"} <= english  # same concepts, same guards
    assert all(any(org in c.source for org in ("NHS", "NICE", "AHA")) for c in CATEGORIES)


def test_classifier_emergency_on_a_defused_mention_falls_to_runner_up() -> None:
    ranking = [{"name": "emergency", "confidence": 0.7}, {"name": "describe_symptoms", "confidence": 0.2}]
    assert decide("I had a stroke in 2019", {}, ranking[0], ranking) == "describe_symptoms"


def test_classifier_emergency_without_any_flag_word_is_kept() -> None:
    # DIET may catch an emergency the rules have no words for; it keeps its say
    assert decide("please come quickly", {}, {"name": "emergency", "confidence": 0.9}, []) is None


def test_metadata_decides_image_and_location() -> None:
    assert decide("what is this?", {"image": {"image_id": "x"}}, {"name": "ask_image_question"}, []) == (
        "share_image"
    )
    assert decide("here", {"location": {"lat": 1, "lon": 2}}, {"name": "greet"}, []) == "share_location"
    assert decide("hello", {}, {"name": "greet", "confidence": 0.99}, []) is None
    # an emergency beats an attached image
    assert decide("help he's not breathing", {"image": {"image_id": "x"}}, {"name": "greet"}, []) == (
        "emergency"
    )


def test_reminder_intent_is_never_predicted_from_text() -> None:
    assert decide("EXTERNAL_inactivity", {}, {"name": "EXTERNAL_inactivity", "confidence": 0.9}, []) == (
        "nlu_fallback"
    )


def test_an_unsure_classifier_on_a_long_image_question_gets_the_question_sentence() -> None:
    text = (
        "Sorry, long story. My GP sent me for this MRI after months of tingling, the clinic is closed "
        "and my husband says to wait. Does it show any lesion?"
    )
    assert decide(text, {}, {"name": "nlu_fallback", "confidence": 0.45}, []) == "ask_image_question"
    assert decide("hmm ok whatever", {}, {"name": "nlu_fallback", "confidence": 0.4}, []) is None


@pytest.mark.parametrize(
    "text",
    ["does the clinic have an emergency department?", "my laptop is dying, hurry", "what is an emergency?"],
)
def test_a_defused_topic_word_without_a_flag_is_a_mention(text: str) -> None:
    # the classifier's "emergency" on such a message falls to its runner-up
    ranking = [{"name": "emergency", "confidence": 0.6}, {"name": "ask_capabilities", "confidence": 0.3}]
    assert not assess(text).emergency and assess(text).mentioned
    assert decide(text, {}, ranking[0], ranking) == "ask_capabilities"


@pytest.mark.parametrize(
    ("text", "emergency"),
    [
        ("I read about suicide online and I want to kill myself", True),
        ("the doctor said it is nothing, I want to kill myself", True),
        ("if the results are bad I'll end my life", True),
        ("I am reading a book about suicide prevention", False),
        # how to help someone who talks of it: that person may be at risk now
        ("how should I respond when my friend talks about suicide?", True),
        ("what is suicide?", False),
        ("I want to know more about seizure triggers", False),
    ],
)
def test_suicidal_statements_are_defused_only_by_negation_the_past_or_learning(
    text: str, emergency: bool
) -> None:
    assert assess(text).emergency is emergency, assess(text)


def test_an_image_question_after_symptoms_or_worry_is_the_request() -> None:
    context = (
        "I had this MRI because my left hand keeps going numb and I feel dizzy when I stand up. "
        "My aunt has MS and I can't sleep. Is there a lesion on it?"
    )
    for predicted in ("describe_symptoms", "express_worry"):
        assert decide(context, {}, {"name": predicted, "confidence": 0.6}, []) == "ask_image_question"
        # a question that may be about the symptoms stays theirs; so does one no model can answer
        for text in (
            "I get headaches every afternoon, is that normal?",
            "my arm is numb on the left, which side is it on?",
            "I feel dizzy. is anything wrong with me?",
            "I fell on my wrist last week. is there a fracture on the x-ray?",
        ):
            assert decide(text, {}, {"name": predicted, "confidence": 0.6}, []) is None, text
    # the classifier's other readings are not second-guessed
    assert (
        decide("what is a lesion on an MRI?", {}, {"name": "ask_definition", "confidence": 0.9}, []) is None
    )


def test_whether_a_finding_is_there_is_an_image_question_even_read_as_a_definition() -> None:
    # the model trained with v9-v13 read the chest model's own question as a definition (bench/load.py)
    definition = {"name": "ask_definition", "confidence": 0.94}
    for text in ("is there a nodule?", "any nodules on it?", "do you see a lesion in my scan?"):
        assert decide(text, {}, definition, []) == "ask_image_question", text
    for text in ("what is a nodule?", "what does lesion mean?", "is there a cure for MS?"):
        assert decide(text, {}, definition, []) is None, text
