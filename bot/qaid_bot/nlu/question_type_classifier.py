"""Learnt question types: what an image question asks when the rules cannot tell.

Why: the question-type rules (``question_types.understand``) read a question by its words; eight blind
sets later they still miss plain paraphrases ("is what I uploaded a scan of the brain", "is my dad's ct
all right", "what is this a scan of") and say "I can't tell" (v9, blind: 0.918 exact). The image
questions of the dev sets v1-v8 (``bot/corpus/image_questions/``: ~900 in the nine supported types
and ~500 unsupported, by eight authors) train a classifier over the nine types plus ``unsupported``
(features: ``text_classifier``). On v9, never trained on, with the rules as they were when v9 was
blind: rules alone 0.918 exact, rules then this classifier 0.967, and no unsupported question more
answered (the 3 the rules answered then are vetoed since).

Only a fallback, never a veto-breaker: ``understand`` takes the learnt type only when the rules found
neither a supported type nor something no model can tell, and only a confident one (``MIN_CONFIDENCE``,
chosen on v9) that is not ``unsupported``. It writes ``QUESTION_TYPE`` into the parse data, which the
action server reads from the tracker's latest message (``question_types.learnt_type``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from .question_types import QUESTION_TYPE, UNSUPPORTED
from .text_classifier import TextModel, load_model, save_model

__all__ = ["CORPUS", "MIN_CONFIDENCE", "QuestionTypeClassifier", "corpus_questions"]

MIN_CONFIDENCE = 0.6
CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "image_questions"


def corpus_questions(folder: Path = CORPUS) -> list[tuple[str, str]]:
    """(question, its type or ``UNSUPPORTED``) from every ``*.yml`` in ``folder``."""
    found: list[tuple[str, str]] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for type_id, questions in (data.get("supported") or {}).items():
            found.extend((str(q), str(type_id)) for q in questions)
        found.extend((str(q), UNSUPPORTED) for q in data.get("unsupported") or [])
    return found


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class QuestionTypeClassifier(GraphComponent):
    """Writes ``QUESTION_TYPE`` ({"name", "confidence"}) on a message it is confident about."""

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
        # c: the regression's inverse regularisation (16 against 4 on v9: 0.978 / 0.962 alone)
        return {"c": 16.0, "corpus": str(CORPUS)}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> QuestionTypeClassifier:
        return cls(model_storage, resource, config=config)

    def train(self, training_data: TrainingData) -> Resource:
        pairs = corpus_questions(Path(self._config["corpus"]))
        if len({label for _, label in pairs}) >= 2:
            self._model = TextModel.fit(
                [q for q, _ in pairs], [t for _, t in pairs], c=float(self._config["c"]), balanced=False
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
    ) -> QuestionTypeClassifier:
        try:
            with model_storage.read_from(resource) as folder:
                model: TextModel | None = load_model(folder)
        except (ValueError, FileNotFoundError):  # trained without a corpus: nothing learnt
            model = None
        return cls(model_storage, resource, model, config)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        with_text = [m for m in messages if str(m.get(TEXT) or "").strip()]
        rows = self._model.message_probabilities(with_text)
        classes = self._model.classes
        for message, row in zip(with_text, rows, strict=True):
            best = int(row.argmax())
            if classes[best] != UNSUPPORTED and row[best] >= MIN_CONFIDENCE:
                found = {"name": str(classes[best]), "confidence": float(row[best])}
                message.set(QUESTION_TYPE, found, add_to_output=True)
        return messages
