"""Evaluation metrics shared by ``ml.train`` (bundle builds) and ``ml.train_cli`` (hospital runs).

Kept numpy-only except AUROC (scikit-learn), so the same numbers end up in bundle provenance, in
the CLI's metrics.json and in the model cards. Classes absent from the evaluated split are skipped
(macro-F1, AUROC) rather than counted as 0: a hospital's test split rarely holds every body part.
"""

from __future__ import annotations

import numpy as np


def macro_f1(pred: np.ndarray, true: np.ndarray, n_classes: int) -> float:
    """Mean F1 over the classes present in ``true``."""
    f1s = []
    for c in range(n_classes):
        tp = np.sum((pred == c) & (true == c))
        denom = np.sum(pred == c) + np.sum(true == c)
        if np.sum(true == c) > 0:
            f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s)) if f1s else 0.0


def confusion(pred: np.ndarray, true: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts [true class, predicted class]."""
    out = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(out, (true.astype(np.int64), pred.astype(np.int64)), 1)
    return out


def per_class_auroc(scores: np.ndarray, true: np.ndarray, names: list[str]) -> dict[str, float]:
    """One-vs-rest AUROC per class from scores [N, C]; classes lacking positives or negatives are skipped."""
    from sklearn.metrics import roc_auc_score

    out = {}
    for c, name in enumerate(names):
        pos = true == c
        if 0 < pos.sum() < len(true):
            out[name] = float(roc_auc_score(pos, scores[:, c]))
    return out


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """softmax(logits / temperature) over the last axis (temperature scaling: :mod:`ml.calibrate`)."""
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def classification(
    prefix: str, logits: np.ndarray, true: np.ndarray, names: list[str]
) -> tuple[dict[str, float], np.ndarray]:
    """Accuracy, macro-F1, mean + per-class AUROC and per-class recall; returns (metrics, confusion)."""
    pred = logits.argmax(1)
    cm = confusion(pred, true, len(names))
    aucs = per_class_auroc(softmax(logits), true, names) if len(true) else {}
    out = {
        f"{prefix}_accuracy": float(np.mean(pred == true)) if len(true) else 0.0,
        f"{prefix}_macro_f1": macro_f1(pred, true, len(names)),
    }
    if aucs:
        out[f"{prefix}_auroc_mean"] = float(np.mean(list(aucs.values())))
        out.update({f"{prefix}_auroc_{k}": v for k, v in aucs.items()})
    for c, name in enumerate(names):
        if cm[c].sum():
            out[f"{prefix}_recall_{name}"] = float(cm[c, c] / cm[c].sum())
    return out, cm


def dice_iou(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """Pooled Dice and IoU of binary masks [N, ...], plus per-image Dice over images with a lesion.

    Pooled (all pixels of the split together) is the headline number; per-image Dice shows whether
    small lesions are found; ``empty_correct`` is the share of lesion-free images predicted empty.
    """
    pred, target = pred.astype(bool), target.astype(bool)
    axes = tuple(range(1, pred.ndim))
    inter = (pred & target).sum(axis=axes)
    p, t = pred.sum(axis=axes), target.sum(axis=axes)
    has = t > 0
    union = (pred | target).sum()
    return {
        "segmentation_dice": float(2 * inter.sum() / max(p.sum() + t.sum(), 1)),
        "segmentation_iou": float(inter.sum() / max(union, 1)),
        "segmentation_dice_per_image": float(np.mean(2 * inter[has] / (p[has] + t[has])))
        if has.any()
        else 0.0,
        "segmentation_empty_correct": float(np.mean(p[~has] == 0)) if (~has).any() else 1.0,
    }
