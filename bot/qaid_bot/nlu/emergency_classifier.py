"""A learnt second opinion on emergencies, beside the red-flag rules.

Why: eight rounds of rules (``red_flag_rules`` and its guards) each fixed the last blind set's misses
and gained a few points on the next, never issue 15's targets (blind v9: recall 0.897, false alarms
0.058). The dev sets those rounds left behind hold ~1,800 realistic emergencies and ~1,500 look-alikes
written by eight separate authors. A logistic regression on what they share (word 1-2-grams, character
3-5-grams, and the all-MiniLM-L6-v2 sentence embedding, so a paraphrase without a shared word still
lands near its meaning) learns the difference a rule author keeps missing: "he's not unconscious,
he's just asleep", "that pun was so bad I'm having a stroke", "a brick fell on his head and he's
talking nonsense". Trained on v1-v8 and measured on v9 (written by a ninth author, never trained on),
with the rules as they were when v9 was blind: rules alone 0.897 / 0.058, this classifier alone
0.981 / 0.000, combined as below 0.995 / 0.011 (docs/red_flags.md, "The learnt second opinion").

How the two combine (``is_emergency``): the classifier says emergency above ``HIGH``; a rule that
fires is an emergency unless the classifier is nearly sure it is not (below ``LOW``: "the exam was a
total overdose of information", "my husband had chest pain, we went to the ER, they said it was
muscular"); DIET's "emergency" is overruled below ``LOW`` too (``rules_out``). Both thresholds were
chosen on v9 (the grid was flat around them); the blind figure is the next set's (docs/red_flags.md).

Training data: the NLU training examples (``emergency`` against every other intent) and the corpus in
``bot/corpus/emergencies/`` (emergencies and look-alikes by category). Nothing of ``bot/tests/heldout/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from .text_classifier import TextModel, load_model, save_model

__all__ = [
    "CORPUS",
    "HIGH",
    "LOW",
    "PROBABILITY",
    "EmergencyClassifier",
    "corpus_examples",
    "is_emergency",
    "rules_out",
]

EMERGENCY = "emergency"
# The message attribute the classifier writes and ``red_flags.decide`` reads.
PROBABILITY = "emergency_probability"
HIGH, LOW = 0.7, 0.05
CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "emergencies"


def is_emergency(rules_fire: bool, probability: float | None) -> bool:
    """The rules' verdict and the classifier's probability, combined (module docstring). Without a
    probability (a model trained before the classifier existed) the rules decide alone."""
    if probability is None:
        return rules_fire
    return probability >= HIGH or (rules_fire and probability >= LOW)


def rules_out(probability: float | None) -> bool:
    """The classifier is nearly sure there is no emergency: DIET's "emergency" is overruled too
    (it saw words like "killing me" in "this form is killing me")."""
    return probability is not None and probability < LOW


def corpus_examples(folder: Path = CORPUS) -> list[tuple[str, int]]:
    """(text, 1 for an emergency / 0 for a look-alike) from every ``*.yml`` in ``folder``."""
    found: list[tuple[str, int]] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, label in (("emergencies", 1), ("lookalikes", 0)):
            for texts in (data.get(key) or {}).values():
                found.extend((str(t), label) for t in texts)
    return found


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmergencyClassifier(GraphComponent):
    """Writes ``PROBABILITY`` on every message with text; ``QaidIntentOverrides`` decides with it."""

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        model: TextModel | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self._storage, self._resource, self._model = model_storage, resource, model
        self._config = {**self.get_default_config(), **(config or {})}

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # c: the regression's inverse regularisation (16 was flat against 8 and 32 on v9)
        return {"c": 16.0, "corpus": str(CORPUS)}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmergencyClassifier:
        return cls(model_storage, resource, config=config)

    def train(self, training_data: TrainingData) -> Resource:
        pairs = [
            (str(m.get(TEXT)), int(m.get(INTENT) == EMERGENCY))
            for m in training_data.intent_examples
            if m.get(TEXT)
        ]
        pairs += corpus_examples(Path(self._config["corpus"]))
        self._model = TextModel.fit(
            [t for t, _ in pairs], [y for _, y in pairs], c=float(self._config["c"]), balanced=True
        )
        with self._storage.write_to(self._resource) as folder:
            save_model(folder, self._model)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EmergencyClassifier:
        with model_storage.read_from(resource) as folder:
            model = load_model(folder)
        return cls(model_storage, resource, model, config)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        with_text = [m for m in messages if str(m.get(TEXT) or "").strip()]
        rows = self._model.message_probabilities(with_text)
        column = self._model.classes.index(1)
        for message, row in zip(with_text, rows, strict=True):
            # in the parse data too, so a conversation's log shows why the bot called an emergency
            message.set(PROBABILITY, float(row[column]), add_to_output=True)
        return messages
