"""The ServerApp: FedAvg or FedProx (+ server momentum) over the hospitals, SecAgg+ by default, central DP.

Every knob is a run-config value (``[tool.flwr.app.config]`` in ``federated/pyproject.toml``,
overridable with ``flwr run --run-config``). The run keeps ``<run-dir>/<task>/{last,best}.pt``;
a run started again with ``resume=true`` continues after the last finished round. At the end the
best global weights are exported to ONNX and published into every hospital's bundle.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from logging import INFO, WARNING
from pathlib import Path
from typing import Any

import numpy as np
from flwr.app import Context, Message, RecordDict
from flwr.app.user_config import UserConfigValue
from flwr.common import ndarrays_to_parameters
from flwr.server import LegacyContext, ServerConfig
from flwr.server.strategy import DifferentialPrivacyClientSideFixedClipping, FedAvg, FedProx, Strategy
from flwr.server.workflow import SecAggPlusWorkflow
from flwr.serverapp import Grid, ServerApp
from flwr.supercore import log
from flwr.supercore.run import Run

from federated import task
from federated.data import SERVER_DIR, read_split
from federated.publish import FedProvenance, export_and_publish
from federated.workflow import (
    BnCalibration,
    Checkpointer,
    FedWorkflow,
    RunState,
    ServerMomentum,
    weighted_average,
)
from ml.demo_data import DataConfig, Split, generate
from qaid.config import REPO_ROOT, get_settings


@dataclass(frozen=True)
class RunOptions:
    """Server-side knobs (the client-side ones are in :class:`federated.task.FedTaskConfig`)."""

    rounds: int = 3
    strategy: str = "fedavg"
    proximal_mu: float = 0.01
    scaffold: bool = True
    server_momentum: float = 0.0
    server_lr: float = 1.0
    fraction_fit: float = 1.0
    min_fit_clients: int = 2
    min_evaluate_clients: int = 2
    min_available_clients: int = 2
    secagg: bool = True
    secagg_num_shares: int = 3
    secagg_threshold: int = 2
    secagg_clipping_range: float = 8.0
    secagg_max_weight: float = 10000.0
    secagg_timeout: float = 900.0
    dp_noise_multiplier: float = 0.0
    dp_clipping_norm: float = 10.0
    run_dir: str = ""
    resume: bool = True
    data_root: str = ""
    publish: bool = True
    bundles_dir: str = ""
    notify_hips: bool = True

    @classmethod
    def from_run_config(cls, rc: Mapping[str, UserConfigValue]) -> RunOptions:
        values: dict[str, Any] = {}
        for name, default in cls.__dataclass_fields__.items():
            key = name.replace("_", "-")
            if key == "rounds":
                key = "num-server-rounds"
            if key in rc:
                values[name] = type(default.default)(rc[key])  # type: ignore[misc]
        opts = cls(**values)
        if opts.strategy not in ("fedavg", "fedprox"):
            raise ValueError(f"strategy must be fedavg or fedprox, not {opts.strategy!r}")
        return opts

    @property
    def uses_scaffold(self) -> bool:
        """SCAFFOLD's controls (like the BN statistics pass) would be clipped and noised with central DP."""
        return self.scaffold and self.dp_noise_multiplier <= 0

    def strategy_label(self) -> str:
        label = self.strategy + ("+scaffold" if self.uses_scaffold else "")
        if self.server_momentum > 0 or self.server_lr != 1.0:
            label += f"+server-momentum={self.server_momentum:g},server-lr={self.server_lr:g}"
        return label

    def dp_label(self) -> str:
        if self.dp_noise_multiplier <= 0:
            return "off"
        return f"client-side fixed clipping C={self.dp_clipping_norm} z={self.dp_noise_multiplier}"

    def checkpoint_dir(self, cfg: task.FedTaskConfig) -> Path:
        root = Path(self.run_dir).expanduser() if self.run_dir else REPO_ROOT / "var" / "federated"
        return root / cfg.task


def federated_bn(opts: RunOptions, cfg: task.FedTaskConfig) -> bool:
    """BN statistics from a federated pass on the global weights (not with DP: see ``uses_scaffold``)."""
    return cfg.bn_calibrate and opts.dp_noise_multiplier <= 0


def build_strategy(opts: RunOptions, cfg: task.FedTaskConfig, initial: list[np.ndarray],
                   server_eval: Split | None) -> Strategy:  # fmt: skip
    """FedAvg/FedProx with the failure tolerance knobs, wrapped for central DP when it is on."""
    bn_local = cfg.bn_calibrate and not federated_bn(opts, cfg)

    def fit_config(server_round: int) -> dict[str, UserConfigValue]:
        return {"server_round": server_round, "local_epochs": cfg.local_epochs, "bn_local": bn_local,
                "lr_factor": task.lr_factor(cfg.lr_schedule, server_round, opts.rounds)}  # fmt: skip

    evaluate_fn = None
    if server_eval is not None:
        model = task.new_model(cfg)

        def evaluate_fn(server_round: int, weights: list[np.ndarray], config: dict) -> tuple[float, dict]:
            t0 = time.perf_counter()
            task.set_weights(model, task.unpack(model, weights)[0])
            m = task.evaluate_split(cfg, model, server_eval)
            keep = {f"server_{k}": v for k, v in m.items() if "_recall_" not in k and "_auroc_" not in k}
            keep["server_eval_seconds"] = time.perf_counter() - t0
            return 1.0 - m[cfg.primary], keep

    common: dict[str, Any] = dict(
        fraction_fit=opts.fraction_fit, fraction_evaluate=1.0, min_fit_clients=opts.min_fit_clients,
        min_evaluate_clients=opts.min_evaluate_clients, min_available_clients=opts.min_available_clients,
        accept_failures=True, initial_parameters=ndarrays_to_parameters(initial), evaluate_fn=evaluate_fn,
        on_fit_config_fn=fit_config, on_evaluate_config_fn=fit_config,
        fit_metrics_aggregation_fn=weighted_average, evaluate_metrics_aggregation_fn=weighted_average,
    )  # fmt: skip
    strategy: Strategy
    if opts.strategy == "fedprox":
        strategy = FedProx(proximal_mu=opts.proximal_mu, **common)
    else:
        strategy = FedAvg(**common)
    if opts.dp_noise_multiplier > 0:
        strategy = DifferentialPrivacyClientSideFixedClipping(
            strategy, opts.dp_noise_multiplier, opts.dp_clipping_norm,
            num_sampled_clients=opts.min_fit_clients,
        )  # fmt: skip
    return strategy


def _server_eval(opts: RunOptions) -> Split | None:
    path = Path(opts.data_root).expanduser() / SERVER_DIR / "test.npz" if opts.data_root else None
    return read_split(path) if path is not None and path.is_file() else None


def _data_note(opts: RunOptions) -> str:
    part = Path(opts.data_root).expanduser() / "partition.json" if opts.data_root else None
    sizes = json.loads(part.read_text())["sizes"] if part is not None and part.is_file() else "unknown"
    return f"federated over the hospitals' local folders (never pooled); images per hospital: {sizes}"


def run(grid: Grid, context: Context) -> dict[str, Any]:
    """The whole server side of a run; returns the summary also written to ``summary.json``."""
    cfg = task.FedTaskConfig.from_run_config(context.run_config)
    opts = RunOptions.from_run_config(context.run_config)
    ckpt = Checkpointer(opts.checkpoint_dir(cfg))
    model = task.new_model(cfg)
    state = (ckpt.load() if opts.resume else None) or RunState()
    if state.round:
        log(INFO, "resuming %s after round %s (best %.4f at round %s)", cfg.task, state.round,
            state.best_score, state.best_round)  # fmt: skip
    controls = task.zero_controls(model) if opts.uses_scaffold else []  # SCAFFOLD's c, after the weights
    initial = state.weights or task.pack(task.get_weights(model) + controls)
    server_eval = _server_eval(opts)
    strategy = build_strategy(opts, cfg, initial, server_eval)
    legacy = LegacyContext(context=context, config=ServerConfig(num_rounds=opts.rounds), strategy=strategy)
    fit_workflow = None
    if opts.secagg:
        fit_workflow = SecAggPlusWorkflow(
            num_shares=opts.secagg_num_shares, reconstruction_threshold=opts.secagg_threshold,
            clipping_range=opts.secagg_clipping_range, max_weight=opts.secagg_max_weight,
            timeout=opts.secagg_timeout,
        )  # fmt: skip
    score_key = f"server_{cfg.primary}" if server_eval is not None else cfg.primary
    trained = task.trainable(model)
    momentum: ServerMomentum | None = None
    calibration: BnCalibration | None = None
    if opts.server_momentum > 0 or opts.server_lr != 1.0:  # the controls are averaged, no momentum
        mask = task.element_mask(model, trained, bool(controls), False)
        momentum = ServerMomentum(opts.server_momentum, opts.server_lr, mask)
    if federated_bn(opts, cfg):
        stats = task.element_mask(model, [not t for t in trained], bool(controls), False)

        def to_var(params: list[np.ndarray]) -> list[np.ndarray]:
            weights, ctrl = task.unpack(model, params)
            return task.pack(task.bn_moments(model, weights, inverse=True) + ctrl)

        calibration = BnCalibration(fit_workflow, stats, to_var)
    workflow = FedWorkflow(fit_workflow, state, opts.rounds, ckpt, score_key, momentum, calibration)
    state = workflow(grid, legacy)
    clients = sorted({str(n) for n in grid.get_node_ids()})
    summary: dict[str, Any] = {
        "task": cfg.task, "strategy": opts.strategy_label(), "rounds": state.round,
        "best_round": state.best_round,
        "best_score": state.best_score, "score_key": score_key, "secagg": opts.secagg, "dp": opts.dp_label(),
        "round_seconds": state.round_seconds, "history": state.history, "nodes": clients,
    }  # fmt: skip
    if opts.publish and state.best_weights:
        task.set_weights(model, task.unpack(model, state.best_weights)[0])
        final = {k: v[state.best_round - 1] for k, v in state.history.items() if len(v) >= state.best_round}
        fed = FedProvenance(opts.strategy_label(), state.round, clients, final, opts.secagg, opts.dp_label(),
                            state.best_round, state.history)  # fmt: skip
        probe = server_eval or generate(DataConfig().scaled(0.02), cfg.seed)["test"]
        settings = get_settings()
        bundles = Path(opts.bundles_dir).expanduser() if opts.bundles_dir else settings.bundles_dir
        try:
            summary["export"] = export_and_publish(cfg, model, probe, fed, bundles, settings.hospitals,
                                                   _data_note(opts), opts.notify_hips)  # fmt: skip
        except Exception as exc:  # the checkpoints stay; export can be redone from best.pt
            log(WARNING, "export failed: %s", exc)
            summary["export"] = {"error": str(exc)}
    (ckpt.dir / "summary.json").parent.mkdir(parents=True, exist_ok=True)
    (ckpt.dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    log(INFO, "federated run summary: %s", json.dumps({k: summary[k] for k in ("rounds", "best_round",
        "best_score", "round_seconds")}, default=str))  # fmt: skip
    return summary


class FastPollGrid(Grid):
    """A Grid that waits for replies by polling every ``interval`` s (Flower's HTTP grid: 3 s).

    Everything else is delegated to the deployment grid. A round has 5 request/reply exchanges
    with SecAgg+ (4 fit stages + evaluation); with a 3 s poll each one ends up to 3 s after its
    last reply arrived. Polling is one cheap ``PullMessages`` call to the SuperLink.
    """

    def __init__(self, inner: Grid, interval: float) -> None:
        self.inner, self.interval = inner, interval

    def set_run(self, run: Run) -> None:
        self.inner.set_run(run)

    @property
    def run(self) -> Run:
        return self.inner.run

    def create_message(self, content: RecordDict, message_type: str, dst_node_id: int, group_id: str,
                       ttl: float | None = None) -> Message:  # fmt: skip
        return self.inner.create_message(content, message_type, dst_node_id, group_id, ttl)

    def get_node_ids(self) -> Iterable[int]:
        return self.inner.get_node_ids()

    def push_messages(self, messages: Iterable[Message]) -> Iterable[str]:
        return self.inner.push_messages(messages)

    def pull_messages(self, message_ids: Iterable[str]) -> Iterable[Message]:
        return self.inner.pull_messages(message_ids)

    def send_and_receive(
        self, messages: Iterable[Message], *, timeout: float | None = None
    ) -> Iterable[Message]:
        pending = set(self.push_messages(messages))
        end = time.monotonic() + (timeout if timeout is not None else 0.0)
        replies: list[Message] = []
        while pending and (timeout is None or time.monotonic() < end):
            got = list(self.pull_messages(pending))
            replies.extend(got)
            pending.difference_update(m.metadata.reply_to_message_id for m in got)
            if pending:
                time.sleep(self.interval)
        return replies


app = ServerApp()


@app.main()
def main(grid: Grid, context: Context) -> None:
    interval = float(context.run_config.get("grid-poll-interval", 0.2))
    run(FastPollGrid(grid, interval) if interval > 0 else grid, context)
