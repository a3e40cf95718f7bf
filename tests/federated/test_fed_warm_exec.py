"""Flower overhead cuts: the warm SuperExec (forked ClientApps) and the SuperNode with a short idle poll."""

from __future__ import annotations

import time
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from flwr.supercore.constant import TaskType
from flwr.supercore.superexec.executor.types import ExecutionSpec, LaunchResultStatus

from federated.run_demo import supernode_cmd, warm_exec_cmd
from federated.warm_exec import ForkExecutor


def _spec(task_type: TaskType, token: str) -> ExecutionSpec:
    return ExecutionSpec(task_type=task_type, runtime_api_address="127.0.0.1:1", token=token, insecure=True,
                         root_certificates_path=None, runtime_dependency_install=False, parent_pid=None,
                         suppress_output=True, task_id=1)  # fmt: skip


def test_fork_executor_runs_clientapp_in_a_child(tmp_path: Path) -> None:
    def target(spec: ExecutionSpec) -> None:
        (tmp_path / spec.token).write_text("ran")
        raise SystemExit(0)  # like run_clientapp's flwr_exit: must not escape into the parent's loop

    ex = ForkExecutor(target)
    ex.fallback = MagicMock()
    assert ex.launch(_spec(TaskType.CLIENT_APP, "t1")).status == LaunchResultStatus.ACCEPTED
    end = time.monotonic() + 60  # a bound for a hang; ends when the child is reaped
    while ex.children and time.monotonic() < end:
        ex.reconcile()
        time.sleep(0.05)
    assert not ex.children and (tmp_path / "t1").read_text() == "ran"
    ex.launch(_spec(TaskType.SERVER_APP, "t2"))
    ex.fallback.launch.assert_called_once()


def test_the_superexec_hook_the_warm_executor_replaces_still_exists() -> None:
    """warm_exec swaps ``run_superexec.get_executor`` (Flower 1.41 has no setting for it): a Flower
    upgrade that renames it must fail here, not silently fall back to cold processes."""
    from flwr.supercore.superexec import run_superexec

    assert callable(run_superexec.get_executor)


def test_demo_commands_for_the_warm_executor() -> None:
    cmd = supernode_cmd("titan", Path("/d"), "127.0.0.1:9190", 9193, None, warm=True)
    assert cmd[cmd.index("--isolation") + 1] == "process" and "--insecure" in cmd
    assert "--isolation" not in supernode_cmd("titan", Path("/d"), "127.0.0.1:9190", 9193, None)
    assert warm_exec_cmd(9193, 42)[-4:] == ["--runtime-api-address", "127.0.0.1:9193", "--parent-pid", "42"]


def test_fast_supernode_caps_only_the_idle_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    from flwr.supernode import start_client_internal

    from federated import fast_supernode

    slept: list[float] = []
    monkeypatch.setattr(fast_supernode.time, "sleep", slept.append)
    fake = fast_supernode.patched_time(0.2)
    fake.sleep(3)  # the idle poll of flwr 1.41's SuperNode loop
    fake.sleep(0.5)  # its other waits stay as they are
    assert slept == [0.2, 0.5] and fake.time is time.time
    assert start_client_internal.time is time  # the module attribute the entry point replaces
    cmd = supernode_cmd("titan", Path("/d"), "127.0.0.1:9190", 9193, None, fast_poll=True)
    assert cmd[1:3] == ["-m", "federated.fast_supernode"]


def test_virtual_nodes_of_the_simulation_engine_map_to_hospital_folders(tmp_path: Path) -> None:
    from federated.client_app import node_data

    for name in ("titan", "herastrau", "cismigiu", "_server"):
        (tmp_path / name).mkdir()
    run_config = {"data-root": str(tmp_path)}
    got = [node_data({"partition-id": k, "num-partitions": 3}, run_config) for k in range(3)]
    assert got == [(h, tmp_path / h) for h in ("cismigiu", "herastrau", "titan")]
    with pytest.raises(ValueError, match="no hospital folder"):
        node_data({"partition-id": 3, "num-partitions": 4}, run_config)
    # A SuperNode's own node config wins.
    assert node_data({"partition": "titan", "data-dir": "/data/t"}, run_config) == ("titan", Path("/data/t"))
