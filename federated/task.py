"""What one hospital does in a round, independent of Flower: build the model, train, evaluate.

Training reuses :mod:`ml.train` (same jobs, same preprocessing as the HIP, same AdamW loop) so a
federated model is built exactly like a pooled one; only the data differs.

Learning rate: a round is short (``local-epochs`` over a hospital's share), so ``ml.train``'s
one-cycle schedule, planned per call, would warm up again every round. Instead each round trains
at a constant LR ``lr × lr_factor(round)`` with a fresh AdamW: ``lr-schedule="constant"`` (factor 1)
or ``"cosine"`` (cosine decay over ``num-server-rounds`` down to ``LR_FLOOR``), the factor sent by
the server with the round's fit config. The evidence bench trains its centralized and
hospital-alone baselines with exactly the same per-round recipe. Weights are
exchanged as the model's ``state_dict`` arrays in order, including BatchNorm running statistics
(FedAvg averages them too) but not the ``num_batches_tracked`` counters, which stay local.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ml.demo_data import Split
from ml.metrics import dice_iou
from ml.models import Cascade, UNet
from ml.train import (
    Fitter,
    Job,
    TrainConfig,
    cascade_job,
    evaluate_cascade,
    images_to_tensor,
    masks_to_tensor,
    segmentation_job,
)
from qaid.bundle import BODY_PARTS

TASKS = ("cascade", "segmentation")
PRIMARY = {"cascade": "labeler_macro_f1", "segmentation": "segmentation_dice"}
LR_SCHEDULES = ("constant", "cosine")
LR_FLOOR = 0.05  # the cosine schedule's last-round factor
ConfigValue = bool | int | float | str


@dataclass(frozen=True)
class FedTaskConfig:
    """The run-config knobs that shape the model and the local training (see pyproject.toml)."""

    task: str = "cascade"
    local_epochs: int = 1
    batch: int = 16
    lr: float = 2e-3
    cascade_size: int = 64
    cascade_blocks: tuple[int, ...] = (2, 4, 8, 6)
    cascade_per_class: int = 100
    seg_size: int = 64
    seg_features: int = 8
    seed: int = 0
    lr_schedule: str = "cosine"

    @classmethod
    def from_run_config(cls, rc: Mapping[str, ConfigValue]) -> FedTaskConfig:
        blocks = tuple(int(b) for b in str(rc.get("cascade-blocks", "2,4,8,6")).split(","))
        task = str(rc.get("task", "cascade"))
        if task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, not {task!r}")
        schedule = str(rc.get("lr-schedule", "cosine"))
        if schedule not in LR_SCHEDULES:
            raise ValueError(f"lr-schedule must be one of {LR_SCHEDULES}, not {schedule!r}")
        return cls(
            task=task, local_epochs=int(rc.get("local-epochs", 1)), batch=int(rc.get("batch-size", 16)),
            lr=float(rc.get("lr", 2e-3)), cascade_size=int(rc.get("cascade-size", 64)), cascade_blocks=blocks,
            cascade_per_class=int(rc.get("cascade-per-class", 100)), seg_size=int(rc.get("seg-size", 64)),
            seg_features=int(rc.get("seg-features", 8)), seed=int(rc.get("seed", 0)), lr_schedule=schedule,
        )  # fmt: skip

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            cascade_size=self.cascade_size, cascade_blocks=self.cascade_blocks,
            cascade_per_class=self.cascade_per_class, seg_size=self.seg_size,
            seg_features=self.seg_features, batch=self.batch, lr=self.lr, seed=self.seed,
        )  # fmt: skip

    @property
    def primary(self) -> str:
        return PRIMARY[self.task]


def new_model(cfg: FedTaskConfig) -> nn.Module:
    torch.manual_seed(cfg.seed)
    if cfg.task == "cascade":
        return Cascade(len(BODY_PARTS), cfg.cascade_blocks)
    return UNet(3, 1, cfg.seg_features)


def _exchanged(model: nn.Module) -> list[str]:
    return [k for k in model.state_dict() if not k.endswith("num_batches_tracked")]


def get_weights(model: nn.Module) -> list[np.ndarray]:
    state = model.state_dict()
    return [np.array(state[k].detach().cpu().numpy(), copy=True, order="C") for k in _exchanged(model)]


def set_weights(model: nn.Module, weights: list[np.ndarray]) -> None:
    keys = _exchanged(model)
    if len(keys) != len(weights):
        raise ValueError(f"expected {len(keys)} arrays for {type(model).__name__}, got {len(weights)}")
    state = model.state_dict()
    with torch.no_grad():
        for k, w in zip(keys, weights, strict=True):
            if tuple(state[k].shape) != tuple(w.shape):
                raise ValueError(f"{k}: shape {tuple(w.shape)} != {tuple(state[k].shape)}")
            state[k].copy_(torch.from_numpy(np.asarray(w)).to(state[k].dtype))


def make_job(cfg: FedTaskConfig, data: dict[str, Split]) -> Job:
    """The ``ml.train`` job of the task over this hospital's ``data`` ("train" + evaluation splits)."""
    tc = cfg.train_config()
    job = cascade_job(data, tc) if cfg.task == "cascade" else segmentation_job(data, tc)
    # The local batch follows the run config for both tasks (ml.train halves it for the U-Net).
    return dataclasses.replace(job, batch=min(cfg.batch, max(2, job.n)))


def _with_proximal_term(job: Job, mu: float) -> Job:
    """FedProx: add (mu/2)·||w - w_global||² to every local loss (Li et al., 2020)."""
    anchors = [p.detach().clone() for p in job.model.parameters()]
    step = job.step

    def prox_step(idx: torch.Tensor, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor | None:
        loss = step(idx, gen, rng)
        if loss is None:
            return None
        prox = sum(((p - a) ** 2).sum() for p, a in zip(job.model.parameters(), anchors, strict=True))
        return loss + 0.5 * mu * prox

    return dataclasses.replace(job, step=prox_step)


def lr_factor(schedule: str, server_round: int, total_rounds: int) -> float:
    """LR multiplier of round ``server_round`` (1-based) of ``total_rounds``; constant within a round."""
    if schedule == "constant" or total_rounds <= 1:
        return 1.0
    t = (min(max(server_round, 1), total_rounds) - 1) / (total_rounds - 1)
    return LR_FLOOR + (1.0 - LR_FLOOR) * 0.5 * (1.0 + math.cos(math.pi * t))


def round_seed(cfg: FedTaskConfig, server_round: int, partition: str) -> int:
    """A different, reproducible shuffle per round and hospital."""
    digest = hashlib.sha256(f"{cfg.seed}/{server_round}/{partition}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def train(
    job: Job, epochs: int, seed: int, proximal_mu: float = 0.0, lr_factor: float = 1.0
) -> dict[str, float]:
    """``epochs`` of local training from the weights in ``job.model`` at the constant LR
    ``job.lr × lr_factor`` with a fresh AdamW (one round); returns loss, steps and seconds."""
    t0 = time.perf_counter()
    job = dataclasses.replace(job, lr=job.lr * lr_factor)
    fitter = Fitter(_with_proximal_term(job, proximal_mu) if proximal_mu > 0 else job, epochs, seed,
                    schedule="constant")  # fmt: skip
    losses = [loss for _ in range(epochs) for loss in fitter.run_epoch()]
    return {
        "train_loss": float(np.mean(losses)) if losses else float("nan"),
        "train_steps": float(len(losses)),
        "train_seconds": time.perf_counter() - t0,
    }


def evaluate(job: Job, split: str = "val") -> dict[str, float]:
    """The job's metrics on one of its splits (the headline metric first in the dict)."""
    metrics = job.evaluate(split).metrics
    primary = PRIMARY[job.task]
    return {primary: metrics[primary], **{k: v for k, v in metrics.items() if k != primary}}


@torch.no_grad()
def evaluate_split(cfg: FedTaskConfig, model: nn.Module, split: Split) -> dict[str, float]:
    """Metrics of ``model`` on any split (the server's held-out set), without a training job."""
    tc = cfg.train_config()
    model.eval()
    if cfg.task == "cascade":
        spec = tc.spec("cascade")
        return evaluate_cascade(model, images_to_tensor(split.images, spec), np.asarray(split.labels)).metrics
    spec = tc.spec("segmentation")
    idx = [i for i in split.indices(tc.seg_parts) if split.findings[i] is not None]
    x = images_to_tensor([split.images[i] for i in idx], spec)
    y = masks_to_tensor([split.findings[i].mask for i in idx], spec.size)  # type: ignore[union-attr]
    pred = torch.cat([model(x[i : i + 64]) for i in range(0, len(x), 64)]) > 0.5
    return dice_iou(pred.numpy(), y.numpy() > 0.5)


def n_examples(job: Job) -> int:
    return int(job.n)


def n_eval(cfg: FedTaskConfig, split: Split) -> int:
    """Images behind a split's headline metric: the weight of a node's evaluation."""
    if cfg.task == "cascade":
        return max(1, sum(lab >= 0 for lab in split.labels))
    parts = cfg.train_config().seg_parts
    return max(1, sum(split.findings[i] is not None for i in split.indices(parts)))
