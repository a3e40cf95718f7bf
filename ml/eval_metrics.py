"""The figures of ``make eval``: each model on the demo test split and the real set, beside baselines.

Models are measured through :class:`ml.bundle_runner.BundleRunner` — the served ONNX files with the
HIP's own reading rules — so abstentions count as they would for a patient. Baselines are trained
only on training data (generated with the same code and seeds as a hospital's) and tuned only on
validation data:

* nearest neighbour on 16x16 grey thumbnails (filter and labeler),
* "grey means medical" (the filter rule a colour check alone gives),
* a single intensity threshold (segmentation; threshold chosen on the demo val split),
* question-only (VQA: the most frequent training answer to the same question text).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from PIL import Image

from ml.bundle_runner import BundleRunner
from ml.calibrate import ece
from qaid.bundle import LABELS, CascadeReading

THUMB = 16


def thumbs(images: list[np.ndarray]) -> np.ndarray:
    out = [
        np.asarray(Image.fromarray(a).convert("L").resize((THUMB, THUMB)), dtype=np.float32).ravel()
        for a in images
    ]
    x = np.stack(out)
    x -= x.mean(axis=1, keepdims=True)
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-6)


def nearest_neighbour(train_x: np.ndarray, train_y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return train_y[np.argmax(x @ train_x.T, axis=1)]


def is_grey(img: np.ndarray) -> bool:
    return img.ndim == 2 or float(np.abs(img.astype(np.int16) - img.mean(axis=2, keepdims=True)).mean()) < 6


def rate(mask: np.ndarray) -> float:
    return float(np.mean(mask)) if len(mask) else float("nan")


def cascade_figures(readings: list[CascadeReading], medical: np.ndarray, parts: list[str | None]) -> dict:
    """Filter and labeler figures with abstentions: medical (true/false), parts (LABELS name, "?", None)."""
    verdict = np.asarray([r.medical for r in readings])
    p_med = np.asarray([r.medical_probability for r in readings])
    med, non = medical.astype(bool), ~medical.astype(bool)
    out = {
        "medical_called_medical": rate(verdict[med] == "yes"),
        "medical_unsure": rate(verdict[med] == "unsure"),
        "non_medical_refused": rate(verdict[non] == "no"),
        "non_medical_unsure": rate(verdict[non] == "unsure"),
        "filter_ece": ece(np.stack([p_med, 1 - p_med], axis=1), (~med).astype(int)),
    }
    scored = [i for i, p in enumerate(parts) if p not in (None, "?") and med[i]]
    named = [part.name if (part := readings[i].body_part) else None for i in scored]
    truth = [parts[i] for i in scored]
    right = np.asarray([n == t for n, t in zip(named, truth, strict=True)])
    abstained = np.asarray([n is None for n in named])
    out.update(
        {
            "body_part_right": rate(right),
            "body_part_abstained": rate(abstained),
            "body_part_confidently_wrong": rate(~right & ~abstained),
            "body_part_scored_n": float(len(scored)),
        }
    )
    probs = [r.body_part for r in (readings[i] for i in scored)]
    if scored and all(p is not None for p in probs):
        conf = np.asarray([p.confidence for p in probs])  # type: ignore[union-attr]
        ok = np.asarray([p.top == t for p, t in zip(probs, truth, strict=True)])  # type: ignore[union-attr]
        out["labeler_ece"] = top_ece(conf, ok)
    return out


def top_ece(conf: np.ndarray, ok: np.ndarray, bins: int = 10) -> float:
    """ECE from top-class confidences and whether the top class was right."""
    total = 0.0
    for b in range(bins):
        m = (conf > b / bins) & (conf <= (b + 1) / bins)
        if m.any():
            total += m.mean() * abs(float(ok[m].mean()) - float(conf[m].mean()))
    return float(total)


def baseline_figures(
    pred_medical: np.ndarray, pred_part: list[str | None], medical: np.ndarray, parts: list[str | None]
) -> dict:
    """The same rows for a baseline that never abstains."""
    med = medical.astype(bool)
    out = {
        "medical_called_medical": rate(pred_medical[med]),
        "non_medical_refused": rate(~pred_medical[~med]),
    }
    if all(p is None for p in pred_part):  # a filter-only baseline names no body part
        return out
    scored = [i for i, p in enumerate(parts) if p not in (None, "?") and med[i]]
    right = np.asarray([pred_part[i] == parts[i] for i in scored])
    out.update(
        {
            "body_part_right": rate(right),
            "body_part_abstained": 0.0,
            "body_part_confidently_wrong": rate(~right),
        }
    )
    return out


def nn_baseline(
    train_images: list[np.ndarray],
    train_medical: np.ndarray,
    train_label: np.ndarray,
    images: list[np.ndarray],
) -> tuple[np.ndarray, list[str | None]]:
    tx, x = thumbs(train_images), thumbs(images)
    med = nearest_neighbour(tx, train_medical.astype(bool), x)
    keep = train_label >= 0
    lab = nearest_neighbour(tx[keep], train_label[keep], x)
    return med, [LABELS[k] for k in lab]


def grey_baseline(images: list[np.ndarray]) -> np.ndarray:
    return np.asarray([is_grey(a) for a in images])


# --- segmentation ----------------------------------------------------------------------------------


def dice(pred: np.ndarray, truth: np.ndarray) -> float:
    inter = float((pred & truth).sum())
    return 2 * inter / max(1.0, float(pred.sum() + truth.sum()))


def _grey_at(img: np.ndarray, size: int) -> np.ndarray:
    return (
        np.asarray(Image.fromarray(img).convert("L").resize((size, size), Image.Resampling.BILINEAR)) / 255.0
    )


def _mask_at(mask: np.ndarray, size: int) -> np.ndarray:
    return np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize((size, size))) >= 128


def threshold_baseline(val_images: list[np.ndarray], val_masks: list[np.ndarray], size: int) -> float:
    """The one intensity threshold with the best pooled Dice on the validation images."""
    g = np.stack([_grey_at(a, size) for a in val_images])
    m = np.stack([_mask_at(k, size) for k in val_masks])
    return float(max(np.linspace(0.3, 0.98, 69), key=lambda t: dice(g > t, m)))


def segmentation_dice(
    runner: BundleRunner, images: list[np.ndarray], masks: list[np.ndarray], threshold: float
) -> dict[str, float]:
    entry = runner.entry("segmentation")
    assert entry is not None
    size = entry.input.size
    truth = np.stack([_mask_at(k, size) for k in masks])
    pred = np.stack([runner.segment(a, entry) > 0.5 for a in images])
    base = np.stack([_grey_at(a, size) > threshold for a in images])
    return {"dice": dice(pred, truth), "threshold_baseline_dice": dice(base, truth)}


def lesion_claims(runner: BundleRunner, images: list[np.ndarray], min_fraction: float) -> dict[str, float]:
    """Share of images on which a lesion would be reported: U-Net alone vs behind the HIP's gate."""
    entry = runner.entry("segmentation")
    assert entry is not None
    readings = runner.cascade(images)
    raw = np.asarray([(runner.segment(a, entry) > 0.5).mean() > min_fraction for a in images])
    gated = np.asarray([runner.gate(r, entry) is None for r in readings])
    return {
        "ungated_claim_rate": rate(raw),
        "gate_pass_rate": rate(gated),
        "claim_rate": rate(raw & gated),
        "claims": float((raw & gated).sum()),
        "n": float(len(images)),
    }


# --- VQA -------------------------------------------------------------------------------------------


def question_only(train_qa: list[tuple[str, str]]) -> dict[str, str]:
    by_q: dict[str, Counter] = {}
    for q, a in train_qa:
        by_q.setdefault(q, Counter())[a] += 1
    return {q: c.most_common(1)[0][0] for q, c in by_q.items()}


def vqa_figures(
    runner: BundleRunner, images: list[np.ndarray], qa: list[tuple[int, str, str, str]], prior: dict[str, str]
) -> dict[str, float]:
    entry = runner.entry("vqa")
    assert entry is not None
    got = np.asarray([runner.vqa(images[i], q, entry)[0] == a for i, q, a, _ in qa])
    base = np.asarray([prior.get(q) == a for _, q, a, _ in qa])
    closed = np.asarray([t == "closed" for *_, t in qa])
    return {
        "closed_accuracy": rate(got[closed]),
        "open_accuracy": rate(got[~closed]),
        "question_only_closed": rate(base[closed]),
        "question_only_open": rate(base[~closed]),
    }


def anomaly_claims(runner: BundleRunner, images: list[np.ndarray]) -> dict[str, float]:
    """Real images on which the VQA anomaly check would run and answer "abnormal" (HIP rule)."""
    entry = runner.entry("vqa")
    assert entry is not None
    claims = ran = 0
    for img, r in zip(images, runner.cascade(images), strict=True):
        if runner.topic(r) in entry.topics and runner.gate(r, entry) is None:
            ran += 1
            claims += runner.vqa(img, "is this image abnormal?", entry)[0] == "yes"
    return {"ran": float(ran), "claims": float(claims), "n": float(len(images))}
