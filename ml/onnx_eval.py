"""ONNX Runtime evaluation of a bundle's files on a held-out demo split (fp32 vs int8).

Each file is measured on the metrics of the models that read it: filter accuracy, labeler
macro-F1/accuracy, segmentation Dice, VQA closed/open accuracy. Sessions are single-threaded, so
figures do not depend on the machine's load. Used by :mod:`ml.int8_gate` and ``bench/hip_bench.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from ml.demo_data import ANSWERS, NON_MEDICAL, VQA_PARTS, Split
from ml.metrics import macro_f1
from ml.onnx_feeds import Feed, batch_slices, files_of, image_batch, question_ids
from qaid.bundle import LABELS, ModelEntry, read_manifest

__all__ = [
    "accuracy_delta",
    "evaluate_bundle",
    "evaluate_cascade",
    "evaluate_file",
    "evaluate_segmentation",
    "evaluate_vqa",
    "session",
]


def session(path: Path, threads: int = 1) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def _run_batches(sess: ort.InferenceSession, feeds: Iterable[Feed], output: str) -> np.ndarray:
    return np.concatenate([sess.run([output], f)[0] for f in feeds])


def evaluate_cascade(
    path: Path, filt: ModelEntry, lab: ModelEntry, split: Split, batch: int = 64
) -> dict[str, float]:
    """Filter accuracy (medical vs not) and labeler macro-F1/accuracy on every image of ``split``.

    ``filt`` and ``lab`` are the manifest entries of the (shared) cascade file ``path``.
    """
    sess = session(path)
    x = image_batch(split.images, filt.input)
    outputs = [filt.outputs["logits"], lab.outputs["logits"]]
    outs = [sess.run(outputs, {filt.inputs["image"]: x[s]}) for s in batch_slices(len(x), batch)]
    f_logits = np.concatenate([o[0] for o in outs])
    l_logits = np.concatenate([o[1] for o in outs])
    labels = np.asarray(split.labels)
    med = labels != NON_MEDICAL
    med_pred = f_logits.argmax(1) == filt.labels.index("medical")
    # labeler classes are the manifest's, mapped back to LABELS indices (the split's labels: a
    # hospital folder may hold "other"; a demo split of the eleven classes never does)
    names = [lab.labels[k] for k in l_logits.argmax(1)]
    lab_pred = np.asarray([LABELS.index(n) if n in LABELS else -1 for n in names])
    return {
        "filter_accuracy": float(np.mean(med_pred == med)),
        "labeler_macro_f1": macro_f1(lab_pred[med], labels[med], len(LABELS)),
        "labeler_accuracy": float(np.mean(lab_pred[med] == labels[med])),
    }


def _masks_at(masks: list[np.ndarray], size: int) -> np.ndarray:
    """Masks resized like the images (bilinear) and re-binarised at 0.5 (as ``ml.train`` does)."""
    out = [
        np.asarray(Image.fromarray(m.astype(np.uint8) * 255).resize((size, size), Image.Resampling.BILINEAR))
        >= 128
        for m in masks
    ]
    return np.stack(out)[:, None].astype(np.float32)


def evaluate_segmentation(path: Path, entry: ModelEntry, split: Split, batch: int = 32) -> dict[str, float]:
    """Pooled Dice (and mean per-image Dice over images with a lesion) on the brain MRIs of ``split``."""
    idx = split.indices(("brain",))
    x = image_batch([split.images[i] for i in idx], entry.input)
    y = _masks_at([split.findings[i].mask for i in idx], entry.input.size)  # type: ignore[union-attr]
    name = entry.inputs["image"]
    prob = _run_batches(
        session(path), ({name: x[s]} for s in batch_slices(len(x), batch)), entry.outputs["mask"]
    )
    pred = (prob > 0.5).astype(np.float32)
    inter = (pred * y).sum(axis=(1, 2, 3))
    sums = pred.sum(axis=(1, 2, 3)) + y.sum(axis=(1, 2, 3))
    has = y.sum(axis=(1, 2, 3)) > 0
    return {
        "segmentation_dice": float(2 * inter.sum() / sums.sum()),
        "segmentation_dice_per_image": float(np.mean(2 * inter[has] / sums[has])) if has.any() else 1.0,
    }


def evaluate_vqa(path: Path, entry: ModelEntry, split: Split, batch: int = 64) -> dict[str, float]:
    """Closed (yes/no) and open answer accuracy over the canonical + one paraphrased question set."""
    idx = split.indices(VQA_PARTS)
    qa = split.qa(idx)
    pos = {i: k for k, i in enumerate(idx)}
    x = image_batch([split.images[i] for i in idx], entry.input)
    img = np.asarray([pos[i] for i, _, _ in qa])
    q = question_ids(entry, [q for _, q, _ in qa], entry.question_vocab)
    answers = list(entry.answers) or list(ANSWERS)
    a = np.asarray([answers.index(ans) for _, _, ans in qa])
    feeds = (
        {entry.inputs["image"]: x[img[s]], entry.inputs["question"]: q[s]}
        for s in batch_slices(len(q), batch)
    )
    pred = _run_batches(session(path), feeds, entry.outputs["logits"]).argmax(1)
    closed = np.asarray([entry.answer_types[k] == "closed" for k in a])
    ok = pred == a
    return {
        "vqa_closed_accuracy": float(ok[closed].mean()) if closed.any() else float("nan"),
        "vqa_open_accuracy": float(ok[~closed].mean()) if (~closed).any() else float("nan"),
    }


def evaluate_file(path: Path, entries: Sequence[ModelEntry], split: Split) -> dict[str, float]:
    """Every metric of the models in one ONNX file (``entries``: the manifest entries reading it)."""
    by_task = {e.task: e for e in entries}
    out: dict[str, float] = {}
    if "filter" in by_task or "labeler" in by_task:
        if not {"filter", "labeler"} <= set(by_task):
            raise ValueError(f"{Path(path).name}: the cascade file must hold both the filter and the labeler")
        out.update(evaluate_cascade(path, by_task["filter"], by_task["labeler"], split))
    for e in entries:
        if e.task == "segmentation":
            out.update(evaluate_segmentation(path, e, split))
        elif e.task == "vqa":
            out.update(evaluate_vqa(path, e, split))
    return out


def evaluate_bundle(bundle_dir: Path, split: Split) -> dict[str, float]:
    """Every metric this bundle's models support, with ONNX Runtime on ``split``."""
    bundle_dir = Path(bundle_dir)
    manifest = read_manifest(bundle_dir)
    if manifest.by_task("filter")[0].file != manifest.by_task("labeler")[0].file:
        raise ValueError("evaluate_bundle expects the filter and labeler to share one cascade file")
    out: dict[str, float] = {}
    for file, entries in files_of(manifest).items():
        out.update(evaluate_file(bundle_dir / file, entries, split))
    return out


def accuracy_delta(fp32_dir: Path, int8_dir: Path, split: Split) -> dict[str, tuple[float, float, float]]:
    """metric -> (fp32, int8, int8 - fp32) for two bundles on the same held-out ``split``."""
    a, b = evaluate_bundle(fp32_dir, split), evaluate_bundle(int8_dir, split)
    return {k: (a[k], b[k], b[k] - a[k]) for k in a if k in b}
