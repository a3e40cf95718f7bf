"""A tiny training run of every model lowers its loss, and metrics are computed on held-out data."""

from __future__ import annotations

import numpy as np

from ml.demo_data import Split
from ml.train import TrainConfig, macro_f1, train_cascade, train_segmentation, train_vqa

TINY = TrainConfig(
    cascade_blocks=(1, 1, 1, 1),
    cascade_per_class=4,
    cascade_epochs=4,
    seg_size=32,
    seg_features=4,
    seg_epochs=6,
    vqa_size=32,
    vqa_width=8,
    vqa_epochs=6,
    batch=8,
    seed=0,
)


def _improves(losses: list[float]) -> bool:
    k = max(1, len(losses) // 4)
    return float(np.mean(losses[-k:])) < float(np.mean(losses[:k]))


def test_tiny_runs_improve_loss(small_data: dict[str, Split]) -> None:
    for train in (train_cascade, train_segmentation, train_vqa):
        result = train(small_data, TINY)
        assert len(result.losses) >= 4, train.__name__
        assert _improves(result.losses), (train.__name__, result.losses)
        assert all(0.0 <= v <= 1.0 for v in result.metrics.values()), result.metrics


def test_macro_f1() -> None:
    true = np.array([0, 0, 1, 1, 2])
    assert macro_f1(true, true, 3) == 1.0
    assert 0 < macro_f1(np.array([0, 1, 1, 1, 2]), true, 3) < 1


def test_classification_metrics_skip_absent_classes_and_count_confusions() -> None:
    from ml.metrics import classification

    true = np.array([0, 0, 1, 1])
    logits = np.array([[2.0, 0, 0], [0.5, 1.0, 0], [0, 2.0, 0], [0, 1.0, 0.5]])
    m, cm = classification("x", logits, true, ["a", "b", "c"])
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [0, 0, 0]]
    assert m["x_accuracy"] == 0.75 and m["x_recall_a"] == 0.5 and "x_recall_c" not in m
    assert m["x_auroc_a"] == 1.0 and "x_auroc_c" not in m  # class c never occurs: no AUROC


def test_dice_and_iou() -> None:
    from ml.metrics import dice_iou

    target = np.zeros((2, 4, 4), bool)
    target[0, :2] = True  # 8 pixels; image 1 is lesion-free
    pred = np.zeros_like(target)
    pred[0, :1] = True  # 4 of them
    m = dice_iou(pred, target)
    assert m["segmentation_dice"] == 2 * 4 / 12 and m["segmentation_iou"] == 0.5
    assert m["segmentation_empty_correct"] == 1.0
