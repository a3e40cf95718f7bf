"""A SuperExec that forks every ClientApp from a warm process: ``python -m federated.warm_exec``.

flwr 1.41 runs each ClientApp *message* in a new ``flwr-clientapp`` process (SuperExec's
``SubprocessExecutor``): a fresh interpreter imports flwr, numpy, torch and torchvision and loads
the app — seconds of CPU per message, five messages per round with SecAgg+, on every node.
Flower's own warm executor pools exist only for Kubernetes and other task types.

With ``flower-supernode --isolation process`` the SuperNode does not start a SuperExec; the
operator starts one next to it. This module is that SuperExec: Flower's ``run_superexec`` loop
(same Runtime API, same task tokens, same ``run_clientapp`` code path, one process per message)
with an executor that ``fork()``\\s the process from a parent that imported everything once, so
a message starts in milliseconds. The child reseeds numpy/torch's global generators (a fork
copies them) and exits with ``run_clientapp``'s exit code. Non-ClientApp tasks fall back to
Flower's subprocess executor.

    PYTHONPATH=<repo> python -m federated.warm_exec --runtime-api-address 127.0.0.1:9191
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable

from flwr.supercore.constant import ExecutorType, TaskType
from flwr.supercore.superexec import run_superexec as superexec
from flwr.supercore.superexec.executor.subprocess_executor import SubprocessExecutor
from flwr.supercore.superexec.executor.types import ExecutionSpec, LaunchResult

# Imported once in the parent, inherited by every forked ClientApp process (torchvision: via ml's shim).
WARM_MODULES = ("numpy", "torch", "ml.torchvision_compat", "PIL.Image",
                "flwr.supernode.runtime.run_clientapp", "federated.task", "federated.data",
                "federated.client_app")  # fmt: skip


def run_clientapp_child(spec: ExecutionSpec) -> None:
    """What ``flwr-clientapp --runtime-api-address A --token T [...]`` does, in this process."""
    from flwr.supercore.tls import validate_and_resolve_root_certificates
    from flwr.supernode.runtime.run_clientapp import run_clientapp

    certificates = validate_and_resolve_root_certificates(spec.root_certificates_path, spec.insecure)
    run_clientapp(runtime_api_address=spec.runtime_api_address, token=spec.token, insecure=spec.insecure,
                  certificates=certificates, parent_pid=spec.parent_pid,
                  runtime_dependency_install=spec.runtime_dependency_install)  # fmt: skip


def _reseed() -> None:
    import numpy as np
    import torch

    np.random.seed(int.from_bytes(os.urandom(4), "little"))  # SecAgg+'s stochastic rounding uses it
    torch.seed()


class ForkExecutor:
    """Flower's ``Executor`` protocol: ClientApp tasks run in a forked child of this process."""

    def __init__(self, target: Callable[[ExecutionSpec], None] = run_clientapp_child) -> None:
        self.target, self.children = target, set[int]()
        self.fallback = SubprocessExecutor()

    def get_eligible_capacity(
        self, supported_task_types: set[TaskType], **_: object
    ) -> tuple[set[TaskType], set[str]]:
        return supported_task_types, set()  # no capacity gate, like the subprocess executor

    def wait_for_capacity(self, task_type: TaskType | None = None, **_: object) -> None:
        return None

    def launch(self, spec: ExecutionSpec) -> LaunchResult:
        if spec.task_type != TaskType.CLIENT_APP:
            return self.fallback.launch(spec)
        pid = os.fork()
        if pid == 0:  # the child: never return into the parent's loop
            code = 1
            try:
                _reseed()
                self.target(spec)
                code = 0
            except SystemExit as exc:  # run_clientapp ends with flwr_exit -> sys.exit(code)
                code = exc.code if isinstance(exc.code, int) else 1
            finally:
                os._exit(code)
        self.children.add(pid)
        return LaunchResult.accepted()

    def reconcile(self) -> None:
        """Reap finished children (no zombies)."""
        for pid in list(self.children):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                self.children.discard(pid)

    def close(self) -> None:
        self.reconcile()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runtime-api-address", required=True, help="the SuperNode's Runtime API (its --port)")
    p.add_argument("--parent-pid", type=int, default=None, help="exit when this process (the SuperNode) dies")
    args = p.parse_args(argv)
    for name in WARM_MODULES:
        importlib.import_module(name)
    executor = ForkExecutor()
    setattr(superexec, "get_executor", lambda *a, **k: executor)  # noqa: B010  # the one hook it has
    superexec.run_superexec(runtime_api_address=args.runtime_api_address, insecure=True,
                            parent_pid=args.parent_pid, executor_type=ExecutorType.SUBPROCESS)  # fmt: skip


if __name__ == "__main__":
    main()
