"""The ClientApp every hospital's SuperNode runs: local training and evaluation on its own folder.

Node config (``flower-supernode --node-config``): ``partition`` (the hospital id, used for the
shuffle seed and in metrics) and ``data-dir`` (the folder with ``train.npz`` / ``val.npz``, see
:mod:`federated.data`); under the simulation engine see :func:`node_data`. Nothing but model
weights, example counts and metrics leaves the node; with SecAgg+ the server only ever sees the
masked sum of the weights.

A fit message is either a training round (``mode="train"``: SCAFFOLD-corrected local epochs; the
reply carries the weights and, with SCAFFOLD, this hospital's new control variate, which it also
keeps in its Context state) or a BatchNorm statistics pass (``mode="bn-stats"``: the reply is the
global weights with the BN statistics of the local data as means and second moments).
"""

from __future__ import annotations

import json
import os
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flwr.compat.common.recorddict_compat as compat
import numpy as np
from flwr.app import ArrayRecord, Context, Message, RecordDict
from flwr.app.message_type import MessageType
from flwr.app.user_config import UserConfigValue
from flwr.client import Client, NumPyClient
from flwr.client.mod import fixedclipping_mod, secaggplus_mod
from flwr.clientapp import ClientApp
from flwr.clientapp.typing import ClientAppCallable
from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS
from flwr.common.typing import Scalar
from flwr.supercore.differential_privacy import KEY_CLIPPING_NORM

if TYPE_CHECKING:
    from ml.train import Job

# torch, ml.* and the data are imported/loaded on first use, not at module import: in deployment
# every message starts a fresh `flwr-clientapp` process that imports this module, and three of
# the four SecAgg+ messages of a round (setup, key shares, unmasking) need neither.

CONTROL_KEY = "scaffold-control"  # this hospital's SCAFFOLD control variate c_i, in its Context state


class HospitalClient(NumPyClient):
    """Fit builds the ``ml.train`` job (train split only); evaluate needs only the model and val."""

    def __init__(self, run_config: dict[str, UserConfigValue], data_dir: Path, partition: str,
                 state: RecordDict | None = None) -> None:  # fmt: skip
        from federated import task

        self.cfg = task.FedTaskConfig.from_run_config(run_config)
        self.data_dir, self.partition = data_dir, partition
        self.state = state if state is not None else RecordDict()  # the node's Context state

    @cached_property
    def job(self) -> Job:
        from federated import task
        from federated.data import load_local

        return task.make_job(self.cfg, load_local(self.data_dir, ("train",)))

    def get_parameters(self, config: dict[str, Scalar]) -> list[np.ndarray]:
        from federated import task

        return task.pack(task.get_weights(self.job.model))

    def fit(
        self, parameters: list[np.ndarray], config: dict[str, Scalar]
    ) -> tuple[list[np.ndarray], int, dict[str, Scalar]]:
        from federated import task

        model = self.job.model
        weights, controls = task.unpack(model, parameters)
        task.set_weights(model, weights)
        server_round = int(config.get("server_round", 1))
        seed = task.round_seed(self.cfg, server_round, self.partition)
        if config.get("mode") == "bn-stats":  # the global weights' BN statistics on this hospital's data
            task.calibrate_bn(self.job, seed)
            moments = task.bn_moments(model, task.get_weights(model))
            return task.pack(moments + controls), task.n_examples(self.job), {}
        scaffold = None
        if controls:  # SCAFFOLD: correct by c − c_i; the round's mean gradient becomes the new c_i
            old = self.state.array_records.get(CONTROL_KEY)
            mine = old.to_numpy_ndarrays() if old is not None else [np.zeros_like(c) for c in controls]
            scaffold = task.Scaffold([c - m for c, m in zip(controls, mine, strict=True)])
        stats = task.train(self.job, int(config.get("local_epochs", self.cfg.local_epochs)), seed,
                           float(config.get("proximal_mu", 0.0)), float(config.get("lr_factor", 1.0)),
                           bool(config.get("bn_local", self.cfg.bn_calibrate)), scaffold)  # fmt: skip
        new_controls = []
        if scaffold is not None:
            new_controls = scaffold.new_control()
            self.state.array_records[CONTROL_KEY] = ArrayRecord(new_controls)
        return task.pack(task.get_weights(model) + new_controls), task.n_examples(self.job), dict(stats)

    def evaluate(
        self, parameters: list[np.ndarray], config: dict[str, Scalar]
    ) -> tuple[float, int, dict[str, Scalar]]:
        from federated import task
        from federated.data import load_local

        t0 = time.perf_counter()
        val = load_local(self.data_dir, ("val",))["val"]
        model = task.new_model(self.cfg)
        task.set_weights(model, task.unpack(model, parameters)[0])
        metrics = task.evaluate_split(self.cfg, model, val)
        primary = metrics[self.cfg.primary]
        keep: dict[str, Scalar] = {
            k: float(v) for k, v in metrics.items() if "_recall_" not in k and "_auroc_" not in k
        }
        keep["eval_seconds"] = time.perf_counter() - t0
        return 1.0 - primary, task.n_eval(self.cfg, val), keep


def node_data(nc: dict[str, Any], run_config: dict[str, Any]) -> tuple[str, Path]:
    """(hospital id, data folder) of this node.

    A SuperNode names both (``partition``, ``data-dir``). A virtual node of Flower's simulation
    engine only has ``partition-id``: it takes the id-th hospital folder under run-config
    ``data-root`` (sorted, the server's ``_server`` folder left out), so a simulation trains on
    exactly the folders the deployment's SuperNodes would.
    """
    if "data-dir" in nc:
        return str(nc.get("partition", "local")), Path(str(nc["data-dir"])).expanduser()
    if "partition-id" in nc and run_config.get("data-root"):
        root = Path(str(run_config["data-root"])).expanduser()
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
        k = int(nc["partition-id"])
        if k >= len(folders):
            raise ValueError(f"virtual node {k} has no hospital folder: {root} holds {len(folders)}")
        return folders[k].name, folders[k]
    return str(nc.get("partition", "local")), Path(os.environ.get("QAID_FED_DATA_DIR", "")).expanduser()


def client_fn(context: Context) -> Client:
    import torch

    threads = int(context.run_config.get("client-threads", 1))
    torch.set_num_threads(max(1, threads))
    partition, data_dir = node_data(context.node_config, context.run_config)
    client = HospitalClient(dict(context.run_config), data_dir, partition, context.state)
    return client.to_client()


def optional_secaggplus_mod(msg: Message, ctxt: Context, call_next: ClientAppCallable) -> Message:
    """``secaggplus_mod`` when the server runs the SecAgg+ workflow, a pass-through otherwise."""
    if msg.metadata.message_type == MessageType.TRAIN and RECORD_KEY_CONFIGS in msg.content.config_records:
        return secaggplus_mod(msg, ctxt, call_next)
    return call_next(msg, ctxt)


def optional_fixedclipping_mod(msg: Message, ctxt: Context, call_next: ClientAppCallable) -> Message:
    """``fixedclipping_mod`` when the server's DP wrapper sent a clipping norm, a pass-through otherwise."""
    if msg.metadata.message_type == MessageType.TRAIN:
        try:
            config = compat.recorddict_to_fitins(msg.content, keep_input=True).config
        except (KeyError, ValueError, TypeError):
            config = {}
        if KEY_CLIPPING_NORM in config:
            return fixedclipping_mod(msg, ctxt, call_next)
    return call_next(msg, ctxt)


def _process_start() -> float:
    """Wall-clock time this process started (Linux ``/proc``; ``nan`` elsewhere)."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        stat = Path("/proc/stat").read_text().splitlines()
        btime = next(int(x.split()[1]) for x in stat if x.startswith("btime"))
        return btime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return float("nan")


def timing_mod(msg: Message, ctxt: Context, call_next: ClientAppCallable) -> Message:
    """With run-config ``timing-log=<dir>``: one JSON line per message in ``<dir>/<partition>.jsonl``.

    Records when this process started, when the message reached the ClientApp and when the reply
    was ready, so the bench can split a round into process start (imports, app load), ClientApp
    work and transport/polling. Diagnostics only; off when ``timing-log`` is empty.
    """
    called = time.time()
    cfg = msg.content.config_records.get(RECORD_KEY_CONFIGS) if msg.has_content() else None
    stage = str(cfg.get("stage", "")) if cfg is not None else ""  # secaggplus_mod pops it
    reply = call_next(msg, ctxt)
    out = str(ctxt.run_config.get("timing-log", ""))
    if out:
        nc = ctxt.node_config
        rec = {"partition": str(nc.get("partition", ctxt.node_id)), "pid": os.getpid(),
               "type": msg.metadata.message_type, "round": msg.metadata.group_id, "stage": stage,
               "process_start": _process_start(), "called": called, "done": time.time()}  # fmt: skip
        path = Path(out).expanduser() / f"{rec['partition']}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as f:
            f.write(json.dumps(rec) + "\n")
    return reply


# SecAgg+ masks the update, so the DP clipping (when on) must run before it: it is the inner mod.
app = ClientApp(client_fn=client_fn, mods=[timing_mod, optional_secaggplus_mod, optional_fixedclipping_mod])
