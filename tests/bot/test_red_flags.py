"""Red flags: the development cases the clinical rules were built against (the held-out set in
bot/tests/heldout/emergencies.yml is only measured, in test_heldout_safety.py)."""

from __future__ import annotations

import pytest

from qaid_bot.nlu.red_flag_rules import CATEGORIES
from qaid_bot.nlu.red_flags import assess, clauses, decide, is_red_flag, normalise

EMERGENCIES = [
    # cardiac
    "I have chest pain",
    "chest pains since lunch",
    "there's a heavy feeling in my chest and my jaw aches",
    "my grandad says his chest is tight and his arm hurts",
    "Pain across my chest, I feel clammy and sick",
    "crushing chest pressure",
    "i think my wife is having a heart attack",
    "my chest pian is getting worse",
    # stroke
    "my dad had a stroke",
    "i think she is having a stroke",
    "her face is drooping on the left",
    "he can't lift his right arm and his speech is slurred",
    "my mother suddenly can't speak properly",
    "my speech went strange half an hour ago",
    "weakness down one side of his body",
    "she lost the sight in one eye suddenly",
    # breathing
    "i cant breathe",
    "I can't breathe",
    "my son can barely breathe",
    "she's gasping",
    "he stopped breathing",
    "having real difficulty breathing right now",
    "my lips are turning blue",
    "shortness of breath",
    "my baby is choking",
    # bleeding
    "I'm bleeding a lot from my head",
    "the cut won't stop bleeding",
    "blood is spurting from his arm",
    "my dad is vomiting blood",
    # suicide
    "I'm thinking about suicide",
    "I want to kill myself",
    "i dont want to live anymore, i have a plan",
    "I want to die",
    "my friend says she will take her own life",
    "I've been harming myself and it's getting worse",
    # anaphylaxis
    "my lips are swelling up after eating sesame",
    "her tongue is swollen and she can't swallow",
    "I'm having an allergic reaction and struggling to breathe",
    # seizure
    "my son is having a seizure",
    "she's fitting on the floor",
    "he is convulsing",
    # overdose
    "I took 20 tablets of paracetamol",
    "my brother overdosed",
    "my daughter swallowed some bleach",
    "i took too many pills",
    # unconscious
    "she is unconscious",
    "he passed out",
    "my husband collapsed in the garden",
    "she won't wake up",
    "my mum isn't responding to me",
    # head
    "I've got the worst headache of my life",
    "he hit his head and keeps vomiting and is confused",
    # other
    "Ana Popescu, chest pain",
    "call an ambulance",
    "help, this is an emergency",
    "my toddler has a rash that doesn't fade under a glass",
    # in context
    "I know you asked for a phone number but my chest is killing me and my left arm is numb",
    "I had a stroke in 2019, but now my face is drooping again",
    "his speech went all muddled an hour ago",
    "I want everything to stop, the tablets are ready",
    "I'm scared that I'm having a heart attack",
    "I think I'm having a stroke, what is it?",
    "my son is having a seizure",
]

LOOKALIKES = [
    "what is a stroke?",
    "is there a stroke on the scan?",
    "does my mri show a stroke?",
    "my dad had a stroke in 2010 and recovered well",
    "I had a seizure as a child",
    "my seizures have been well controlled for years",
    "I had chest pain two years ago, they said it was a muscle",
    "here is my chest x-ray",
    "can you look at my chest CT",
    "is there any bleeding on the picture",
    "what does haemorrhage mean",
    "what are the symptoms of a heart attack?",
    "how do you treat anaphylaxis",
    "I don't have chest pain",
    "no trouble breathing at all",
    "I'm not suicidal, just stressed",
    "this is not an emergency",
    "my gums bleed a little sometimes",
    "I get a little short of breath on hills, for years now",
    "I have a headache",
    "the waiting is killing me",
    "I'm dying to see the results",
    "my phone is dying",
    "how can I prevent a stroke?",
    "what should I do if someone has a seizure?",
    "my aunt died of a heart attack when I was young",
    "I take medicine for epilepsy",
    "I'm in Cluj",
    "is there a lesion?",
    "book an appointment",
    "hi",
    "my chest x ray from the emergency department",
    "the report mentions an old infarct",
    "I stroked my dog",
    "I had an overdose years ago",
    "what is the emergency number here",
    "that exam nearly gave me a heart attack",
    "I'm afraid of having a heart attack one day",
    "she sometimes stops breathing in her sleep, we have a sleep clinic appointment",
]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_red_flags_fire(text: str) -> None:
    found = assess(text)
    assert found.emergency, (text, found)
    assert decide(text, {}, {"name": "describe_symptoms", "confidence": 0.3}, []) == "emergency"


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalikes_are_not_emergencies(text: str) -> None:
    assert not is_red_flag(text), (text, assess(text))


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


def test_every_category_names_its_source() -> None:
    names = [c.name for c in CATEGORIES]
    assert len(names) == len(set(names))
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
