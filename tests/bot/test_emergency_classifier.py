"""The learnt second opinion on emergencies (qaid_bot/nlu/emergency_classifier.py): how it combines
with the rules, what it trains on, and the Rasa component's train -> persist -> load -> process round
trip. Its figures on the held-out sets, inside the trained model, are tests/rasa's."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from qaid_bot.nlu.emergency_classifier import (
    CORPUS,
    DIET_LOW,
    HIGH,
    LOW,
    PROBABILITY,
    VETO_MAX_WORDS,
    EmergencyClassifier,
    corpus_examples,
    is_emergency,
    rules_out,
)
from qaid_bot.nlu.red_flags import decide

EMERGENCIES = [
    "my dad collapsed and he is not breathing",
    "she has crushing pain in her chest going down her arm",
    "my son swallowed a whole bottle of pills",
    "my wife's face is drooping and she can't speak",
    "he is choking and turning blue",
    "blood is pouring from the cut and won't stop",
]
LOOKALIKES = [
    "what are the signs of a heart attack",
    "I had a stroke in 2019, I'm fine now",
    "this homework is killing me",
    "does my chest x-ray show anything?",
    "no chest pain, just a mild cough",
    "my grandfather's seizure was years ago",
]


def test_the_rules_and_the_probability_combine_as_documented() -> None:
    assert LOW < HIGH
    assert is_emergency(False, HIGH) and is_emergency(True, HIGH)
    assert not is_emergency(False, HIGH - 0.01)
    # a rule that fires stands unless the classifier is nearly sure it is no emergency
    assert is_emergency(True, LOW) and not is_emergency(True, LOW - 0.01)
    # a model trained before the classifier existed: the rules alone
    assert is_emergency(True, None) and not is_emergency(False, None)
    # in a long message P may not see a late flag: it can add an emergency, never veto a rule
    assert is_emergency(True, 0.0, VETO_MAX_WORDS + 1) and not is_emergency(True, 0.0, VETO_MAX_WORDS)
    assert not is_emergency(False, 0.1, 500) and is_emergency(False, HIGH, 500)
    # DIET's "emergency" alone needs more: it is overruled below DIET_LOW
    assert LOW < DIET_LOW < HIGH
    assert rules_out(DIET_LOW - 0.01) and not rules_out(DIET_LOW) and not rules_out(None)


def test_decide_follows_the_probability() -> None:
    ranking = [{"name": "emergency", "confidence": 0.6}, {"name": "out_of_scope", "confidence": 0.3}]
    # no rule fires on it (no red-flag word); the classifier decides
    vague = "something is very wrong with grandpa, please come quickly"
    helper = [{"name": "request_appointment", "confidence": 0.8}, {"name": "greet", "confidence": 0.1}]
    assert decide(vague, {}, helper[0], helper, 0.95) == "emergency"
    assert decide(vague, {}, helper[0], helper, HIGH - 0.01) is None
    # a rule fires, the classifier is nearly sure it is not: DIET's emergency falls to its runner-up
    rule = "my chest pain is crushing"
    assert decide(rule, {}, {}, [], None) == "emergency"
    assert decide(rule, {}, ranking[0], ranking, LOW / 2) == "out_of_scope"
    long_story = " ".join(["we had a quiet day at home and watched a film together"] * 6)
    assert decide(f"{long_story}. now my chest pain is crushing", {}, ranking[0], ranking, 0.0) == "emergency"
    # DIET's own "emergency" on words alone ("killing me") is overruled the same way, kept otherwise
    idiom = "this form is killing me"
    assert decide(idiom, {}, ranking[0], ranking, DIET_LOW - 0.01) == "out_of_scope"
    assert decide(idiom, {}, ranking[0], ranking, DIET_LOW) is None
    assert decide(idiom, {}, ranking[0], ranking, None) is None


def test_the_corpus_is_big_and_labelled_both_ways() -> None:
    found = corpus_examples(CORPUS)
    positives = [t for t, y in found if y == 1]
    negatives = [t for t, y in found if y == 0]
    assert len(positives) >= 1000 and len(negatives) >= 1000
    assert all(isinstance(t, str) and t for t, _ in found)


def test_a_missing_corpus_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        corpus_examples(tmp_path / "mistyped")


def test_the_fingerprint_follows_the_corpus(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text('emergencies:\n  x:\n  - "chest pain now"\n', encoding="utf-8")
    before = EmergencyClassifier.fingerprint_addon({"corpus": str(tmp_path)})
    assert before == EmergencyClassifier.fingerprint_addon({"corpus": str(tmp_path)})
    (tmp_path / "a.yml").write_text('emergencies:\n  x:\n  - "chest pain now!"\n', encoding="utf-8")
    assert EmergencyClassifier.fingerprint_addon({"corpus": str(tmp_path)}) != before


def test_corpus_examples_reads_both_keys(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        'emergencies:\n  cardiac:\n  - "chest pain now"\nlookalikes:\n  past:\n  - "stroke in 2019"\n',
        encoding="utf-8",
    )
    assert corpus_examples(tmp_path) == [("chest pain now", 1), ("stroke in 2019", 0)]


def test_the_component_trains_persists_loads_and_writes_a_probability(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("emergency_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    examples = [Message({TEXT: t, INTENT: "emergency"}) for t in EMERGENCIES] + [
        Message({TEXT: t, INTENT: "ask_definition"}) for t in LOOKALIKES
    ]
    # an empty corpus folder: these twelve examples only (the real corpus takes a minute to encode)
    (tmp_path / "no-corpus").mkdir()
    config = {"corpus": str(tmp_path / "no-corpus")}
    trainer = EmergencyClassifier.create(config, storage, resource, context)
    trainer.train(TrainingData(examples))
    loaded = EmergencyClassifier.load(config, storage, resource, context)
    texts = ["my husband collapsed and isn't breathing", "", "   "]
    messages = [Message({TEXT: t}) for t in texts]
    loaded.process(messages)
    assert messages[0].get(PROBABILITY) > 0.5
    assert messages[1].get(PROBABILITY) is None and messages[2].get(PROBABILITY) is None


def test_a_component_without_a_model_writes_nothing_and_the_rules_decide(tmp_path: Path) -> None:
    component = EmergencyClassifier(LocalModelStorage(tmp_path), Resource("x"))
    message = Message({TEXT: "my husband collapsed and isn't breathing"})
    component.process([message])
    assert message.get(PROBABILITY) is None
    assert decide(str(message.get(TEXT)), {}, {}, [], message.get(PROBABILITY)) == "emergency"
