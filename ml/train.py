"""Training and held-out evaluation of the three models on CPU, for bundle builds and hospital runs.

Every image reaches a model through :func:`qaid.imaging.to_input` with the model's
:class:`~qaid.bundle.InputSpec` (the one the bundle declares), so training sees exactly the
tensors the HIP will compute from an uploaded PNG. Augmentation (flips) is applied after it, on
tensors, and only for the cascade, whose labels do not depend on left/right.

Each task is a :class:`Job` (model, batch step, evaluation per split, the metric to select on).
:class:`Fitter` runs a job epoch by epoch with a state that can be checkpointed, so
``ml.build_bundles`` (all epochs, then test) and ``ml.train_cli`` (validation every epoch, early
stopping, resume) share one training loop and produce the same numbers for the same seed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ml.demo_data import NON_MEDICAL, Split
from ml.metrics import classification, dice_iou, macro_f1
from ml.models import Cascade, UNet, VQANet
from ml.vqa_data import VQAData, demo_vqa
from qaid.bundle import BODY_PARTS, InputSpec, tokenize_question
from qaid.imaging import to_input

__all__ = [
    "macro_f1",
    "TrainConfig",
    "Trained",
    "Job",
    "Fitter",
    "cascade_job",
    "segmentation_job",
    "vqa_job",
]

IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
MID = {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}
# The questions the HIP asks verbatim for its anomaly check (see ml.demo_data.QUESTIONS).
ANOMALY_QUESTIONS = ("is this image abnormal?", "which side is the lesion on?")


@dataclass(frozen=True)
class TrainConfig:
    """Sizes and schedules; the defaults meet the quality bars in a few minutes on 2 cores."""

    cascade_size: int = 64
    cascade_blocks: tuple[int, ...] = (6, 12, 24, 16)  # DenseNet121
    cascade_epochs: int = 2
    cascade_per_class: int = 100  # training images per body part (and 4x that of non-medical)
    seg_size: int = 96
    seg_features: int = 8
    seg_epochs: int = 6
    seg_parts: tuple[str, ...] = ("brain",)  # labels whose images carry the masks to learn
    vqa_size: int = 64
    vqa_width: int = 24
    vqa_epochs: int = 16
    batch: int = 32
    lr: float = 2e-3
    seed: int = 0

    def spec(self, task: str) -> InputSpec:
        size = {"cascade": self.cascade_size, "segmentation": self.seg_size, "vqa": self.vqa_size}[task]
        norm = IMAGENET if task == "cascade" else MID
        return InputSpec(size=size, channels=3, **norm)

    def epochs(self, task: str) -> int:
        return {"cascade": self.cascade_epochs, "segmentation": self.seg_epochs, "vqa": self.vqa_epochs}[task]


@dataclass
class Evaluation:
    metrics: dict[str, float]
    confusions: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict)  # name -> (labels, cm)


@dataclass
class Trained:
    model: nn.Module
    metrics: dict[str, float]
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    confusions: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict)


Step = Callable[[torch.Tensor, torch.Generator, np.random.Generator], "torch.Tensor | None"]


@dataclass
class Job:
    """One trainable task: the loop draws batches of indices in ``range(n)`` and calls ``step``."""

    task: str
    model: nn.Module
    n: int
    batch: int
    lr: float
    step: Step
    evaluate: Callable[[str], Evaluation]  # split name -> metrics on it
    primary: str  # higher is better: early stopping and the best checkpoint follow it


def images_to_tensor(images: list[np.ndarray], spec: InputSpec) -> torch.Tensor:
    """Stack ``to_input`` of each image (the HIP's preprocessing) into an [N,C,S,S] tensor."""
    return torch.from_numpy(np.stack([to_input(Image.fromarray(a), spec) for a in images]))


def masks_to_tensor(masks: list[np.ndarray], size: int) -> torch.Tensor:
    """Masks resized like the images (bilinear) and re-binarised at 0.5: the target at model size."""
    out = [
        np.asarray(Image.fromarray(m.astype(np.uint8) * 255).resize((size, size), Image.Resampling.BILINEAR))
        >= 128
        for m in masks
    ]
    return torch.from_numpy(np.stack(out)[:, None].astype(np.float32))


def _batches(n: int, batch: int, gen: torch.Generator) -> Iterator[torch.Tensor]:
    perm = torch.randperm(n, generator=gen)
    for i in range(0, n, batch):
        yield perm[i : i + batch]


class Fitter:
    """AdamW + a one-cycle schedule planned over ``epochs``, run one epoch at a time.

    ``schedule="constant"`` keeps ``job.lr`` fixed instead (callers that split training into
    rounds, e.g. federated learning, set their own per-round LR). A one-cycle plan of fewer than
    ``MIN_ONECYCLE_STEPS`` steps also falls back to constant: OneCycleLR divides by zero there.
    All state (weights, optimiser, schedule, both random generators, epoch) is in
    :meth:`state_dict`, so a resumed run continues exactly where the checkpoint left off.
    """

    MIN_ONECYCLE_STEPS = 10

    def __init__(self, job: Job, epochs: int, seed: int, schedule: str = "onecycle") -> None:
        if schedule not in ("onecycle", "constant"):
            raise ValueError(f"schedule must be onecycle or constant, not {schedule!r}")
        self.job, self.epochs, self.epoch = job, epochs, 0
        self.gen = torch.Generator().manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.opt = torch.optim.AdamW(job.model.parameters(), lr=job.lr, weight_decay=1e-4)
        total = max(1, epochs * math.ceil(job.n / job.batch))
        self.sched: torch.optim.lr_scheduler.LRScheduler
        if schedule == "constant" or total < self.MIN_ONECYCLE_STEPS:
            self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lambda _: 1.0)
        else:
            self.sched = torch.optim.lr_scheduler.OneCycleLR(
                self.opt, max_lr=job.lr, total_steps=total, pct_start=0.2
            )

    def run_epoch(self, progress: Callable[[Iterable], Iterable] | None = None) -> list[float]:
        job, losses = self.job, []
        job.model.train()
        batches: Iterable[torch.Tensor] = list(_batches(job.n, job.batch, self.gen))
        for idx in progress(batches) if progress else batches:
            if len(idx) < min(job.batch, job.n):  # drop the ragged last batch (BatchNorm statistics)
                continue
            loss = job.step(idx, self.gen, self.rng)
            if loss is None:
                continue
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self.sched.step()
            losses.append(float(loss.detach()))
        job.model.eval()
        self.epoch += 1
        return losses

    def state_dict(self) -> dict:
        return {
            "model": self.job.model.state_dict(), "opt": self.opt.state_dict(),
            "sched": self.sched.state_dict(), "gen": self.gen.get_state(),
            "rng": self.rng.bit_generator.state, "epoch": self.epoch,
        }  # fmt: skip

    def load_state_dict(self, state: dict) -> None:
        self.job.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        self.sched.load_state_dict(state["sched"])
        self.gen.set_state(state["gen"])
        self.rng.bit_generator.state = state["rng"]
        self.epoch = state["epoch"]


def fit(job: Job, epochs: int, seed: int) -> list[float]:
    """All epochs, no validation: the bundle build's schedule."""
    fitter = Fitter(job, epochs, seed)
    return [loss for _ in range(epochs) for loss in fitter.run_epoch()]


@torch.no_grad()
def _predict(fn: Callable[[torch.Tensor], torch.Tensor], n: int, batch: int = 128) -> torch.Tensor:
    return torch.cat([fn(torch.arange(i, min(i + batch, n))) for i in range(0, n, batch)])


def _cached(make: Callable[[str], tuple]) -> Callable[[str], tuple]:
    """Preprocess each split once per job: validation runs every epoch of a CLI run."""
    cache: dict[str, tuple] = {}
    return lambda name: cache[name] if name in cache else cache.setdefault(name, make(name))


def _run(job: Job, cfg: TrainConfig) -> Trained:
    t0 = time.time()
    losses = fit(job, cfg.epochs(job.task), cfg.seed)
    ev = job.evaluate("test")
    return Trained(job.model, ev.metrics, losses, time.time() - t0, ev.confusions)


def cascade_job(data: dict[str, Split], cfg: TrainConfig) -> Job:
    """Filter (medical vs not) and labeler (BODY_PARTS) trained jointly on one DenseNet backbone."""
    torch.manual_seed(cfg.seed)
    spec = cfg.spec("cascade")
    split = data["train"]
    keep = [
        i
        for lab in sorted(set(split.labels))
        for i in [k for k, v in enumerate(split.labels) if v == lab][
            : cfg.cascade_per_class * (4 if lab == NON_MEDICAL else 1)
        ]
    ]
    x = images_to_tensor([split.images[i] for i in keep], spec).contiguous(memory_format=torch.channels_last)
    labels = torch.tensor([split.labels[i] for i in keep])
    med_target = (labels == NON_MEDICAL).long()  # filter index 0 = medical, 1 = non_medical
    lab_target = torch.where(labels == NON_MEDICAL, torch.full_like(labels, -100), labels)
    model = Cascade(len(BODY_PARTS), cfg.cascade_blocks)
    model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # missing from torch's stubs

    def step(idx: torch.Tensor, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        xb = x[idx]
        flip = torch.rand(len(idx), generator=gen) < 0.5
        xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
        f_logits, l_logits, _ = model(xb)
        lab = F.cross_entropy(l_logits, lab_target[idx]) if (lab_target[idx] >= 0).any() else 0.0
        return F.cross_entropy(f_logits, med_target[idx]) + lab

    tensors = _cached(lambda name: (images_to_tensor(data[name].images, spec), np.asarray(data[name].labels)))

    def evaluate(name: str) -> Evaluation:
        return evaluate_cascade(model, *tensors(name))

    return Job("cascade", model, len(x), cfg.batch, cfg.lr, step, evaluate, "labeler_macro_f1")


def evaluate_cascade(model: Cascade, x: torch.Tensor, labels: np.ndarray) -> Evaluation:
    out = _predict(lambda i: torch.cat(model(x[i])[:2], dim=1), len(x)).numpy()
    med = labels != NON_MEDICAL
    filt, filt_cm = classification("filter", out[:, :2], (~med).astype(np.int64), ["medical", "non_medical"])
    lab, lab_cm = classification("labeler", out[med, 2:], labels[med], list(BODY_PARTS))
    filt = {k: v for k, v in filt.items() if "auroc_non_medical" not in k}  # = auroc_medical for 2 classes
    return Evaluation(
        {**filt, **lab},
        {"filter": (["medical", "non_medical"], filt_cm), "labeler": (list(BODY_PARTS), lab_cm)},
    )


def train_cascade(data: dict[str, Split], cfg: TrainConfig) -> Trained:
    return _run(cascade_job(data, cfg), cfg)


def segmentation_job(data: dict[str, Split], cfg: TrainConfig) -> Job:
    """U-Net: BCE + soft Dice (the Dice term keeps small lesions from being ignored)."""
    torch.manual_seed(cfg.seed)
    spec = cfg.spec("segmentation")

    def prepare(name: str) -> tuple[torch.Tensor, torch.Tensor]:
        split = data[name]
        idx = [i for i in split.indices(cfg.seg_parts) if split.findings[i] is not None]
        x = images_to_tensor([split.images[i] for i in idx], spec)
        y = masks_to_tensor([split.findings[i].mask for i in idx], spec.size)  # type: ignore[union-attr]
        return x, y

    tensors = _cached(prepare)
    x, y = tensors("train")
    model = UNet(3, 1, cfg.seg_features)

    def step(idx: torch.Tensor, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        logits = model.logits(x[idx])
        p = torch.sigmoid(logits)
        dice = 1 - (2 * (p * y[idx]).sum() + 1) / (p.sum() + y[idx].sum() + 1)
        return F.binary_cross_entropy_with_logits(logits, y[idx]) + dice

    def evaluate(name: str) -> Evaluation:
        xs, ys = tensors(name)
        pred = _predict(lambda i: model(xs[i]), len(xs)) > 0.5
        return Evaluation(dice_iou(pred.numpy(), ys.numpy() > 0.5))

    return Job("segmentation", model, len(x), cfg.batch // 2, cfg.lr * 2, step, evaluate, "segmentation_dice")


def train_segmentation(data: dict[str, Split], cfg: TrainConfig) -> Trained:
    return _run(segmentation_job(data, cfg), cfg)


def _encode(questions: list[str], vqa: VQAData) -> torch.Tensor:
    return torch.tensor([tokenize_question(q, vqa.vocab, vqa.max_len) for q in questions], dtype=torch.long)


def vqa_job(vqa: VQAData, cfg: TrainConfig) -> Job:
    """VQA over a :class:`VQAData`; each batch encodes its images once and answers all their questions.

    So the CNN cost is per image, not per question. Training questions whose answer is outside
    the answer set are skipped; at evaluation they count as wrong (the model cannot say them).
    """
    torch.manual_seed(cfg.seed)
    spec = cfg.spec("vqa")
    train = vqa.splits["train"]
    x = images_to_tensor(train.images, spec)
    model = VQANet(len(vqa.vocab), len(vqa.answers), cfg.vqa_width)
    answer_id = {a: k for k, a in enumerate(vqa.answers)}

    def step(b: torch.Tensor, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor | None:
        positions = [int(i) for i in b]
        local = {p: k for k, p in enumerate(positions)}
        qa = [t for t in train.batch_qa(positions, rng) if t[2] in answer_id]
        if not qa:
            return None
        img = torch.tensor([local[p] for p, *_ in qa])
        a = torch.tensor([answer_id[t[2]] for t in qa])
        v = model.encode_image(x[b])[img]
        return F.cross_entropy(model.answer(v, model.encode_question(_encode([t[1] for t in qa], vqa))), a)

    def prepare(name: str) -> tuple:
        s = vqa.splits[name]
        img = torch.tensor([p for p, *_ in s.qa], dtype=torch.long)
        a = torch.tensor([answer_id.get(t[2], -1) for t in s.qa], dtype=torch.long)
        closed = torch.tensor([t[3] == "closed" for t in s.qa], dtype=torch.bool)
        anomaly = torch.tensor([t[1] in ANOMALY_QUESTIONS for t in s.qa], dtype=torch.bool)
        return images_to_tensor(s.images, spec), img, _encode([t[1] for t in s.qa], vqa), a, closed, anomaly

    tensors = _cached(prepare)

    def evaluate(name: str) -> Evaluation:
        xs, img, q, a, closed, anomaly = tensors(name)
        pred = _predict(lambda i: model(xs[img[i]], q[i]), len(q)).argmax(1)
        ok = (pred == a).float()
        mean = lambda m: float(ok[m].mean()) if m.any() else 0.0  # noqa: E731
        out = {"vqa_accuracy": mean(torch.ones_like(closed)), "vqa_closed_accuracy": mean(closed),
               "vqa_open_accuracy": mean(~closed)}  # fmt: skip
        if anomaly.any():
            out["vqa_anomaly_questions_accuracy"] = mean(anomaly)
        return Evaluation(out)

    return Job("vqa", model, len(train.images), cfg.batch, cfg.lr, step, evaluate, "vqa_accuracy")


def train_vqa(data: dict[str, Split] | VQAData, cfg: TrainConfig) -> Trained:
    """VQA on the demo's brain MRIs and chest X-rays (or on any :class:`VQAData`)."""
    return _run(vqa_job(data if isinstance(data, VQAData) else demo_vqa(data), cfg), cfg)
