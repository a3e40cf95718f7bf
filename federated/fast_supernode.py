"""``flower-supernode`` with a shorter idle poll: ``python -m federated.fast_supernode [its arguments]``.

flwr 1.41's SuperNode handles one message at a time: pull a message from the SuperLink, wait for
the ClientApp's reply, push it, pull again — and when nothing is waiting it sleeps a hard-coded
3 s (``start_client_internal``). The ServerApp sends a stage's next message only after every
node replied, so the fastest nodes find nothing and sleep: up to 3 s per exchange, and a SecAgg+
round with the BN statistics pass has nine exchanges. There is no option for it; this entry point
caps that one sleep at ``FLWR_SUPERNODE_IDLE_POLL`` seconds (default 0.2; one loopback or WAN
request per poll) and otherwise runs Flower's own ``flower-supernode`` unchanged.
"""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

IDLE_SLEEP = 3.0  # flwr 1.41: start_client_internal sleeps 3 s when no message was pulled


def patched_time(poll: float) -> SimpleNamespace:
    """A stand-in for ``start_client_internal``'s ``time`` module: its idle 3 s sleep becomes ``poll``."""

    def sleep(seconds: float) -> None:
        time.sleep(min(seconds, poll) if seconds >= IDLE_SLEEP else seconds)

    names = {k: getattr(time, k) for k in dir(time) if not k.startswith("__")}
    return SimpleNamespace(**{**names, "sleep": sleep})


def main() -> None:
    from flwr.supernode import start_client_internal
    from flwr.supernode.cli.flower_supernode import flower_supernode

    poll = float(os.environ.get("FLWR_SUPERNODE_IDLE_POLL", "0.2"))
    # Flower 1.41 has no setting for the SuperNode's idle poll: its module-level `time` is swapped
    # (tests/federated check the hook still exists in the pinned version).
    setattr(start_client_internal, "time", patched_time(poll))  # noqa: B010
    flower_supernode()  # parses sys.argv like the flower-supernode command


if __name__ == "__main__":
    main()
