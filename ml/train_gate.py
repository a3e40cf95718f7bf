"""What ``ml.train_cli`` selects on and what it refuses to ship.

Every head of a model counts: the cascade's filter and labeler, the segmentation U-Net, the VQA
net. The best epoch is the one with the highest mean of the heads' validation figures (a later epoch
wins a tie), so an epoch that makes the filter perfect is not thrown away because the labeler held
still. A head whose validation figure does not beat its trivial baseline (always the most frequent
class of the training split; an all-lesion mask; the most frequent training answer to the same
question) is named in a warning, and the bundle is not written unless the override is given
(which the manifest then records).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ml.demo_data import NON_MEDICAL, Split
from ml.metrics import macro_f1
from ml.train import TrainConfig
from ml.vqa_data import VQAData
from qaid.bundle import LABELS

# task -> head -> the validation figure that head is selected and gated on (higher is better)
HEAD_METRICS: dict[str, dict[str, str]] = {
    "cascade": {"filter": "filter_macro_f1", "labeler": "labeler_macro_f1"},
    "segmentation": {"segmentation": "segmentation_dice"},
    "vqa": {"vqa": "vqa_accuracy"},
}


def selection_score(task: str, metrics: dict[str, float]) -> float:
    """The mean of the task's head figures: what the best epoch is chosen on."""
    return float(np.mean([metrics[m] for m in HEAD_METRICS[task].values()]))


@dataclass(frozen=True)
class Baseline:
    head: str
    metric: str
    value: float
    what: str


def _constant_f1(train: np.ndarray, val: np.ndarray, n: int) -> tuple[float, int]:
    if not len(train) or not len(val):
        return 0.0, -1
    majority = Counter(train.tolist()).most_common(1)[0][0]
    return macro_f1(np.full_like(val, majority), val, n), majority


def _cascade(train: Split, val: Split) -> list[Baseline]:
    tl, vl = np.asarray(train.labels), np.asarray(val.labels)
    f1, cls = _constant_f1((tl == NON_MEDICAL).astype(np.int64), (vl == NON_MEDICAL).astype(np.int64), 2)
    out = [Baseline("filter", "filter_macro_f1", f1, f"always '{['medical', 'non_medical'][cls]}'")]
    f1, part = _constant_f1(tl[tl != NON_MEDICAL], vl[vl != NON_MEDICAL], len(LABELS))
    name = LABELS[part] if part >= 0 else "-"
    out.append(Baseline("labeler", "labeler_macro_f1", f1, f"always '{name}'"))
    return out


def _segmentation(val: Split, cfg: TrainConfig) -> list[Baseline]:
    masks = [val.findings[i].mask for i in val.indices(cfg.seg_parts) if val.findings[i] is not None]  # type: ignore[union-attr]
    lesion = float(sum(m.sum() for m in masks))
    pixels = float(sum(m.size for m in masks))
    dice = 2 * lesion / (pixels + lesion) if pixels else 0.0  # pooled Dice of an all-lesion mask
    return [Baseline("segmentation", "segmentation_dice", dice, "every pixel marked as lesion")]


def _vqa(data: VQAData, val_split: str) -> list[Baseline]:
    train = data.splits["train"].qa
    overall = Counter(t[2] for t in train).most_common(1)
    fallback = overall[0][0] if overall else ""
    by_q: dict[str, Counter[str]] = {}
    for t in train:
        by_q.setdefault(t[1], Counter())[t[2]] += 1
    val = data.splits[val_split].qa
    right = [by_q[t[1]].most_common(1)[0][0] if t[1] in by_q else fallback for t in val]
    acc = float(np.mean([r == t[2] for r, t in zip(right, val, strict=True)])) if val else 0.0
    return [Baseline("vqa", "vqa_accuracy", acc, "the most frequent training answer to the same question")]


def baselines(
    task: str, data: dict[str, Split] | VQAData, val_split: str, cfg: TrainConfig
) -> list[Baseline]:
    if isinstance(data, VQAData):
        return _vqa(data, val_split)
    if task == "cascade":
        return _cascade(data["train"], data[val_split])
    return _segmentation(data[val_split], cfg)


def below(metrics: dict[str, float], found: list[Baseline]) -> list[str]:
    """One warning per head whose validation figure does not beat its baseline."""
    return [
        f"{b.head}: validation {b.metric} {metrics[b.metric]:.3f} does not beat the trivial baseline "
        f"{b.value:.3f} ({b.what})"
        for b in found
        if metrics[b.metric] <= b.value
    ]


def check_baselines(
    task: str, best: dict[str, float], found: list[Baseline]
) -> tuple[list[str], dict[str, dict]]:
    """Print each head's figure beside its baseline; warnings (stderr) for the heads below it."""
    table = {
        b.metric: {"head": b.head, "value": b.value, "what": b.what, "model": best[b.metric]} for b in found
    }
    for metric, b in table.items():
        print(
            f"{b['head']}: val {metric} {b['model']:.4f} vs trivial baseline {b['value']:.4f} ({b['what']})"
        )
    warnings = below(best, found)
    for w in warnings:
        print(f"WARNING: {w}", file=sys.stderr)
    return warnings, table
