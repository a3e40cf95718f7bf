"""Knowing what the cascade does not know: temperature, ECE, OOD statistics, abstain thresholds.

Everything here is fitted on the data it is given, and the callers give it only what they may:
OOD statistics on a hospital's own training features, temperatures and thresholds on the
validation pool (generated val split + real ``val`` sources). The evaluation sources never reach it.

* Temperature scaling (Guo et al., 2017): one scalar per head minimising validation NLL; for the
  two-class filter, Platt scaling (Platt, 1999): a temperature and a bias, so the boundary itself
  can move to where the validation images put it.
* ECE: expected calibration error over 10 equal-width confidence bins.
* OOD: class-conditional Gaussians with a shared, shrunk covariance over pooled features
  (Lee et al., 2018); the score is the squared Mahalanobis distance to a group's mean.
* Thresholds: the lowest confidence at which the decisions kept on validation are wrong at most
  ``max_risk`` of the time (selective classification), and an OOD ceiling at a quantile of the
  in-distribution validation distances.
"""

from __future__ import annotations

import numpy as np

from ml.metrics import softmax


def nll(logits: np.ndarray, target: np.ndarray, temperature: float) -> float:
    p = softmax(logits, temperature)[np.arange(len(target)), target]
    return float(-np.log(np.clip(p, 1e-12, 1)).mean())


def fit_temperature(logits: np.ndarray, target: np.ndarray) -> float:
    """Grid + refinement over log T in [-1.5, 2.5]; 1.0 when there is nothing to fit on.

    Never below 1 when every validation example is already right: then the NLL only falls as T -> 0
    (it has no minimum), and sharpening on no evidence of error would make every answer, an unfamiliar
    image's too, look certain. A small hospital validation split is often perfectly separated.
    """
    if len(target) == 0:
        return 1.0
    grid = np.exp(np.linspace(-1.5, 2.5, 81))
    best = min(grid, key=lambda t: nll(logits, target, t))
    fine = best * np.exp(np.linspace(-0.06, 0.06, 13))
    t = float(min(fine, key=lambda t: nll(logits, target, t)))
    return max(t, 1.0) if bool((logits.argmax(axis=1) == target).all()) else t


def fit_platt(logits: np.ndarray, target: np.ndarray) -> tuple[float, list[float] | None]:
    """(temperature, per-class bias) of a two-class head: P(class 0) = sigmoid(a + b (l0 - l1)), a and
    b minimising validation NLL, returned as T = 1 / b and bias (a/2, -a/2) for
    ``qaid.bundle.calibrated``.

    Why a bias: the demo filter is fitted on generated images and real validation scans land nearer
    its boundary than generated ones, so no temperature alone makes both confident where they are
    right (docs/models.md, "Platt scaling of the filter"). Falls back to temperature scaling (no bias)
    when the validation scores are separable or one class is missing (the NLL then has no minimum) or
    the fitted slope is not positive.
    """
    s = np.asarray(logits, dtype=np.float64)[:, 0] - np.asarray(logits, dtype=np.float64)[:, 1]
    pos = target == 0
    if logits.shape[1] != 2 or pos.all() or not pos.any() or s[pos].min() > s[~pos].max():
        return fit_temperature(logits, target), None
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4, max_iter=1000).fit(s[:, None], pos.astype(int))
    a, b = float(lr.intercept_[0]), float(lr.coef_[0, 0])
    if b <= 0:
        return fit_temperature(logits, target), None
    return 1.0 / b, [a / 2, -a / 2]


def ece(probs: np.ndarray, target: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top-class confidence."""
    if len(target) == 0:
        return float("nan")
    conf, pred = probs.max(axis=1), probs.argmax(axis=1)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            total += m.mean() * abs(float((pred[m] == target[m]).mean()) - float(conf[m].mean()))
    return float(total)


def confidence_threshold(probs: np.ndarray, target: np.ndarray, max_risk: float, floor: float = 0.5) -> float:
    """Smallest threshold t >= floor so that, of the validation decisions with confidence >= t, at most
    ``max_risk`` are wrong. With no such t, the highest confidence seen (abstain almost always)."""
    conf, ok = probs.max(axis=1), probs.argmax(axis=1) == target
    for t in np.unique(np.concatenate([[floor], conf[conf >= floor]])):
        kept = conf >= t
        if kept.any() and 1 - ok[kept].mean() <= max_risk:
            return float(t)
    return float(conf.max(initial=floor)) + 1e-6


def fit_gaussians(pooled: np.ndarray, groups: np.ndarray, n_groups: int, shrink: float = 0.1) -> tuple:
    """(means [G, C], precision [C, C]) from training features; groups with no sample get a far mean."""
    c = pooled.shape[1]
    means = np.full((n_groups, c), 1e3, dtype=np.float64)
    centred = []
    for g in range(n_groups):
        x = pooled[groups == g]
        if len(x):
            means[g] = x.mean(axis=0)
            centred.append(x - means[g])
    z = np.concatenate(centred) if centred else np.zeros((1, c))
    cov = z.T @ z / max(1, len(z) - 1)
    cov = (1 - shrink) * cov + shrink * np.eye(c) * np.trace(cov) / c  # Ledoit-Wolf-style shrinkage
    return means.astype(np.float32), np.linalg.inv(cov).astype(np.float32)


def ood_ceiling(distances: np.ndarray, quantile: float = 0.99) -> float:
    """The OOD score below which ``quantile`` of in-distribution validation images fall."""
    return float(np.quantile(distances, quantile)) if len(distances) else float("inf")
