"""Run the real ServerApp and ClientApp in one process, without Ray: tests and quick experiments.

Flower's simulation engine needs ``flwr[simulation]`` (Ray), which this project does not install.
:class:`InProcessGrid` implements Flower's ``Grid`` by calling each node's ``ClientApp`` directly,
so the same ``federated.server_app.run`` (strategy, SecAgg+, DP, checkpoints, export) and the same
mods run as in deployment; only the transport (SuperLink/SuperNode, TLS) is left out. Nodes can be
told to fail from a given round on, to exercise the dropout path.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from copy import deepcopy
from pathlib import Path
from typing import Any
from uuid import uuid4

from flwr.app import Context, Error, Message, RecordDict
from flwr.app.user_config import UserConfigValue
from flwr.clientapp import ClientApp
from flwr.common.constant import SUPERLINK_NODE_ID, ErrorCode
from flwr.serverapp import Grid
from flwr.supercore.run import Run
from flwr.supercore.task_identity import TaskIdentity


class InProcessGrid(Grid):
    """A Grid whose nodes are ClientApps in this process (one persistent Context per node)."""

    def __init__(
        self,
        client_app: ClientApp,
        node_configs: Mapping[int, dict[str, UserConfigValue]],
        run_config: dict[str, UserConfigValue],
        fail_from_round: Mapping[int, int] | None = None,
    ) -> None:
        self.app = client_app
        self.contexts = {
            nid: Context(
                run_id=1, node_id=nid, node_config=dict(nc), state=RecordDict(), run_config=run_config
            )  # fmt: skip
            for nid, nc in node_configs.items()
        }
        self.fail_from_round = dict(fail_from_round or {})
        self._run = Run.create_empty(1)
        self._replies: dict[str, Message] = {}
        self._round = 0
        self.client_seconds = 0.0  # time spent inside ClientApps (for the Flower-overhead figure)
        # Messages take their run and node from the process's task identity (set by the runtime in
        # deployment); here every app shares this process, as the server app's task.
        TaskIdentity.run_id, TaskIdentity.node_id, TaskIdentity.task_id = 1, SUPERLINK_NODE_ID, 1

    def set_run(self, run: Run) -> None:
        self._run = run

    @property
    def run(self) -> Run:
        return self._run

    def create_message(self, content: RecordDict, message_type: str, dst_node_id: int, group_id: str,
                       ttl: float | None = None) -> Message:  # fmt: skip
        return Message(content, dst_node_id, message_type, ttl=ttl, group_id=group_id)

    def _alive(self, nid: int, group_id: str) -> bool:
        start = self.fail_from_round.get(nid)
        return start is None or not group_id.isdigit() or int(group_id) < start

    def get_node_ids(self) -> Iterable[int]:
        """Live nodes: the ones whose failure round is after the last round the server reached."""
        return [nid for nid in self.contexts if self._alive(nid, str(self._round))]

    def push_messages(self, messages: Iterable[Message]) -> Iterable[str]:
        ids = []
        for msg in messages:
            mid = str(uuid4())
            msg.metadata.__dict__["_message_id"] = mid
            msg.metadata.__dict__["_src_node_id"] = SUPERLINK_NODE_ID
            msg.metadata.__dict__["_run_id"] = self._run.run_id
            nid = msg.metadata.dst_node_id
            if msg.metadata.group_id.isdigit():
                self._round = max(self._round, int(msg.metadata.group_id))
            t0 = time.perf_counter()
            if not self._alive(nid, msg.metadata.group_id):
                reply = Message(Error(ErrorCode.NODE_UNAVAILABLE, "node died (simulated)"), reply_to=msg)
            else:
                try:  # a real transport serialises: a node must not mutate what another node receives
                    msg.content = deepcopy(msg.content)
                    reply = self.app(msg, self.contexts[nid])
                except Exception as exc:  # noqa: BLE001 a crashing ClientApp is a failed reply, like in deployment
                    reply = Message(Error(ErrorCode.CLIENT_APP_RAISED_EXCEPTION, repr(exc)), reply_to=msg)
            self.client_seconds += time.perf_counter() - t0
            reply.metadata.__dict__["_src_node_id"] = nid
            self._replies[mid] = reply
            ids.append(mid)
        return ids

    def pull_messages(self, message_ids: Iterable[str]) -> Iterable[Message]:
        return [self._replies.pop(m) for m in list(message_ids) if m in self._replies]

    def send_and_receive(
        self, messages: Iterable[Message], *, timeout: float | None = None
    ) -> Iterable[Message]:
        return list(self.pull_messages(self.push_messages(messages)))


def run_inprocess(
    run_config: dict[str, UserConfigValue],
    data_root: Path,
    hospitals: list[str],
    fail_from_round: Mapping[str, int] | None = None,
) -> tuple[dict[str, Any], InProcessGrid]:
    """One federated run over ``data_root/<hip>`` folders; returns (server summary, grid)."""
    from federated.client_app import app as client_app
    from federated.server_app import run

    node_ids = {h: 1000 + k for k, h in enumerate(hospitals)}
    configs: dict[int, dict[str, UserConfigValue]] = {
        nid: {"partition": h, "data-dir": str(data_root / h)} for h, nid in node_ids.items()
    }
    fails = {node_ids[h]: r for h, r in (fail_from_round or {}).items()}
    grid = InProcessGrid(client_app, configs, run_config, fails)
    ctx = Context(run_id=1, node_id=SUPERLINK_NODE_ID, node_config={}, state=RecordDict(),
                  run_config=run_config)  # fmt: skip
    return run(grid, ctx), grid


def default_run_config() -> dict[str, UserConfigValue]:
    """``[tool.flwr.app.config]`` of federated/pyproject.toml (what ``flwr run`` would start from)."""
    import tomllib

    with (Path(__file__).parent / "pyproject.toml").open("rb") as f:
        return dict(tomllib.load(f)["tool"]["flwr"]["app"]["config"])
