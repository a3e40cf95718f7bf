"""Question-type concepts added after the blind v7 and v8 sets (2026-12-04), in our own words (none is a v7
sentence): white patches and findings; "that's my brain, right?", "the picture is of the chest",
"this shows my chest", "taken of my chest"; "left, right or both"; "more than N lesions"; what is
shown, which bit of me; magnetic resonance, the sort of imaging. Their look-alikes: "several" or "one"
said of files, not findings; the state of a part no model here sees (teeth, jaw)."""

from __future__ import annotations

import pytest

from qaid_bot.nlu.question_types import understand

CONCEPTS_V7 = {
    "lesion": ["do you see a white patch anywhere", "are there any bright patches on it?"],
    "abnormal": ["any findings on this scan?", "does it show anything pathological"],
    "is_brain": ["that's my head, right?", "this shows my brain, doesn't it?"],
    "is_chest": [
        "can you tell if the image is of the chest",
        "that's my chest isn't it",
        "was this picture taken of my chest?",
        "I sent you several files - is this one my chest x-ray?",
    ],
    "side": ["left, right or both sides?", "right, left, or both lungs"],
    "count": ["are there more than 3 lesions?", "fewer than two spots?"],
    "organ": ["what is shown on this image", "which bit of my body is this"],
    "modality": ["is it an MRI or magnetic resonance", "what sort of imaging was used here"],
}

CONCEPTS_V7_UNSUPPORTED = [
    "are my teeth ok on this x-ray",
    "does my jaw look normal on it",
    "is my thyroid ok here",
]

# after v8: a pronoun after the image named ("any on the picture I sent?"), "as it should", a yes/no
# question about the body part, "both sides or just one", "more than 1 abnormal area"; vetoes: an organ
# no model reads (liver, kidneys, eyes), getting smaller, calcified, Hounsfield units
CONCEPTS_V8 = {
    "lesion": ["The report talks about white spots. Can you see any in the scan I sent?"],
    "normal": ["does it all look as it should?"],
    "is_chest": ["is the body part on this image my chest?"],
    "side": ["is it on both sides or only one"],
    "count": ["are there more than 2 abnormal areas?"],
}
CONCEPTS_V8_UNSUPPORTED = [
    "can you see anything about my kidneys on this",
    "is the nodule getting smaller",
    "are the spots calcified?",
    "what is the density of the lesion in hounsfield units",
]
# v9 (blind, measured once on beb07ec): unsupported questions the models answered. Our own wording.
CONCEPTS_V9_UNSUPPORTED = [
    "does the white spot light up with the contrast dye",
    "is that an artifact of the machine or something real?",
    "could the nodule be because I smoked for 20 years",
]


@pytest.mark.parametrize(
    "type_id,text", [(t, q) for cases in (CONCEPTS_V7, CONCEPTS_V8) for t, qs in cases.items() for q in qs]
)
def test_v7_paraphrases_map_to_their_type(type_id: str, text: str) -> None:
    assert understand(text).types == (type_id,)


@pytest.mark.parametrize("text", CONCEPTS_V7_UNSUPPORTED + CONCEPTS_V8_UNSUPPORTED + CONCEPTS_V9_UNSUPPORTED)
def test_parts_no_model_sees_get_no_type(text: str) -> None:
    assert understand(text).types == ()


@pytest.mark.parametrize(
    "text,forced",
    [
        ("is there a lesion on it?", "ask_image_question"),
        ("I've had headaches for weeks. Which side is it on", "ask_image_question"),
        ("that's wrong", None),  # names a type's word ("wrong": abnormal) but asks nothing
        ("I'll send two images, the front and the side", None),
        ("could I get my scan back with the lesion marked?", None),  # a segmentation request
    ],
)
def test_an_unsure_classifier_gives_way_only_to_a_question(text: str, forced: str | None) -> None:
    from qaid_bot.nlu.red_flags import decide

    fallback = {"name": "nlu_fallback", "confidence": 0.3}
    assert decide(text, {}, fallback, [fallback]) == forced
