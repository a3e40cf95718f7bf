"""The data of one ``ml.train_cli`` run: loaded from the hospital's folder (or generated), sized,
and described for the model card."""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from ml.demo_data import NON_MEDICAL, DataConfig, Split, generate
from ml.loaders import load_image_folder, load_lgg, load_vqa_rad
from ml.train import Job, TrainConfig, images_to_tensor, segmentation_job, vqa_job
from ml.vqa_data import VQAData, demo_vqa
from qaid.bundle import LABELS, InputSpec, tokenize_question

__all__ = ["Data", "load", "make_job", "parity_feeds", "split_size", "summary"]

Data = dict[str, Split] | VQAData


def load(args: argparse.Namespace) -> Data:
    if args.demo:
        data = generate(DataConfig().scaled(args.demo_scale), args.seed)
        return demo_vqa(data) if args.task == "vqa" else data
    if args.task == "cascade":
        class_map = dict(m.split("=", 1) for m in args.class_map)
        return load_image_folder(args.data, args.val, args.test, args.seed, class_map)
    if args.task == "segmentation":
        return load_lgg(args.data, args.val, args.test, args.seed)
    return load_vqa_rad(args.data, args.images, args.val, args.seed)


def make_job(task: str, data: Data, cfg: TrainConfig) -> Job:
    """The segmentation or VQA job (the cascade's is :func:`ml.hospital_cascade.hospital_run`)."""
    if task == "vqa":
        assert isinstance(data, VQAData)
        return vqa_job(data, cfg)
    if task != "segmentation":
        raise ValueError(f"no train_cli job for {task!r} here (the cascade: ml.hospital_cascade)")
    assert isinstance(data, dict)
    return segmentation_job(data, cfg)


def split_size(data: Data, name: str) -> int:
    return len(data.splits[name].qa) if isinstance(data, VQAData) else len(data[name].images)


def summary(task: str, data: Data, source: str) -> str:
    """One paragraph of what was trained on: counts per split (and per class for the cascade)."""
    if isinstance(data, VQAData):
        parts = [f"{n}: {len(s.images)} images / {len(s.qa)} questions" for n, s in data.splits.items()]
        kinds = Counter(t for s in data.splits.values() for *_, t in s.qa)
        return (
            f"{source} ({data.source}). {'; '.join(parts)}. {len(data.answers)} answers (from train), "
            f"vocabulary {len(data.vocab)} words, questions cut at {data.max_len} tokens; question "
            f"types {dict(kinds)}."
        )
    lines = []
    for name, s in data.items():
        names = [("non_medical" if lab == NON_MEDICAL else LABELS[lab]) for lab in s.labels]
        counts = dict(sorted(Counter(names).items()))
        masked = sum(f is not None and bool(f.mask.any()) for f in s.findings)
        extra = f", {masked} with a lesion" if task == "segmentation" else ""
        lines.append(f"{name}: {len(s.images)} images{extra} {counts if task == 'cascade' else ''}".rstrip())
    return f"{source}. " + "; ".join(lines) + "."


def parity_feeds(data: Data, spec: InputSpec, split: str) -> dict[str, np.ndarray]:
    """A few real inputs of ``split`` for the ONNX parity check (VQA: with their questions)."""
    if isinstance(data, VQAData):
        s = data.splits[split]
        qa = s.qa[:4]
        q = [tokenize_question(t[1], data.vocab, data.max_len) for t in qa]
        return {
            "image": images_to_tensor([s.images[t[0]] for t in qa], spec).numpy(),
            "question": np.asarray(q),
        }
    return {"image": images_to_tensor(data[split].images[:4], spec).numpy()}
