"""The demo bundles' cascade: a frozen ImageNet backbone, one hospital's linear heads on top.

Why: trained from scratch on generated images, the cascade refused real scans as "not medical" and
named the wrong body part with confidence (docs/models.md). Features learnt on ImageNet
(:mod:`ml.backbone`) carry what generated images cannot teach; only what sits on them is fitted, on
the hospital's own data, with no epochs:

1. the backbone's pooled features of every training image, computed once;
2. standardise, then PCA to ``components`` dimensions (fitted on training features) — folded into
   one 1x1 convolution over the feature map, so pooling, heads and class-activation maps stay
   exact (:class:`~ml.models.CascadeHeads`) and the OOD Gaussians live in a small space;
3. each head an L2-regularised logistic regression on those features (multinomial; the two-class
   filter as one binomial score split into two logits; rows without a label left out); the OOD
   Gaussians from the same training features;
4. temperatures, abstain thresholds and ceilings on the shared validation pool, exactly as the
   from-scratch cascade (:func:`ml.cascade_train.calibrate`).

Three hospitals fitting heads on their own partitions give three different files, and their votes
count separately, but they share one backbone: each manifest entry names it (``ModelEntry.backbone``)
and the bot tells the patient once that their agreement is not fully independent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from torch import nn

from ml.backbone import FEATURES, EfficientNetLite0, load_lite0
from ml.calibrate import fit_gaussians
from ml.cascade_data import NON_MEDICAL_GROUP, OOD_GROUPS, CascadeSet
from ml.cascade_train import CASCADE_NORM, HEADS, TrainedCascade, calibrate, targets
from ml.models import CascadeHeads
from ml.train import images_to_tensor
from qaid.bundle import LABELS, MODALITIES, ORIENTATIONS, InputSpec

__all__ = [
    "PretrainedCascadeNet",
    "PretrainedConfig",
    "pooled_features",
    "train_pretrained_cascade",
]

_NEVER = -30.0  # logit bias of a class the hospital has no example of: never its answer


@dataclass(frozen=True)
class PretrainedConfig:
    size: int = 128  # = the stored size of the training images (ml.cascade_data.STORE_SIZE); docs/models.md
    components: int = 256
    c: float = 0.1  # inverse L2 strength of the heads (chosen on real val in the prototype)
    batch: int = 64  # no seed: nothing in the fit is random (SVD and L-BFGS are deterministic)

    @property
    def spec(self) -> InputSpec:
        return InputSpec(size=self.size, channels=3, **CASCADE_NORM)


class PretrainedCascadeNet(CascadeHeads):
    """Frozen EfficientNet-Lite0 → 1x1 projection (standardise + PCA) → :class:`CascadeHeads`."""

    def __init__(self, components: int, backbone: EfficientNetLite0 | None = None) -> None:
        super().__init__()
        self.backbone = backbone if backbone is not None else load_lite0()
        self.project = nn.Conv2d(FEATURES, components, 1)
        self._add_heads(components, len(LABELS), len(MODALITIES), len(ORIENTATIONS), len(OOD_GROUPS))

    def embed(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.project(self.backbone(image))
        return features, features.mean(dim=(2, 3))


@torch.no_grad()
def pooled_features(
    backbone: nn.Module, images: list[np.ndarray], spec: InputSpec, batch: int = 64
) -> np.ndarray:
    """The backbone's feature map averaged over space, [N, 1280], in batches (memory stays small)."""
    parts = [backbone(images_to_tensor(images[i : i + batch], spec)).mean(dim=(2, 3)).numpy()
             for i in range(0, len(images), batch)]  # fmt: skip
    return np.concatenate(parts) if parts else np.zeros((0, FEATURES), np.float32)


def _projection(feats: np.ndarray, components: int) -> tuple[np.ndarray, np.ndarray]:
    """(weight [k, 1280], bias [k]) of standardise-then-PCA, k = min(components, rank)."""
    mean = feats.mean(axis=0)
    scale = feats.std(axis=0) + 1e-6
    z = (feats - mean) / scale
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    comps = vt[: min(components, len(feats) - 1, FEATURES)]
    weight = comps / scale[None]
    return weight.astype(np.float32), (-(mean / scale) @ comps.T).astype(np.float32)


def _fit_head(z: np.ndarray, y: np.ndarray, n_classes: int, c: float) -> tuple[np.ndarray, np.ndarray]:
    """A multinomial logistic regression's (weight [n_classes, k], bias) over the labelled rows;
    a class without an example gets zero weight and a bias it never wins with."""
    weight = np.zeros((n_classes, z.shape[1]), np.float32)
    bias = np.full(n_classes, _NEVER, np.float32)
    m = y >= 0
    seen = np.unique(y[m])
    if len(seen) == 1:  # one class only: it is the answer (the temperature fit then finds no signal)
        bias[seen[0]] = 0.0
        return weight, bias
    if len(seen) == 0:
        return weight, bias
    lr = LogisticRegression(C=c, max_iter=3000).fit(z[m], y[m])
    if len(seen) == 2:  # sklearn's binary form: one score s for class 1; softmax([-s/2, s/2]) = sigmoid(s)
        coef = np.concatenate([-lr.coef_ / 2, lr.coef_ / 2])
        icpt = np.array([-lr.intercept_[0] / 2, lr.intercept_[0] / 2])
    else:
        coef, icpt = lr.coef_, lr.intercept_
    weight[seen] = coef
    bias[seen] = icpt
    return weight, bias


def _load_linear(layer: nn.Linear | nn.Conv2d, weight: np.ndarray, bias: np.ndarray) -> None:
    layer.weight.data.copy_(torch.from_numpy(weight).reshape(layer.weight.shape))
    assert layer.bias is not None
    layer.bias.data.copy_(torch.from_numpy(bias))


def train_pretrained_cascade(data: CascadeSet, val: CascadeSet, cfg: PretrainedConfig) -> TrainedCascade:
    """One hospital's heads on the frozen backbone, then the calibration every cascade gets."""
    t0 = time.time()
    backbone = load_lite0()
    feats = pooled_features(backbone, data.images, cfg.spec, cfg.batch)
    weight, bias = _projection(feats, cfg.components)
    model = PretrainedCascadeNet(len(weight), backbone)
    _load_linear(model.project, weight, bias)
    z = feats @ weight.T + bias
    y = {k: v.numpy() for k, v in targets(data).items()}
    layers = (model.filter_head, model.labeler_head, model.modality_head, model.orientation_head)
    for head, layer in zip(HEADS, layers, strict=True):
        _load_linear(layer, *_fit_head(z, y[head], layer.out_features, cfg.c))
    groups = np.asarray(data.group)
    means, precision = fit_gaussians(z, groups, len(OOD_GROUPS))
    model.ood_means.copy_(torch.from_numpy(means))
    model.ood_precision.copy_(torch.from_numpy(precision))
    cal, ceilings, metrics = calibrate(model.eval(), val, cfg.spec)
    metrics["train_images"] = float(len(data))
    metrics["train_non_medical"] = float(np.sum(groups == OOD_GROUPS.index(NON_MEDICAL_GROUP)))
    return TrainedCascade(model, cal, ceilings, metrics, [], time.time() - t0)
