"""Learnt question types (qaid_bot/nlu/question_type_classifier.py) and how `understand` takes them:
only where the rules find neither a type nor a veto, only a known type, only one a hospital offers."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from qaid_bot.nlu.question_type_classifier import (
    CORPUS,
    MIN_CONFIDENCE,
    QuestionTypeClassifier,
    corpus_questions,
)
from qaid_bot.nlu.question_types import QUESTION_TYPE, UNSUPPORTED, learnt_type, understand

UNTYPED = "is what I uploaded a scan of the brain"  # no rule types it (checked below)


def test_the_learnt_type_is_a_fallback_only() -> None:
    assert understand(UNTYPED).unknown
    assert understand(UNTYPED, learnt="is_brain").types == ("is_brain",)
    # the rules' own answer and their vetoes win
    assert understand("is there a lesion?", learnt="count").types == ("lesion",)
    vetoed = understand("is there a fracture?", learnt="lesion")
    assert vetoed.types == () and vetoed.cannot
    # a learnt type no nearby hospital offers is said as such, never asked
    offered = understand(UNTYPED, offered=["lesion"], learnt="is_brain")
    assert offered.types == () and "no nearby hospital's model" in offered.cannot[0]
    assert understand(UNTYPED, learnt="no_such_type").unknown


def test_learnt_type_reads_only_a_known_type_from_parse_data() -> None:
    assert learnt_type({QUESTION_TYPE: {"name": "organ", "confidence": 0.7}}) == "organ"
    assert learnt_type({QUESTION_TYPE: {"name": UNSUPPORTED, "confidence": 0.9}}) is None
    assert learnt_type({QUESTION_TYPE: "organ"}) is None
    assert learnt_type({}) is None and learnt_type(None) is None


def test_the_corpus_holds_every_type_and_unsupported_questions() -> None:
    found = corpus_questions(CORPUS)
    labels = {label for _, label in found}
    assert {"lesion", "abnormal", "normal", "side", "count", "organ", "modality"} <= labels
    assert UNSUPPORTED in labels
    assert sum(label == UNSUPPORTED for _, label in found) >= 300


def test_the_component_trains_loads_and_writes_only_confident_supported_types(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "q.yml").write_text(
        "supported:\n"
        "  modality:\n  - is this an mri\n  - is it a ct or an mri\n  - what kind of scan is this\n"
        "  lesion:\n  - is there a lesion\n  - any spots on it\n  - do you see a lesion\n"
        "unsupported:\n- is my arm broken\n- is there bleeding\n- is it cancer\n",
        encoding="utf-8",
    )
    (tmp_path / "store").mkdir()
    storage, resource = LocalModelStorage(tmp_path / "store"), Resource("question_types")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {"corpus": str(corpus)}
    QuestionTypeClassifier.create(config, storage, resource, context).train(TrainingData([]))
    loaded = QuestionTypeClassifier.load(config, storage, resource, context)
    messages = [Message({TEXT: t}) for t in ("is this scan an mri", "is my leg broken", "")]
    loaded.process(messages)
    first = messages[0].get(QUESTION_TYPE)
    assert first["name"] == "modality" and first["confidence"] >= MIN_CONFIDENCE
    assert messages[1].get(QUESTION_TYPE) is None  # unsupported is never written
    assert messages[2].get(QUESTION_TYPE) is None


def test_a_missing_corpus_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        corpus_questions(tmp_path / "mistyped")


def test_a_component_trained_on_an_empty_corpus_learns_nothing(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    storage, resource = LocalModelStorage(tmp_path / "store"), Resource("question_types")
    context = ExecutionContext(GraphSchema({}), "test")
    (tmp_path / "empty").mkdir()
    config = {"corpus": str(tmp_path / "empty")}
    QuestionTypeClassifier.create(config, storage, resource, context).train(TrainingData([]))
    loaded = QuestionTypeClassifier.load(config, storage, resource, context)
    message = Message({TEXT: "is this an mri"})
    loaded.process([message])
    assert message.get(QUESTION_TYPE) is None
