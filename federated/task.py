"""What one hospital does in a round, independent of Flower: build the model, train, evaluate.

Training reuses :mod:`ml.train` (same jobs, same preprocessing as the HIP, same AdamW loop) so a
federated model is built exactly like a pooled one; only the data differs.

Learning rate: a round is short (``local-epochs`` over a hospital's share), so ``ml.train``'s
one-cycle schedule, planned per call, would warm up again every round. Instead each round trains
at a constant LR ``lr × lr_factor(round)`` with a fresh AdamW: ``lr-schedule="constant"`` (factor 1)
or ``"cosine"`` (cosine decay over ``num-server-rounds`` down to ``LR_FLOOR``), the factor sent by
the server with the round's fit config. The evidence bench trains its centralized and
hospital-alone baselines with exactly the same per-round recipe.

Exchanged parameters: ONE float32 vector (:func:`pack` / :func:`unpack`): the model's
``state_dict`` arrays in order, including the BatchNorm running statistics but not the
``num_batches_tracked`` counters (:func:`get_weights`), followed — with SCAFFOLD on — by one
control variate per trained parameter. One array instead of hundreds: Flower moves every array of
a message as separate objects (one HTTP request each, at every hop), which made a deployment
message take minutes on 2 cores.

Non-IID data (see ``docs/federated.md``, evidence): two things break plain FedAvg here.

* **BatchNorm statistics.** A round is a few local steps (one for a small hospital's U-Net), and
  BN's running statistics are a slow moving average of the batches seen, so after a round they
  describe old weights; averaged, they match no model (U-Net Dice 0.0 for 20 rounds while its
  training went well). :func:`calibrate_bn` sets them to the exact statistics of the training
  data under the current weights: each single-site arm does it locally at the end of a round;
  FedAvg does it federatedly on the new *global* weights (:func:`bn_moments`, summed with SecAgg+).
* **Client drift under label skew.** A body part held by one small hospital (elbow: 24 of 25
  images at herastrau, which has no humerus) is mapped to the other hospitals' majority class
  after averaging (elbow → humerus, recall 0.0 at every round). :class:`Scaffold` (Karimireddy et
  al., 2020) corrects every local gradient by ``c − c_i``, the server's control variate minus this
  hospital's (the mean raw gradient of its previous round), so local steps follow the global
  gradient. With one site ``c = c_i`` and it is plain training.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from flwr.app.user_config import UserConfigValue
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


def _bool(v: UserConfigValue) -> bool:
    return v.lower() in ("1", "true", "yes") if isinstance(v, str) else bool(v)


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
    bn_calibrate: bool = True

    @classmethod
    def from_run_config(cls, rc: Mapping[str, UserConfigValue]) -> FedTaskConfig:
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
            bn_calibrate=_bool(rc.get("bn-calibrate", True)),
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


def zero_controls(model: nn.Module) -> list[np.ndarray]:
    """SCAFFOLD's initial control variates: zeros shaped like the trained parameters."""
    return [np.zeros(tuple(p.shape), np.float32) for p in model.parameters()]


def pack(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """The exchanged form: every array flattened into one float32 vector."""
    return [np.concatenate([np.asarray(a, np.float32).ravel() for a in arrays])]


def unpack(model: nn.Module, params: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(weights, SCAFFOLD controls — empty without SCAFFOLD) from the exchanged vector."""
    shapes = [tuple(model.state_dict()[k].shape) for k in _exchanged(model)]
    shapes += [tuple(p.shape) for p in model.parameters()]
    sizes = [math.prod(s) for s in shapes]
    vec = params[0].ravel() if len(params) == 1 else pack(params)[0]
    n_w = len(_exchanged(model))
    if len(vec) not in (sum(sizes[:n_w]), sum(sizes)):
        raise ValueError(f"{len(vec)} exchanged values do not fit {type(model).__name__}")
    out, at = [], 0
    for shape, size in zip(shapes, sizes, strict=True):
        if at == len(vec):
            break
        out.append(vec[at : at + size].reshape(shape))
        at += size
    return out[:n_w], out[n_w:]


def element_mask(model: nn.Module, weight_flags: list[bool], controls: bool, flag: bool) -> list[np.ndarray]:
    """A boolean mask over the exchanged vector: ``weight_flags`` per weight array, ``flag`` for controls."""
    state = model.state_dict()
    parts = [np.full(state[k].numel(), f) for k, f in zip(_exchanged(model), weight_flags, strict=True)]
    if controls:
        parts += [np.full(p.numel(), flag) for p in model.parameters()]
    return [np.concatenate(parts)]


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
    # ml.train's batch (``batch-size``; halved for the U-Net), capped by a small hospital's share.
    return dataclasses.replace(job, batch=min(job.batch, max(2, job.n)))


def trainable(model: nn.Module) -> list[bool]:
    """Per weight array: a trained parameter (True) or a BatchNorm running statistic (False)."""
    params = {name for name, _ in model.named_parameters()}
    return [k in params for k in _exchanged(model)]


def bn_moments(model: nn.Module, weights: list[np.ndarray], inverse: bool = False) -> list[np.ndarray]:
    """BN ``running_var`` ↔ second moment ``var + mean²`` in a weight list (other arrays as they are).

    Averaging means and second moments over hospitals (weighted by images) gives the pooled
    statistics — averaging variances would drop the spread of the hospitals' means.
    """
    keys = _exchanged(model)
    means = {k[: -len("mean")]: w for k, w in zip(keys, weights, strict=False) if k.endswith("running_mean")}
    out = list(weights)
    for i, k in enumerate(keys):
        if k.endswith("running_var"):
            sq = means[k[: -len("var")]] ** 2
            out[i] = np.maximum(weights[i] - sq, 0.0) if inverse else weights[i] + sq
    return out


@torch.no_grad()
def calibrate_bn(job: Job, seed: int = 0) -> None:
    """Set every BatchNorm's running mean/var to the statistics of the job's training data.

    One pass of ``job.step`` in train mode without gradients, with ``momentum=None`` (BN's
    cumulative average over the batches), so the statistics describe the current weights.
    """
    bns = [m for m in job.model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    momenta = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    job.model.train()
    try:
        for i in range(0, job.n, job.batch):
            idx = torch.arange(i, min(i + job.batch, job.n))
            if len(idx) >= 2:  # BN needs two samples per channel
                job.step(idx, gen, rng)
    finally:
        for m, momentum in zip(bns, momenta, strict=True):
            m.momentum = momentum
        job.model.eval()


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


@dataclass
class Scaffold:
    """One hospital's SCAFFOLD round: ``correction = c − c_i`` is added to every gradient before the
    optimizer step; the mean raw gradient of the round (:meth:`new_control`) is the next ``c_i``."""

    correction: list[np.ndarray]
    grad_sum: list[torch.Tensor] = field(default_factory=list)
    steps: int = 0

    def attach(self, opt: torch.optim.Optimizer, params: list[nn.Parameter]) -> None:
        corr = [torch.from_numpy(np.asarray(c, np.float32)) for c in self.correction]
        self.grad_sum = [torch.zeros_like(p) for p in params]

        def pre_step(*_: object) -> None:
            with torch.no_grad():
                for p, c, total in zip(params, corr, self.grad_sum, strict=True):
                    if p.grad is not None:
                        total.add_(p.grad)
                        p.grad.add_(c)
            self.steps += 1

        opt.register_step_pre_hook(pre_step)

    def new_control(self) -> list[np.ndarray]:
        return [(t / max(1, self.steps)).numpy().astype(np.float32) for t in self.grad_sum]


def train(
    job: Job, epochs: int, seed: int, proximal_mu: float = 0.0, lr_factor: float = 1.0,
    bn_calibrate: bool = True, scaffold: Scaffold | None = None,
) -> dict[str, float]:  # fmt: skip
    """``epochs`` of local training from the weights in ``job.model`` at the constant LR
    ``job.lr × lr_factor`` with a fresh AdamW (one round), SCAFFOLD-corrected with ``scaffold``,
    then (``bn_calibrate``) :func:`calibrate_bn`; returns loss, steps and seconds."""
    t0 = time.perf_counter()
    local = dataclasses.replace(job, lr=job.lr * lr_factor)
    fitter = Fitter(_with_proximal_term(local, proximal_mu) if proximal_mu > 0 else local, epochs, seed,
                    schedule="constant")  # fmt: skip
    if scaffold is not None:
        scaffold.attach(fitter.opt, list(job.model.parameters()))
    losses = [loss for _ in range(epochs) for loss in fitter.run_epoch()]
    if bn_calibrate:
        calibrate_bn(job, seed)
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
        if not isinstance(model, Cascade):
            raise TypeError(f"a cascade task needs a Cascade, not {type(model).__name__}")
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
