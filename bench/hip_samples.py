"""The HIP benchmark's inputs: the demo sample images and the model feeds made from them.

Images are decoded and preprocessed as the HIP does (:func:`qaid.imaging.decode_image`,
:func:`qaid.imaging.to_input`); a VQA feed asks the HIP's own abnormality question.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from hip_service import analysis
from qaid.bundle import ModelEntry, tokenize_question
from qaid.imaging import decode_image, to_input

__all__ = ["SAMPLES", "decoded", "image_feed", "sample_bytes"]

SAMPLES = ("brain_lesion.png", "brain_normal.png", "chest_xray.png", "not_medical.png")


def sample_bytes(samples_dir: Path) -> dict[str, bytes]:
    missing = [s for s in SAMPLES if not (samples_dir / s).is_file()]
    if missing:
        raise SystemExit(
            f"hip_bench: demo images {missing} missing in {samples_dir}; run python -m ml.build_bundles"
        )
    return {s: (samples_dir / s).read_bytes() for s in SAMPLES}


def decoded(data: bytes) -> Image.Image:
    return decode_image(data, max_bytes=20 << 20, max_pixels=40_000_000)


def image_feed(entry: ModelEntry, image: Image.Image) -> dict[str, np.ndarray]:
    feed = {entry.inputs["image"]: to_input(image, entry.input)[None]}
    if entry.task == "vqa":
        ids = tokenize_question(analysis.ABNORMAL_QUESTION, entry.question_vocab, entry.max_question_len)
        feed[entry.inputs["question"]] = np.asarray([ids], dtype=np.int64)
    return feed
