"""NLU safety net: red-flag keywords and channel metadata decide the intent, whatever DIET thinks.

Runs last in the pipeline (after the FallbackClassifier) so that
- a red flag ("chest pain", "can't breathe", "stroke", "unconscious", "suicide", ...) becomes the
  ``emergency`` intent even when the classifier is unsure and even inside the appointment form
  (where the form's from_text mappings exclude ``emergency``, so a rule answers it first);
- a message carrying an image (metadata ``image``) is ``share_image``, one carrying coordinates
  (metadata ``location``) is ``share_location``, even with a free-text caption.
The Rasa server must be started with the bot directory on the import path (``cd bot``).
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

RED_FLAGS = re.compile(
    r"\b(?:"
    r"chest pains?|pain in (?:my|his|her|the) chest|crushing chest|"
    r"(?:can ?not|can'?t|cant|cannot|unable to|struggling to|hard to|trouble|difficulty) breath(?:e|ing)?|"
    r"not breathing|stopped breathing|short(?:ness)? of breath|"
    r"stroke|face (?:is )?droop\w*|slurred speech|"
    r"unconscious|unresponsive|passed out|(?:won'?t|doesn'?t|does not|will not) wake up|"
    r"suicid\w*|kill (?:my|him|her|them)sel(?:f|ves)|end (?:my|his|her) life|want to die|"
    r"overdos\w*|seizure\w*|convuls\w*|heart attack|anaphyla\w*|choking|"
    r"bleeding (?:heavily|a lot|badly|won'?t stop)|heavy bleeding|worst headache|"
    r"ambulance|call (?:112|911|999)"
    r")\b",
    re.IGNORECASE,
)
# A red-flag word in an image or definition question ("what is a stroke?", "is there a stroke on
# the scan?") is not an emergency; a person in it ("I", "my dad") makes it one again.
_PERSON = re.compile(
    r"\b(?:i|i'm|im|me|my|we|our|us|he|she|his|her|him|they|someone|somebody|friend|mom|mum|dad|"
    r"mother|father|wife|husband|son|daughter|child|baby|grandma|grandpa|partner)\b",
    re.IGNORECASE,
)
_IMAGE_WORDS = re.compile(r"\b(?:image|scan|mri|ct|x-?ray|picture|photo|slice)\b", re.IGNORECASE)
_INFORMATIONAL = {"ask_definition", "ask_image_question", "request_segmentation"}


def is_red_flag(text: str, predicted: str | None = None, confidence: float = 0.0) -> bool:
    if not RED_FLAGS.search(text or ""):
        return False
    if predicted in _INFORMATIONAL and confidence >= 0.6:
        if not _PERSON.search(text) or (predicted != "ask_definition" and _IMAGE_WORDS.search(text)):
            return False
    return True


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class QaidIntentOverrides(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> QaidIntentOverrides:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = decide(
                message.get(TEXT) or "",
                message.get("metadata") or {},
                message.get(INTENT) or {},
                message.get(INTENT_RANKING_KEY) or [],
            )
            if intent:
                _force(message, intent)
        return messages


def decide(
    text: str, metadata: dict[str, Any], intent: dict[str, Any], ranking: list[dict[str, Any]]
) -> str | None:
    """The intent to force, or None to keep the classifier's."""
    predicted = intent.get(INTENT_NAME_KEY)
    if predicted == "nlu_fallback" and len(ranking) > 1:
        predicted, conf = ranking[1].get(INTENT_NAME_KEY), float(ranking[1].get("confidence") or 0)
    else:
        conf = float(intent.get("confidence") or 0)
    if is_red_flag(text, predicted, conf):
        return "emergency"
    if isinstance(metadata, dict) and isinstance(metadata.get("image"), dict):
        return "share_image"
    if isinstance(metadata, dict) and isinstance(metadata.get("location"), dict):
        return "share_location"
    if str(intent.get(INTENT_NAME_KEY) or "").startswith("EXTERNAL_"):
        # reminder intents arrive without NLU; a typed message must never trigger one
        return "nlu_fallback"
    return None


def _force(message: Message, name: str) -> None:
    forced = {INTENT_NAME_KEY: name, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
    message.set(INTENT, forced, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)
