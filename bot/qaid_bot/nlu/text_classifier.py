"""The text model both learnt NLU classifiers share: word and character n-grams beside the
all-MiniLM-L6-v2 sentence embedding, into a logistic regression.

Why these features: the n-grams carry the exact words a patient's message shares with the training
sets (negation, "years ago", "what are the signs of"), the embedding carries meaning across wording
(a paraphrase that shares no word). On v9, never trained on, each alone did worse than both (emergencies:
n-grams alone 0.967 / 0.005, embedding alone 0.911 / 0.068, both 0.981 / 0.000 recall / false alarms
at the same threshold; docs/nlu.md). A regression, not a network: a few thousand examples, trained in
seconds inside `rasa train`, and its probabilities are what the thresholds are chosen on.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .sentence_encoder import default_encoder

__all__ = [
    "EMBEDDING",
    "TextClassifierComponent",
    "TextModel",
    "load_model",
    "message_embeddings",
    "save_model",
]

_FILE = "text_model.pkl"
# The message attribute that holds a message's sentence embedding once one classifier computed it, so
# the other does not run the encoder again (per message: nothing is remembered across messages).
EMBEDDING = "qaid_sentence_embedding"


def message_embeddings(messages: Sequence[Message]) -> np.ndarray:
    """The sentence embeddings of ``messages``' texts, encoded once per message. The encoder's ORT
    session has one thread that does not spin (sentence_encoder.py); the NumPy encoder before it needed
    BLAS limited to one thread here (bench/bot_latency.py, 8 users: text-turn p95 x1.61 of the old model
    with two threads, x1.41 with one; docs/nlu.md). ORT uses no BLAS, and threadpoolctl's limit cost
    ~1.3 ms a message (it walks every loaded library, TensorFlow's included), so it is gone."""
    missing = [m for m in messages if m.get(EMBEDDING) is None]
    if missing:
        vectors = default_encoder().encode([str(m.get(TEXT)) for m in missing])
        for message, vector in zip(missing, vectors, strict=True):
            message.set(EMBEDDING, vector)
    return np.stack([m.get(EMBEDDING) for m in messages])


@dataclass
class TextModel:
    """Fitted vectorizers and regression; ``probabilities`` for any texts, no Rasa needed."""

    words: TfidfVectorizer
    chars: TfidfVectorizer
    regression: LogisticRegression

    @classmethod
    def fit(cls, texts: list[str], labels: Sequence[Any], c: float, balanced: bool) -> TextModel:
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)
        words.fit(texts)
        chars.fit(texts)
        weights = "balanced" if balanced else None
        model = cls(words, chars, LogisticRegression(C=c, max_iter=4000, class_weight=weights))
        embedded = csr_matrix(default_encoder().encode(texts))
        model.regression.fit(model._features(texts, embedded), np.asarray(labels))
        return model

    @property
    def classes(self) -> list[Any]:
        return list(self.regression.classes_)

    def _features(self, texts: list[str], embedded: csr_matrix) -> Any:
        return hstack([embedded, self.words.transform(texts), self.chars.transform(texts)]).tocsr()

    def probabilities(self, texts: list[str], embedded: np.ndarray | None = None) -> np.ndarray:
        """One row per text, one column per class (``classes``); ``embedded``: the texts' sentence
        embeddings when the caller has them (``message_embeddings``)."""
        if not texts:
            return np.zeros((0, len(self.classes)))
        vectors = default_encoder().encode(texts) if embedded is None else embedded
        return np.asarray(self.regression.predict_proba(self._features(texts, csr_matrix(vectors))))

    def message_probabilities(self, messages: Sequence[Message]) -> np.ndarray:
        """``probabilities`` of the messages' texts, each message encoded once for all classifiers."""
        if not messages:
            return np.zeros((0, len(self.classes)))
        texts = [str(m.get(TEXT)) for m in messages]
        return self.probabilities(texts, message_embeddings(messages))


def save_model(folder: Path, model: TextModel) -> None:
    (folder / _FILE).write_bytes(pickle.dumps(model))


def load_model(folder: Path) -> TextModel:
    # the pickle is the one this model's own `rasa train` wrote into its model storage, never an upload
    model = pickle.loads((folder / _FILE).read_bytes())  # noqa: S301
    if not isinstance(model, TextModel):
        raise TypeError(f"{folder / _FILE} holds a {type(model).__name__}, not a TextModel")
    return model


_C = TypeVar("_C", bound="TextClassifierComponent")


class TextClassifierComponent(GraphComponent):
    """What both learnt classifiers are as Rasa components: a ``TextModel`` fitted by ``train``, kept
    in the model's storage, loaded for ``process``. Subclasses say what they train on and what they
    write on a message."""

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
        # c: the regression's inverse regularisation (16 against 4-32 on v9: the same or better)
        return {"c": 16.0}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Rasa's training cache keys a component by its config and inputs; the corpus and this module
        are neither, so their bytes are added: an edited corpus retrains the classifier."""
        digest = hashlib.sha256(Path(__file__).read_bytes())
        corpus = Path(str({**cls.get_default_config(), **config}.get("corpus", "")))
        for path in sorted(corpus.glob("*.yml")) if corpus.is_dir() else []:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    @classmethod
    def create(
        cls: type[_C],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _C:
        return cls(model_storage, resource, config=config)

    @classmethod
    def load(
        cls: type[_C],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> _C:
        try:
            with model_storage.read_from(resource) as folder:
                model: TextModel | None = load_model(folder)
        except (ValueError, FileNotFoundError):  # trained on one class or nothing: nothing learnt
            model = None
        return cls(model_storage, resource, model, config)

    def _fit(self, pairs: Sequence[tuple[str, Any]], balanced: bool) -> Resource:
        """Fit on (text, label) pairs with two labels or more and keep the model; else learn nothing."""
        if len({label for _, label in pairs}) >= 2:
            texts, labels = [t for t, _ in pairs], [y for _, y in pairs]
            self._model = TextModel.fit(texts, labels, c=float(self._config["c"]), balanced=balanced)
            with self._storage.write_to(self._resource) as folder:
                save_model(folder, self._model)
        return self._resource

    def _scored(self, messages: list[Message]) -> tuple[list[Message], np.ndarray, list[Any]]:
        """The messages with text, their class probabilities and the classes (none without a model)."""
        if self._model is None:
            return [], np.zeros((0, 0)), []
        with_text = [m for m in messages if str(m.get(TEXT) or "").strip()]
        return with_text, self._model.message_probabilities(with_text), self._model.classes
