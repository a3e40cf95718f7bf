"""Training one hospital's cascade, then fitting what lets it abstain (on the data each step may see).

1. Train :class:`~ml.models.CascadeNet` on the hospital's own :class:`~ml.cascade_data.CascadeSet`:
   cross-entropy on the filter, the labeler (medical images with a known class), modality and plane
   (where known), with random left-right flips (no target depends on them).
2. OOD statistics from the hospital's *training* features (:func:`ml.calibrate.fit_gaussians`),
   written into the model's buffers so the exported ONNX computes the distances itself.
3. On the shared validation pool only: one temperature per head, the abstain thresholds, the
   labeler's OOD ceiling and the ceilings of the segmentation/VQA domains. The filter's temperature
   and threshold weigh the real validation images as much as all generated ones together
   (:func:`balanced`): patients upload real images, and on the easy generated rows alone the filter's
   2 %-risk threshold fell to 0.5, so real scans it got wrong were refused with confidence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from ml.calibrate import confidence_threshold, ece, fit_gaussians, fit_platt, fit_temperature, ood_ceiling
from ml.cascade_data import DOMAIN_GROUPS, NON_MEDICAL_GROUP, OOD_GROUPS, CascadeSet
from ml.metrics import softmax
from ml.models import CascadeHeads, CascadeNet
from ml.train import Evaluation, Job, fit, images_to_tensor
from qaid.bundle import LABELS, MODALITIES, ORIENTATIONS, Calibration, InputSpec, calibrated

HEADS = ("filter", "labeler", "modality", "orientation")
MAX_RISK = {"filter": 0.02, "labeler": 0.02, "modality": 0.03, "orientation": 0.03}
CHOSEN_ON = "validation pool: generated val split + real val sources (ml.real_sources)"
CHOSEN_ON_BALANCED = CHOSEN_ON + ", the real images weighted as much as the generated ones"
CASCADE_NORM = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}


@dataclass(frozen=True)
class CascadeConfig:
    size: int = 128
    width: int = 32
    epochs: int = 6
    batch: int = 32
    lr: float = 3e-3
    seed: int = 0

    @property
    def spec(self) -> InputSpec:
        return InputSpec(size=self.size, channels=3, **CASCADE_NORM)


@dataclass
class TrainedCascade:
    model: CascadeHeads
    calibration: dict[str, Calibration]
    domain_ceilings: dict[str, float]
    metrics: dict[str, float]
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def targets(s: CascadeSet) -> dict[str, torch.Tensor]:
    a = s.arrays()
    return {
        "filter": torch.from_numpy((~a["medical"].astype(bool)).astype(np.int64)),  # 0 medical, 1 non_medical
        "labeler": torch.from_numpy(np.where(a["medical"].astype(bool), a["label"], -1)),
        "modality": torch.from_numpy(np.where(a["medical"].astype(bool), a["modality"], -1)),
        "orientation": torch.from_numpy(np.where(a["medical"].astype(bool), a["orientation"], -1)),
    }


def _loss(out: tuple[torch.Tensor, ...], y: dict[str, torch.Tensor]) -> torch.Tensor:
    total = torch.zeros(())
    for k, (head, w) in enumerate(zip(HEADS, (1.0, 1.0, 0.5, 0.5), strict=True)):
        if (y[head] >= 0).any():
            total = total + w * F.cross_entropy(out[k], y[head], ignore_index=-1)
    return total


def cascade_job(data: CascadeSet, cfg: CascadeConfig) -> tuple[Job, torch.Tensor]:
    torch.manual_seed(cfg.seed)
    x = images_to_tensor(data.images, cfg.spec).contiguous(memory_format=torch.channels_last)
    y = targets(data)
    model = CascadeNet(len(LABELS), len(MODALITIES), len(ORIENTATIONS), len(OOD_GROUPS), cfg.width)
    model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # missing from torch's stubs

    def step(idx: torch.Tensor, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        xb = x[idx]
        flip = torch.rand(len(idx), generator=gen) < 0.5
        xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
        return _loss(model(xb)[:4], {k: v[idx] for k, v in y.items()})

    job = Job("cascade", model, len(x), cfg.batch, cfg.lr, step, _no_evaluation, "labeler")
    return job, x


def _no_evaluation(split: str) -> Evaluation:
    # The bundle build runs a fixed schedule (``fit``); the cascade is measured afterwards on its
    # validation set by ``calibrate`` and on the real set by ``ml.real_eval``, never per epoch.
    raise NotImplementedError(f"the cascade is not evaluated per epoch (asked for {split!r})")


@torch.no_grad()
def outputs(model: CascadeHeads, x: torch.Tensor, batch: int = 128) -> dict[str, np.ndarray]:
    """Every head's logits, the pooled features and the OOD distances, in eval mode."""
    model.eval()
    parts: dict[str, list[np.ndarray]] = {k: [] for k in (*HEADS, "pooled", "ood")}
    for i in range(0, len(x), batch):
        _, pooled = model.embed(x[i : i + batch])
        for k, v in zip(HEADS, model.heads(pooled), strict=True):
            parts[k].append(v.numpy())
        parts["pooled"].append(pooled.numpy())
        parts["ood"].append(model.ood(pooled).numpy())
    return {k: np.concatenate(v) for k, v in parts.items()}


def fit_ood(model: CascadeHeads, train_x: torch.Tensor, groups: np.ndarray) -> None:
    pooled = outputs(model, train_x)["pooled"]
    means, precision = fit_gaussians(pooled, groups, len(OOD_GROUPS))
    model.ood_means.copy_(torch.from_numpy(means))
    model.ood_precision.copy_(torch.from_numpy(precision))


def calibrate_head(
    logits: np.ndarray, target: np.ndarray, head: str, chosen_on: str, platt: bool = False
) -> Calibration:
    """Temperature (validation NLL; with ``platt``, temperature and bias), ECE before/after and the
    abstain threshold of one head, from validation outputs and targets (rows with target -1 are left
    out)."""
    m = target >= 0
    t, bias = fit_platt(logits[m], target[m]) if platt else (fit_temperature(logits[m], target[m]), None)
    cal = Calibration(temperature=round(t, 4), bias=[round(b, 4) for b in bias] if bias else None)
    before, after = softmax(logits[m], 1.0), calibrated(logits[m], cal)
    threshold = confidence_threshold(after, target[m], MAX_RISK[head])
    e0, e1 = (ece(p, target[m]) for p in (before, after))
    return cal.model_copy(update={
        "min_confidence": round(threshold, 4), "chosen_on": chosen_on,
        "ece_before": round(e0, 4) if m.any() else None, "ece_after": round(e1, 4) if m.any() else None,
    })  # fmt: skip


def balanced(logits: np.ndarray, target: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows with the real ones repeated until they weigh about as much as the generated ones (never
    fewer than once: with more real than generated rows, the rows as they are)."""
    if not real.any() or real.all():
        return logits, target
    copies = max(1, round(int((~real).sum()) / int(real.sum())))
    keep = np.concatenate([np.flatnonzero(~real)] + [np.flatnonzero(real)] * copies)
    return logits[keep], target[keep]


def calibrate(model: CascadeHeads, val: CascadeSet, spec: InputSpec) -> tuple[dict, dict, dict]:
    """(per-head Calibration, domain ceilings, validation metrics) from the validation pool."""
    out = outputs(model, images_to_tensor(val.images, spec))
    y = {k: v.numpy() for k, v in targets(val).items()}
    generated = np.asarray([s.startswith("generated:") for s in val.source])
    cal, metrics = {}, {}
    for head in HEADS:
        if head == "filter":
            cal[head] = calibrate_head(
                *balanced(out[head], y[head], ~generated), head, CHOSEN_ON_BALANCED, platt=True
            )
        else:
            cal[head] = calibrate_head(out[head], y[head], head, CHOSEN_ON)
        m = y[head] >= 0
        after = calibrated(out[head][m], cal[head])
        metrics[f"val_{head}_accuracy"] = float((after.argmax(1) == y[head][m]).mean())
    nearest = out["ood"].min(axis=1)
    in_dist = generated & (np.asarray(val.group) >= 0)
    cal["labeler"].max_ood = round(ood_ceiling(nearest[in_dist]), 3)
    ceilings = {}
    nearest_group = out["ood"].argmin(axis=1)
    for g in DOMAIN_GROUPS:  # the segmentation/VQA models never saw a real image: admit none
        gi = OOD_GROUPS.index(g)
        in_domain = out["ood"][np.asarray(val.group) == gi, gi]
        # The gate admits an image only when this group is its NEAREST (qaid.bundle.domain_check), so
        # only real images nearest to it must stay above the ceiling; a real brain scan nearer to the
        # "brain" class is refused by that rule already and need not squeeze the demo images out.
        real = out["ood"][~generated & (nearest_group == gi), gi]
        ceilings[g] = round(min(ood_ceiling(in_domain), float(real.min(initial=np.inf)) * 0.98), 3)
        metrics[f"val_{g}_admitted"] = float((in_domain <= ceilings[g]).mean()) if len(in_domain) else 0.0
    metrics["val_ood_ceiling"] = cal["labeler"].max_ood
    return cal, ceilings, metrics


def train_hospital_cascade(data: CascadeSet, val: CascadeSet, cfg: CascadeConfig) -> TrainedCascade:
    t0 = time.time()
    job, x = cascade_job(data, cfg)
    losses = fit(job, cfg.epochs, cfg.seed)
    model: CascadeNet = job.model  # type: ignore[assignment]
    groups = np.asarray(data.group)
    fit_ood(model, x, groups)
    del x
    cal, ceilings, metrics = calibrate(model, val, cfg.spec)
    metrics["train_images"] = float(len(data))
    metrics["train_non_medical"] = float(np.sum(groups == OOD_GROUPS.index(NON_MEDICAL_GROUP)))
    return TrainedCascade(model.eval(), cal, ceilings, metrics, losses, time.time() - t0)
