"""Task functions: weights round-trip, local training, evaluation, FedProx, data folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from federated import task
from federated.data import load_local, read_split, write_split

TINY = task.FedTaskConfig(cascade_blocks=(1, 1, 1, 1), cascade_size=32, cascade_per_class=4, batch=8,
                          seg_size=32, seg_features=4)  # fmt: skip


@pytest.mark.parametrize("name", ["cascade", "segmentation"])
def test_weights_round_trip(name: str) -> None:
    cfg = task.FedTaskConfig(**{**TINY.__dict__, "task": name})
    a, b = task.new_model(cfg), task.new_model(task.FedTaskConfig(**{**cfg.__dict__, "seed": 5}))
    wa = task.get_weights(a)
    assert not all(np.array_equal(x, y) for x, y in zip(wa, task.get_weights(b), strict=True))
    task.set_weights(b, wa)
    assert all(np.array_equal(x, y) for x, y in zip(wa, task.get_weights(b), strict=True))
    assert not any(k.endswith("num_batches_tracked") for k in task._exchanged(a))
    with pytest.raises(ValueError):
        task.set_weights(b, wa[:-1])


@pytest.mark.parametrize("name", ["cascade", "segmentation"])
def test_train_and_evaluate(name: str, data_root: Path) -> None:
    cfg = task.FedTaskConfig(**{**TINY.__dict__, "task": name})
    job = task.make_job(cfg, load_local(data_root / "cismigiu"))
    before = task.get_weights(job.model)
    stats = task.train(job, 1, seed=3)
    assert stats["train_steps"] >= 1 and np.isfinite(stats["train_loss"])
    assert any(not np.array_equal(x, y) for x, y in zip(before, task.get_weights(job.model), strict=True))
    metrics = task.evaluate(job, "val")
    assert next(iter(metrics)) == cfg.primary and 0.0 <= metrics[cfg.primary] <= 1.0
    server = task.evaluate_split(cfg, job.model, read_split(data_root / "_server" / "test.npz"))
    assert 0.0 <= server[cfg.primary] <= 1.0


def test_fedprox_term_pulls_towards_global(data_root: Path) -> None:
    cfg = task.FedTaskConfig(**{**TINY.__dict__, "task": "segmentation"})
    data = load_local(data_root / "cismigiu")
    start = task.get_weights(task.make_job(cfg, data).model)
    dist = {}
    for mu in (0.0, 100.0):
        job = task.make_job(cfg, data)
        task.set_weights(job.model, start)
        task.train(job, 3, seed=1, proximal_mu=mu)  # several steps: the pull starts after the first
        after, trained = task.get_weights(job.model), task.trainable(job.model)  # not the BN statistics
        pairs = zip(after, start, trained, strict=True)
        dist[mu] = sum(float(np.sum((a - b) ** 2)) for a, b, t in pairs if t)
    assert dist[100.0] < dist[0.0]


def test_split_file_round_trip(tmp_path: Path, data_root: Path) -> None:
    split = read_split(data_root / "titan" / "train.npz")
    write_split(tmp_path / "s.npz", split, [0, len(split.images) - 1])
    back = read_split(tmp_path / "s.npz")
    assert back.labels == [split.labels[0], split.labels[-1]]
    assert np.array_equal(back.images[1], split.images[-1])


def test_partition_is_non_iid(data_root: Path) -> None:
    """Hospitals see different label mixes (what makes training alone worse than federated)."""
    hists = []
    for hip in ("herastrau", "cismigiu", "titan"):
        labels = np.asarray(read_split(data_root / hip / "train.npz").labels)
        hists.append(np.bincount(labels[labels >= 0], minlength=11) / max(1, (labels >= 0).sum()))
    assert max(np.abs(hists[0] - hists[1]).sum(), np.abs(hists[1] - hists[2]).sum()) > 0.3
    torch.manual_seed(0)


def test_lr_factor_per_round() -> None:
    assert task.lr_factor("constant", 7, 10) == 1.0
    cos = [task.lr_factor("cosine", r, 10) for r in range(1, 11)]
    assert cos[0] == pytest.approx(1.0) and cos[-1] == pytest.approx(task.LR_FLOOR)
    assert all(a > b for a, b in zip(cos, cos[1:], strict=False))
    assert task.lr_factor("cosine", 1, 1) == 1.0


@pytest.mark.parametrize("n", [5, 9, 40])
def test_fitter_short_plans_do_not_crash(n: int) -> None:
    """ml.train's one-cycle plan divides by zero for ~5 steps; short plans fall back to constant LR."""
    from ml.train import Fitter, Job

    model = torch.nn.Linear(2, 1)
    x = torch.randn(n, 2)

    def step(idx: torch.Tensor, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        return model(x[idx]).pow(2).mean()

    job = Job("toy", model, n, 1, 0.01, step, lambda _: None, "x")  # type: ignore[arg-type,return-value]
    for schedule in ("onecycle", "constant"):
        fitter = Fitter(job, 1, 0, schedule=schedule)
        assert len(fitter.run_epoch()) == n
    assert Fitter(job, 1, 0, schedule="constant").opt.param_groups[0]["lr"] == 0.01


def test_client_app_import_is_light() -> None:
    """A deployment message starts a fresh process: importing the ClientApp must not import torch."""
    import subprocess
    import sys

    code = "import sys, federated.client_app; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])  # fmt: skip
    assert out.stdout.strip() == "False"


def test_calibrate_bn_sets_exact_running_statistics() -> None:
    """After a round BN's running stats are the data's statistics under the final weights (no lagging EMA)."""
    from ml.train import Job

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 1), torch.nn.BatchNorm2d(2))
    x = torch.randn(12, 1, 4, 4) * 3 + 5

    def step(idx: torch.Tensor, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        return model(x[idx]).mean()

    job = Job("toy", model, 12, 4, 0.01, step, lambda _: None, "x")  # type: ignore[arg-type,return-value]
    task.calibrate_bn(job)
    bn = model[1]
    with torch.no_grad():
        z = model[0](x)
    assert torch.allclose(bn.running_mean, z.mean(dim=(0, 2, 3)), atol=1e-5)
    assert torch.allclose(bn.running_var, z.var(dim=(0, 2, 3)), rtol=0.05)  # mean of per-batch variances
    assert bn.momentum == 0.1 and not model.training


def test_train_calibrates_bn_by_default(data_root: Path) -> None:
    cfg = task.FedTaskConfig(**{**TINY.__dict__, "task": "segmentation"})
    data = load_local(data_root / "cismigiu")
    stats = {}
    for calibrate in (False, True):
        job = task.make_job(cfg, data)
        task.train(job, 1, seed=0, bn_calibrate=calibrate)
        stats[calibrate] = job.model.encoder1[1].running_var.clone()
    assert not torch.allclose(stats[False], stats[True])
    assert task.FedTaskConfig.from_run_config({"bn-calibrate": "false"}).bn_calibrate is False
    assert task.make_job(cfg, data).batch == min(cfg.batch // 2, task.make_job(cfg, data).n)  # ml.train's


def test_trainable_mask_marks_bn_statistics() -> None:
    model = task.new_model(task.FedTaskConfig(**{**TINY.__dict__, "task": "segmentation"}))
    mask, keys = task.trainable(model), task._exchanged(model)
    assert len(mask) == len(task.get_weights(model))
    stats = ("running_mean", "running_var")
    assert all(m == (not k.endswith(stats)) for m, k in zip(mask, keys, strict=True))


def test_scaffold_corrects_gradients_and_returns_mean_gradient() -> None:
    from ml.train import Job

    def run(correction: float | None) -> tuple[torch.Tensor, task.Scaffold | None]:
        model = torch.nn.Linear(1, 1, bias=False)
        torch.nn.init.zeros_(model.weight)
        x = torch.ones(4, 1)

        def step(idx: torch.Tensor, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
            return (model(x[idx]) - 1.0).sum() * 0 + model(x[idx]).sum()  # gradient 1 per sample: constant

        job = Job("toy", model, 4, 2, 0.1, step, lambda _: None, "x")  # type: ignore[arg-type,return-value]
        sc = None if correction is None else task.Scaffold([np.full((1, 1), correction, np.float32)])
        task.train(job, 1, seed=0, bn_calibrate=False, scaffold=sc)
        return model.weight.detach().clone(), sc

    plain, _ = run(None)
    same, sc = run(0.0)
    assert torch.equal(plain, same) and sc is not None and sc.steps == 2
    assert np.allclose(sc.new_control()[0], 2.0)  # the raw gradient of a batch of 2, uncorrected
    flipped, _ = run(-4.0)  # corrected gradient 2 − 4 < 0: the weight moves the other way
    assert float(flipped) > 0 > float(plain)


def test_exchanged_vector_round_trip() -> None:
    """Weights (+ SCAFFOLD controls) travel as one float32 vector; masks address its elements."""
    model = task.new_model(task.FedTaskConfig(**{**TINY.__dict__, "task": "segmentation"}))
    weights, controls = task.get_weights(model), task.zero_controls(model)
    for arrays in (weights, weights + controls):
        packed = task.pack(arrays)
        assert len(packed) == 1 and packed[0].dtype == np.float32
        back_w, back_c = task.unpack(model, packed)
        assert all(np.array_equal(a, b) for a, b in zip(back_w + back_c, arrays, strict=True))
    with pytest.raises(ValueError):
        task.unpack(model, [packed[0][:-1]])
    mask = task.element_mask(model, task.trainable(model), True, False)[0]
    stats = sum(w.size for w, t in zip(weights, task.trainable(model), strict=True) if not t)
    assert mask.shape == packed[0].shape and (~mask).sum() == stats + sum(c.size for c in controls)
