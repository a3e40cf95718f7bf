"""Feeds for a bundle's ONNX models from demo splits, preprocessed as the HIP does.

A feed is a plain ``{input name: array}`` batch. Images go through :func:`qaid.imaging.to_input`
(the HIP's own preprocessing) and questions through the bundle's vocabulary, so int8 calibration
(:mod:`ml.quantize`) and ONNX Runtime evaluation (:mod:`ml.onnx_eval`) see what the HIP would.
Both work per ONNX file, whose inputs are named by the manifest entries reading it (:func:`files_of`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from PIL import Image

from ml.demo_data import MAX_QUESTION_LEN, encode_questions
from qaid.bundle import InputSpec, Manifest, ModelEntry, tokenize_question
from qaid.imaging import to_input

__all__ = ["Feed", "batch_slices", "files_of", "image_batch", "question_ids"]

Feed = dict[str, np.ndarray]


def image_batch(images: Sequence[np.ndarray], spec: InputSpec) -> np.ndarray:
    """uint8 demo images -> [N,C,S,S] float32 through the HIP's ``to_input``."""
    return np.stack([to_input(Image.fromarray(a), spec) for a in images]).astype(np.float32)


def batch_slices(n: int, batch: int) -> Iterator[slice]:
    """Slices of ``range(n)`` in batches of ``batch`` (the last one shorter)."""
    for i in range(0, n, batch):
        yield slice(i, min(i + batch, n))


def question_ids(entry: ModelEntry, questions: list[str], vocab: list[str]) -> np.ndarray:
    """Token ids [N, max_question_len] of ``questions`` for the VQA model ``entry``."""
    if entry.max_question_len == MAX_QUESTION_LEN:
        return encode_questions(questions, vocab)
    return np.asarray([tokenize_question(q, vocab, entry.max_question_len) for q in questions], np.int64)


def files_of(manifest: Manifest) -> dict[str, list[ModelEntry]]:
    """File name -> the manifest entries that read it, in manifest order (the cascade has two)."""
    out: dict[str, list[ModelEntry]] = {}
    for e in manifest.models:
        out.setdefault(e.file, []).append(e)
    return out
