"""The round loop of the ServerApp: Flower's default workflow plus checkpoints, resume and timings.

It is :class:`flwr.server.workflow.DefaultWorkflow` (fit — plain or SecAgg+ —, centralized
evaluation, federated evaluation) with these additions: rounds are numbered from the checkpoint
a resumed run starts at; the aggregate can take a server momentum step (:class:`ServerMomentum`,
FedAvgM) and get the BatchNorm statistics of the new global weights from the hospitals
(:class:`BnCalibration`); after every round the global weights are saved (``last.pt``) and, when
the round's score beats the best so far, also as ``best.pt``; and each round's wall time is kept.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from dataclasses import dataclass, field
from logging import INFO
from pathlib import Path
from typing import Any, cast

import flwr.compat.common.recorddict_compat as compat
import numpy as np
import torch
from flwr.app import ConfigRecord, Context
from flwr.common import ndarrays_to_parameters, parameters_to_ndarrays
from flwr.server import LegacyContext
from flwr.server.compat.app_utils import start_update_client_manager_thread
from flwr.server.workflow.constant import MAIN_CONFIGS_RECORD, MAIN_PARAMS_RECORD, Key
from flwr.server.workflow.default_workflows import (
    default_centralized_evaluation_workflow,
    default_evaluate_workflow,
    default_fit_workflow,
)
from flwr.serverapp import Grid
from flwr.supercore import log

Workflow = Callable[[Grid, Context], None]


@dataclass
class RunState:
    """Everything a resumed run needs: where it stopped, the current and the best weights."""

    round: int = 0
    weights: list[np.ndarray] = field(default_factory=list)
    best_score: float = float("-inf")
    best_round: int = 0
    best_weights: list[np.ndarray] = field(default_factory=list)
    history: dict[str, list[float]] = field(default_factory=dict)
    round_seconds: list[float] = field(default_factory=list)
    velocity: list[np.ndarray] = field(default_factory=list)  # ServerMomentum's buffer


@dataclass(frozen=True)
class ServerMomentum:
    """FedAvgM (Hsu et al., 2019): the server treats ``FedAvg(clients) - w`` as a step and adds momentum.

    ``v ← β·v + (avg − w)``, ``w ← w + lr·v`` where ``mask`` is true (the trained parameters; one
    boolean array per exchanged array); elsewhere the plain average (BatchNorm statistics: a
    momentum step could push a variance below zero; SCAFFOLD's controls). ``β=0, lr=1`` is plain
    FedAvg. It only post-processes the aggregate, so it works the same with SecAgg+ (the server
    never sees more than the sum) and central DP.
    """

    beta: float
    lr: float
    mask: list[np.ndarray]

    def step(self, w: list[np.ndarray], avg: list[np.ndarray], velocity: list[np.ndarray]
             ) -> tuple[list[np.ndarray], list[np.ndarray]]:  # fmt: skip
        """(new global weights, new velocity) from the round's start ``w`` and the aggregate ``avg``."""
        vel = velocity or [np.zeros_like(a) for a in avg]
        new_w, new_v = [], []
        for x, a, v, m in zip(w, avg, vel, self.mask, strict=True):
            v = np.where(m, self.beta * v + (a - x), 0.0).astype(a.dtype)
            new_w.append(np.where(m, x + self.lr * v, a).astype(a.dtype))
            new_v.append(v)
        return new_w, new_v


def _weights(record: Any) -> list[np.ndarray]:
    return parameters_to_ndarrays(compat.arrayrecord_to_parameters(record, keep_input=True))


def _record(weights: list[np.ndarray]) -> Any:
    return compat.parameters_to_arrayrecord(ndarrays_to_parameters(weights), True)


class BnCalibration:
    """After aggregation, every hospital computes the BN statistics of the new global weights on its data.

    It is one more pass of ``fit_workflow`` (so with SecAgg+ the server only sees the sum) whose
    messages carry ``mode="bn-stats"``: each hospital replies with the global weights whose BN
    statistics are its own means and second moments; their image-weighted average gives the
    pooled statistics (``to_var`` turns second moments back into variances). Only the values marked
    in ``stats`` (one boolean array per exchanged array) are taken from it; a failed pass leaves
    the round's weights as they are.
    """

    def __init__(self, fit_workflow: Workflow | None, stats: list[np.ndarray],
                 to_var: Callable[[list[np.ndarray]], list[np.ndarray]]) -> None:  # fmt: skip
        self.fit_workflow = fit_workflow or default_fit_workflow
        self.stats, self.to_var = stats, to_var

    def __call__(self, grid: Grid, context: LegacyContext) -> bool:
        strategy: Any = context.strategy
        base = strategy.on_fit_config_fn
        strategy.on_fit_config_fn = lambda rnd: {**(base(rnd) if base else {}), "mode": "bn-stats"}
        before = context.state.array_records[MAIN_PARAMS_RECORD]
        try:
            self.fit_workflow(grid, context)
        finally:
            strategy.on_fit_config_fn = base
        after = context.state.array_records[MAIN_PARAMS_RECORD]
        if after is before:
            return False
        pooled = self.to_var(_weights(after))
        merged = [np.where(m, p, w) for w, p, m in zip(_weights(before), pooled, self.stats, strict=True)]
        context.state.array_records[MAIN_PARAMS_RECORD] = _record(merged)
        return True


class Checkpointer:
    """``<dir>/last.pt`` every round and ``<dir>/best.pt`` on improvement, written atomically."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    @property
    def last(self) -> Path:
        return self.dir / "last.pt"

    @property
    def best(self) -> Path:
        return self.dir / "best.pt"

    def _save(self, path: Path, payload: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(payload, tmp)
        tmp.replace(path)

    def save(self, state: RunState, improved: bool) -> None:
        payload = {k: v for k, v in state.__dict__.items() if k != "best_weights"}
        if improved:
            self._save(self.best, {"round": state.best_round, "score": state.best_score,
                                   "weights": state.best_weights})  # fmt: skip
        self._save(self.last, payload)

    def load(self) -> RunState | None:
        if not self.last.is_file():
            return None
        raw = torch.load(self.last, weights_only=False)
        state = RunState(**raw)
        if self.best.is_file():
            state.best_weights = torch.load(self.best, weights_only=False)["weights"]
        return state


def _round_metrics(context: LegacyContext, server_round: int) -> dict[str, float]:
    """This round's centralized (``server_*``) and federated evaluation metrics from the history."""
    hist = context.history
    out: dict[str, float] = {}
    for source in (hist.metrics_centralized, hist.metrics_distributed):
        for name, values in source.items():
            for rnd, value in values:
                if rnd == server_round and isinstance(value, int | float):
                    out[name] = float(value)
    for rnd, loss in hist.losses_distributed:
        if rnd == server_round:
            out["fed_loss"] = float(loss)
    return out


class FedWorkflow:
    """Run rounds ``start+1 .. total`` with ``fit_workflow`` and checkpoint after each one.

    ``score_key``: the metric (from ``_round_metrics``) that selects the best checkpoint.
    """

    def __init__(self, fit_workflow: Workflow | None, state: RunState, total_rounds: int,
                 checkpointer: Checkpointer, score_key: str, momentum: ServerMomentum | None = None,
                 calibration: BnCalibration | None = None) -> None:  # fmt: skip
        self.fit_workflow = fit_workflow or default_fit_workflow
        self.state, self.total = state, total_rounds
        self.ckpt, self.score_key = checkpointer, score_key
        self.momentum, self.calibration = momentum, calibration

    def __call__(self, grid: Grid, context: Context) -> RunState:
        if not isinstance(context, LegacyContext):
            raise TypeError(f"Expect a LegacyContext, but got {type(context).__name__}.")
        thread, f_stop, c_done = start_update_client_manager_thread(grid, context.client_manager)
        c_done.wait()
        try:
            self._rounds(grid, context)
        finally:
            f_stop.set()
            thread.join()
        return self.state

    def _rounds(self, grid: Grid, context: LegacyContext) -> None:
        st = self.state
        params = context.strategy.initialize_parameters(client_manager=context.client_manager)
        assert params is not None, "the strategy must hold the initial (or resumed) weights"
        context.state.array_records[MAIN_PARAMS_RECORD] = compat.parameters_to_arrayrecord(params, True)
        cfg = ConfigRecord({Key.START_TIME: timeit.default_timer()})
        context.state.config_records[MAIN_CONFIGS_RECORD] = cfg
        for server_round in range(st.round + 1, self.total + 1):
            t0 = timeit.default_timer()
            log(INFO, "")
            log(INFO, "[ROUND %s/%s]", server_round, self.total)
            cfg[Key.CURRENT_ROUND] = server_round
            before = context.state.array_records[MAIN_PARAMS_RECORD]
            self.fit_workflow(grid, context)
            after = context.state.array_records[MAIN_PARAMS_RECORD]
            if after is not before:  # not after a failed round
                if self.momentum is not None:
                    new, st.velocity = self.momentum.step(_weights(before), _weights(after), st.velocity)
                    context.state.array_records[MAIN_PARAMS_RECORD] = _record(new)
                if self.calibration is not None:
                    self.calibration(grid, context)
            default_centralized_evaluation_workflow(grid, context)
            default_evaluate_workflow(grid, context)
            self._after_round(context, server_round, timeit.default_timer() - t0)

    def _after_round(self, context: LegacyContext, server_round: int, seconds: float) -> None:
        st = self.state
        weights = _weights(context.state.array_records[MAIN_PARAMS_RECORD])
        metrics = _round_metrics(context, server_round)
        metrics["round_seconds"] = seconds
        for name, value in metrics.items():
            st.history.setdefault(name, []).append(value)
        st.round, st.weights = server_round, weights
        st.round_seconds.append(seconds)
        score = metrics.get(self.score_key, float("nan"))
        improved = bool(np.isfinite(score) and score > st.best_score) or not st.best_weights
        if improved:
            st.best_score = score if np.isfinite(score) else st.best_score
            st.best_round, st.best_weights = server_round, weights
        self.ckpt.save(st, improved)
        log(INFO, "round %s: %.1f s, %s=%.4f (best %.4f at round %s)", server_round, seconds,
            self.score_key, score, st.best_score, st.best_round)  # fmt: skip


def weighted_average(results: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """Example-weighted mean of every numeric metric the clients reported."""
    total = sum(n for n, _ in results) or 1
    keys = {k for _, m in results for k, v in m.items() if isinstance(v, int | float)}
    return {k: sum(n * float(cast(float, m.get(k, 0.0))) for n, m in results) / total for k in sorted(keys)}
