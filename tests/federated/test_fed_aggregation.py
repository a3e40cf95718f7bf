"""Aggregation: FedAvg by direct strategy calls, and whole runs of the real apps in one process."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from unittest.mock import MagicMock

import numpy as np
import torch
from flwr.app import ConfigRecord, Message, RecordDict
from flwr.common import Code, FitRes, Status, ndarrays_to_parameters, parameters_to_ndarrays
from flwr.server.strategy import FedAvg

from federated.inprocess import InProcessGrid, run_inprocess
from federated.server_app import FastPollGrid
from qaid.bundle import read_manifest

HOSPITALS = ["herastrau", "cismigiu", "titan"]


def test_fedavg_is_example_weighted_mean() -> None:
    arrays = [[np.full((2, 2), v, np.float32), np.array([v], np.float32)] for v in (1.0, 4.0)]
    results = [
        (MagicMock(), FitRes(Status(Code.OK, ""), ndarrays_to_parameters(a), n, {}))
        for a, n in zip(arrays, (30, 10), strict=True)
    ]
    params, _ = FedAvg().aggregate_fit(1, results, failures=[RuntimeError("dead node")])
    out = parameters_to_ndarrays(params)
    assert np.allclose(out[0], 1.75) and np.allclose(out[1], 1.75)  # (30*1 + 10*4) / 40


def test_secagg_run_survives_dead_node_exports_and_resumes(tiny_config: dict, data_root: Path) -> None:
    timing = Path(tiny_config["run-dir"]) / "timing"
    rc = {**tiny_config, "num-server-rounds": 3, "timing-log": str(timing)}
    summary, grid = run_inprocess(rc, data_root, HOSPITALS, fail_from_round={"titan": 2})
    assert summary["rounds"] == 3 and summary["secagg"]
    # timing_mod: one line per message; round 1 = 4 SecAgg+ stages of training, 4 of the BN statistics
    # pass and 1 evaluation per hospital
    lines = [json.loads(x) for x in (timing / "titan.jsonl").read_text().splitlines()]
    secagg = [("train", s) for s in ("setup", "share_keys", "collect_masked_vectors", "unmask")]
    assert [(m["type"], m["stage"]) for m in lines] == [*secagg, *secagg, ("evaluate", "")]
    assert all(m["process_start"] <= m["called"] <= m["done"] for m in lines)
    assert summary["history"]["server_eval_seconds"][0] > 0
    assert summary["history"]["fed_loss"][-1] >= 0  # round 3 still evaluated (2 live hospitals)
    runs = Path(rc["run-dir"]) / "cascade"
    assert (runs / "best.pt").is_file() and (runs / "last.pt").is_file()
    assert json.loads((runs / "summary.json").read_text())["best_round"] >= 1
    versions = set()
    for hip in HOSPITALS:
        m = read_manifest(Path(rc["bundles-dir"]) / hip)
        assert m.hip_id == hip and {e.task for e in m.models} == {"filter", "labeler"}
        assert m.models[0].provenance.metrics["fl_rounds"] == 3.0
        assert "secagg=on" in m.models[0].provenance.training_run
        versions.add(m.bundle_version)
    assert len(versions) == 1
    # Resume: two more rounds start after round 3; a new bundle version replaces the old one.
    summary2, _ = run_inprocess({**rc, "num-server-rounds": 4}, data_root, HOSPITALS)
    assert summary2["rounds"] == 4 and len(summary2["round_seconds"]) == 4
    assert read_manifest(Path(rc["bundles-dir"]) / "titan").bundle_version not in versions


class _CountingGrid(InProcessGrid):
    pulls = 0

    def pull_messages(self, message_ids: Iterable[str]) -> Iterable[Message]:
        self.pulls += 1
        return super().pull_messages(message_ids) if self.pulls > 2 else []  # the first 2 polls: nothing yet


def test_fast_poll_grid_waits_for_all_replies(tiny_config: dict, data_root: Path) -> None:
    from federated.client_app import app

    inner = _CountingGrid(app, {1: {"partition": "titan", "data-dir": str(data_root / "titan")}}, tiny_config)
    grid = FastPollGrid(inner, 0.01)
    assert list(grid.get_node_ids()) == [1] and grid.run is inner.run
    msg = grid.create_message(RecordDict({"c": ConfigRecord({"x": 1})}), "query", 1, "1")
    replies = list(grid.send_and_receive([msg]))
    assert len(replies) == 1 and inner.pulls == 3  # polled until the reply came, then stopped


def test_fedprox_segmentation_publishes_where_offered(tiny_config: dict, data_root: Path) -> None:
    bundles = Path(tiny_config["bundles-dir"])
    base = {**tiny_config, "secagg": False, "num-server-rounds": 1}
    run_inprocess(base, data_root, HOSPITALS)  # a cascade bundle first: the base of the U-Net
    rc = {**base, "task": "segmentation", "strategy": "fedprox", "proximal-mu": 0.1,
          "num-server-rounds": 2, "server-momentum": 0.5}  # fmt: skip
    summary, _ = run_inprocess(rc, data_root, HOSPITALS, fail_from_round={"herastrau": 2})
    assert summary["rounds"] == 2 and summary["strategy"].startswith("fedprox+scaffold+server-momentum=0.5")
    last = torch.load(Path(rc["run-dir"]) / "segmentation" / "last.pt", weights_only=False)
    assert len(last["velocity"]) == len(last["weights"]) and any(np.any(v != 0) for v in last["velocity"])
    seg = read_manifest(bundles / "cismigiu")
    assert {e.task for e in seg.models} == {"filter", "labeler", "segmentation"}
    assert seg.by_task("segmentation")[0].topics == ["brain_mri"]
    assert not read_manifest(bundles / "titan").by_task("segmentation")  # titan does not offer it


def test_server_momentum_step() -> None:
    from federated.workflow import ServerMomentum

    w = [np.zeros(2, np.float32), np.ones(1, np.float32)]  # a parameter and a BN statistic
    avg = [np.full(2, 1.0, np.float32), np.full(1, 3.0, np.float32)]
    plain, _ = ServerMomentum(0.0, 1.0, [np.array(True), np.array(False)]).step(w, avg, [])
    assert all(np.allclose(a, b) for a, b in zip(plain, avg, strict=True))
    m = ServerMomentum(0.5, 1.0, [np.array(True), np.array(False)])
    w1, v1 = m.step(w, avg, [])
    assert np.allclose(w1[0], 1.0) and np.allclose(w1[1], 3.0)
    w2, _ = m.step(w1, [np.full(2, 2.0, np.float32), np.full(1, 4.0, np.float32)], v1)
    assert np.allclose(w2[0], 1.0 + 0.5 * 1.0 + 1.0) and np.allclose(w2[1], 4.0)  # v = 0.5·1 + (2 − 1)
    assert w2[0].dtype == np.float32


def test_scaffold_and_federated_bn_statistics(tiny_config: dict, data_root: Path) -> None:
    """After a round the global BN statistics are the pooled ones of the global weights; each
    hospital keeps its SCAFFOLD control variate in its Context state."""
    from federated import task
    from federated.client_app import CONTROL_KEY
    from federated.data import load_local
    from federated.server_app import RunOptions

    rc = {**tiny_config, "task": "segmentation", "secagg": False, "num-server-rounds": 1, "publish": False}
    summary, grid = run_inprocess(rc, data_root, HOSPITALS)
    assert summary["strategy"].startswith("fedavg+scaffold")
    assert all(CONTROL_KEY in ctx.state.array_records for ctx in grid.contexts.values())
    weights = torch.load(Path(rc["run-dir"]) / "segmentation" / "last.pt", weights_only=False)["weights"]
    cfg = task.FedTaskConfig.from_run_config(rc)
    model = task.new_model(cfg)
    assert len(weights) == 1  # one vector: weights + controls
    global_weights, controls = task.unpack(model, weights)
    assert len(controls) == len(list(model.parameters())) and any(np.any(c != 0) for c in controls)
    moments, sizes = [], []
    for hip in HOSPITALS:  # what the hospitals computed, pooled by hand
        job = task.make_job(cfg, load_local(data_root / hip, ("train",)))
        task.set_weights(job.model, global_weights)
        task.calibrate_bn(job)
        moments.append(task.bn_moments(job.model, task.get_weights(job.model)))
        sizes.append(job.n)
    pooled = task.bn_moments(model, [sum(n * m[i] for n, m in zip(sizes, moments, strict=True)) / sum(sizes)
                                     for i in range(len(moments[0]))], inverse=True)  # fmt: skip
    stats = [i for i, t in enumerate(task.trainable(model)) if not t]
    assert all(np.allclose(global_weights[i], pooled[i], rtol=1e-3, atol=1e-5) for i in stats)
    assert not RunOptions.from_run_config({"dp-noise-multiplier": 0.5}).uses_scaffold


def test_bn_moments_pool_variances() -> None:
    """Averaging means and second moments gives the pooled variance (averaging variances would not)."""
    from federated import task

    model = torch.nn.Sequential(torch.nn.BatchNorm1d(1))
    a, b = np.array([0.0, 2.0]), np.array([10.0, 12.0])  # two hospitals, very different means
    one = np.ones(1, np.float32)  # BN weight and bias, then running mean and var
    local = [[one, one, np.array([x.mean()], np.float32), np.array([x.var()], np.float32)] for x in (a, b)]
    sq = [task.bn_moments(model, w) for w in local]
    pooled = task.bn_moments(model, [(p + q) / 2 for p, q in zip(*sq, strict=True)], inverse=True)
    both = np.concatenate([a, b])
    assert np.allclose(pooled[2], both.mean()) and np.allclose(pooled[3], both.var()) and pooled[0] == 1
