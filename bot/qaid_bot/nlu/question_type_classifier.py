"""Learnt question types: what an image question asks when the rules cannot tell.

Why: the question-type rules (``question_types.understand``) read a question by its words; eight blind
sets later they still miss plain paraphrases ("is what I uploaded a scan of the brain", "is my dad's ct
all right", "what is this a scan of") and say "I can't tell" (v9, blind: 0.918 exact). The image
questions of the dev sets v1-v8 (``bot/corpus/image_questions/``: ~800 in the nine supported types
and ~435 unsupported, by eight authors) train a classifier over the nine types plus ``unsupported``
(features: ``text_classifier``). On v9, never trained on, with the rules as they were when v9 was
blind: rules alone 0.918 exact, rules then this classifier 0.967, and no unsupported question more
answered (the 3 the rules answered then are vetoed since).

Only a fallback, never a veto-breaker: ``understand`` takes the learnt type only when the rules found
neither a supported type nor something no model can tell, and only a confident one (``MIN_CONFIDENCE``,
chosen on v9) that is not ``unsupported``. A question the rules leave untyped on purpose must be vetoed
by them, not left unknown: "is this image good quality" drew 0.74 for "normal" on v11 (blind) and is
vetoed since. On v9-v11 after that (dev), 0.6 answers no unsupported question and types 0.958-0.984;
0.8 types 0.937-0.973. It writes ``QUESTION_TYPE`` into the parse data, which the
action server reads from the tracker's latest message (``question_types.learnt_type``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from .question_types import QUESTION_TYPE, UNSUPPORTED
from .text_classifier import TextClassifierComponent

__all__ = ["CORPUS", "MIN_CONFIDENCE", "QuestionTypeClassifier", "corpus_questions"]

MIN_CONFIDENCE = 0.6
CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "image_questions"


def corpus_questions(folder: Path = CORPUS) -> list[tuple[str, str]]:
    """(question, its type or ``UNSUPPORTED``) from every ``*.yml`` in ``folder`` (which must exist)."""
    if not folder.is_dir():
        raise FileNotFoundError(f"image-question corpus {folder} is missing")
    found: list[tuple[str, str]] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for type_id, questions in (data.get("supported") or {}).items():
            found.extend((str(q), str(type_id)) for q in questions)
        found.extend((str(q), UNSUPPORTED) for q in data.get("unsupported") or [])
    return found


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class QuestionTypeClassifier(TextClassifierComponent):
    """Writes ``QUESTION_TYPE`` ({"name", "confidence"}) on a message it is confident about."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**TextClassifierComponent.get_default_config(), "corpus": str(CORPUS)}

    def train(self, training_data: TrainingData) -> Resource:
        return self._fit(corpus_questions(Path(self._config["corpus"])), balanced=False)

    def process(self, messages: list[Message]) -> list[Message]:
        scored, rows, classes = self._scored(messages)
        for message, row in zip(scored, rows, strict=True):
            best = int(row.argmax())
            if classes[best] != UNSUPPORTED and row[best] >= MIN_CONFIDENCE:
                found = {"name": str(classes[best]), "confidence": float(row[best])}
                message.set(QUESTION_TYPE, found, add_to_output=True)
        return messages
