"""The text model both learnt NLU classifiers share (qaid_bot/nlu/text_classifier.py)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from qaid_bot.nlu.sentence_encoder import default_encoder
from qaid_bot.nlu.text_classifier import EMBEDDING, TextModel, load_model, save_model

TEXTS = [
    "my dad collapsed and he is not breathing",
    "she has crushing pain in her chest going down her arm",
    "my son swallowed a whole bottle of pills",
    "what are the signs of a heart attack",
    "I had a stroke in 2019, I'm fine now",
    "this homework is killing me",
]
LABELS = ["now", "now", "now", "not", "not", "not"]


def test_a_fitted_model_ranks_unseen_paraphrases() -> None:
    model = TextModel.fit(TEXTS, LABELS, c=16.0, balanced=True)
    assert model.classes == ["not", "now"]
    p = model.probabilities(["my mum collapsed and isn't breathing", "what are the signs of a stroke"])
    assert p.shape == (2, 2) and np.allclose(p.sum(axis=1), 1)
    assert p[0, 1] > 0.5 > p[1, 1]
    assert model.probabilities([]).shape == (0, 2)


def test_each_message_is_encoded_once_for_every_classifier(monkeypatch: pytest.MonkeyPatch) -> None:
    model = TextModel.fit(TEXTS, LABELS, c=16.0, balanced=True)
    messages = [Message({TEXT: t}) for t in ("my mum collapsed", "what is a stroke")]
    encoded: list[list[str]] = []
    real = default_encoder().encode

    def counting(texts: list[str], batch_size: int = 32) -> np.ndarray:
        encoded.append(list(texts))
        return real(texts, batch_size)

    monkeypatch.setattr(default_encoder(), "encode", counting)
    first = model.message_probabilities(messages)
    second = model.message_probabilities(messages)
    assert encoded == [["my mum collapsed", "what is a stroke"]]
    assert np.allclose(first, second)
    assert np.allclose(first, model.probabilities(["my mum collapsed", "what is a stroke"]), atol=1e-6)
    # (one BLAS thread when serving, two here: the sums differ in the last float32 bits)
    assert np.allclose(messages[0].get(EMBEDDING), real(["my mum collapsed"])[0], atol=1e-6)
    assert model.message_probabilities([]).shape == (0, 2)


def test_a_saved_model_loads_and_anything_else_is_refused(tmp_path: Path) -> None:
    model = TextModel.fit(TEXTS, LABELS, c=1.0, balanced=False)
    save_model(tmp_path, model)
    assert np.allclose(load_model(tmp_path).probabilities(TEXTS), model.probabilities(TEXTS))
    (tmp_path / "text_model.pkl").write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(TypeError):
        load_model(tmp_path)
