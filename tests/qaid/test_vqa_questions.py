"""The rule deciding which questions a VQA model may answer (qaid.vqa_questions), on a small entry."""

from __future__ import annotations

import pytest

from qaid.bundle import InputSpec, ModelEntry, Provenance, QuestionType
from qaid.vqa_questions import QuestionIndex, UnsupportedQuestion

VOCAB = ["<pad>", "<unk>", "is", "there", "a", "lesion", "lesions", "how", "many", "which", "side", "on",
         "the", "this", "abnormal", "image", "brain", "mri", "nodule"]  # fmt: skip
ANSWERS = ["yes", "no", "0", "1", "left", "right", "brain"]
TYPES = [
    QuestionType(id="lesion", question="is there a lesion?", answer_type="closed", answers=["yes", "no"],
                 phrasings=["is there a lesion?", "is there a nodule?"]),
    QuestionType(id="count", question="how many lesions?", answer_type="open", answers=["0", "1"],
                 phrasings=["how many lesions?"]),
    QuestionType(id="side", question="which side is the lesion on?", answer_type="open",
                 answers=["left", "right"], phrasings=["which side is the lesion on?"]),
    QuestionType(id="abnormal", question="is this image abnormal?", answer_type="closed",
                 answers=["yes", "no"], phrasings=["is this image abnormal?"]),
]  # fmt: skip


def entry(types: list[QuestionType], max_len: int = 8) -> ModelEntry:
    return ModelEntry(
        name="vqa", task="vqa", version="1", file="v.onnx", sha256="0",
        input=InputSpec(size=8, channels=1, mean=[0.0], std=[1.0]), outputs={"logits": "l"},
        inputs={"image": "image", "question": "question"}, answers=ANSWERS,
        answer_types=["closed", "closed", "open", "open", "open", "open", "open"], question_vocab=VOCAB,
        max_question_len=max_len, provenance=Provenance(training_run="t", data="d", created_at="now"),
        question_types=types,
    )  # fmt: skip


RULE = QuestionIndex(entry(TYPES))


@pytest.mark.parametrize(
    ("question", "type_id", "asked"),
    [
        ("Is there a lesion in the picture?", "lesion", "is there a lesion?"),  # image words add nothing
        ("are there lesions?", "lesion", "is there a lesion?"),  # plurals fold
        ("Can you please tell me if there is a nodule?", "lesion", "is there a nodule?"),
        ("How many lesion are there?", "count", "how many lesions?"),
        ("What side is the lesion on?", "side", "which side is the lesion on?"),  # "what" reads as "which"
        ("Is the scan abnormal?", "abnormal", "is this image abnormal?"),
    ],
)
def test_paraphrases_map_to_their_trained_phrasing(question: str, type_id: str, asked: str) -> None:
    matched = RULE.match(question)
    assert (matched.type_id, matched.asked) == (type_id, asked)


def test_only_the_types_answers_are_allowed() -> None:
    assert [ANSWERS[i] for i in RULE.match("how many lesions?").allowed] == ["0", "1"]


@pytest.mark.parametrize(
    ("question", "why"),
    [
        ("is there a fracture?", 'words "fracture"'),
        ("is there no lesion?", 'words "no"'),  # negations are never function words
        ("isn't this abnormal?", 'words "isn", "t"'),
        ("are there 2 lesions?", 'words "2"'),
        ("is there a lesion in the brain?", "does not match any"),  # a word more than any phrasing
        ("is the brain abnormal?", "does not match any"),
        ("how many?", "does not match any"),  # a word less
        ("is this?", "does not match any"),
        ("", "does not match any"),
    ],
)
def test_other_questions_are_refused_with_the_reason(question: str, why: str) -> None:
    with pytest.raises(UnsupportedQuestion, match=why):
        RULE.match(question)


def test_a_question_two_types_were_trained_with_is_refused() -> None:
    twin = QuestionType(id="twin", question="is there a lesion on this?", answer_type="closed",
                        answers=["yes"], phrasings=["is there a lesion on this?"])  # fmt: skip
    rule = QuestionIndex(entry([*TYPES, twin]))  # the same key as "is there a lesion?"
    with pytest.raises(UnsupportedQuestion, match="matches more than one"):
        rule.match("is there a lesion?")
    assert rule.unanswerable_canonicals() == [
        "lesion: 'is there a lesion?'",
        "twin: 'is there a lesion on this?'",
    ]


def test_an_abstention_names_at_most_three_words_each_cut_short() -> None:
    with pytest.raises(UnsupportedQuestion) as caught:
        RULE.match("is there " + "x" * 200 + " bleeding fracture stroke tumour?")
    assert caught.value.reason == (
        f'it was not trained on questions with the words "{"x" * 30}", "bleeding", "fracture"'
    )


def test_without_declared_types_unknown_words_are_still_refused() -> None:
    rule = QuestionIndex(entry([], max_len=4))
    assert rule.match("Is there a lesion, please?").asked == "is there a lesion"  # no unknown token fed
    assert (
        rule.match("is there a lesion?").type_id is None
        and len(rule.match("is there a lesion?").allowed) == 7
    )
    with pytest.raises(UnsupportedQuestion, match='"fracture"'):
        rule.match("is there a fracture?")
    with pytest.raises(UnsupportedQuestion, match="longer than"):
        rule.match("is there a lesion on the brain mri?")
    assert rule.offer() == ""
