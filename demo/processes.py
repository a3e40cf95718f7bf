"""The network's processes: spawning them, probing their readiness, recording their PIDs
(``var/network.pids``) and signalling them to stop."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx

from demo.components import Component, NetworkError
from qaid.config import Settings

__all__ = [
    "LAUNCHER",
    "START_TIMEOUT_S",
    "STOP_REQUESTED",
    "Stopped",
    "is_ready",
    "pid_file",
    "record_pids",
    "recorded_pids",
    "spawn",
    "stop",
    "stop_recorded",
    "wait_ready",
]

START_TIMEOUT_S = 240.0
LAUNCHER = "launcher"  # the launcher's own line in network.pids

# Set by SIGTERM or SIGINT (`make stop`, Ctrl-C, a supervisor). The launcher's handler only sets
# it: every stop is then taken at a point of the launcher's choosing (between readiness probes,
# between supervision steps), never as an exception raised wherever the signal happens to land, so
# no window exists in which a signal leaves components running.
STOP_REQUESTED = threading.Event()


class Stopped(Exception):
    """A stop was requested (SIGTERM, SIGINT) while the network was starting."""


def pid_file(settings: Settings) -> Path:
    return settings.var_dir / "network.pids"


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def spawn(settings: Settings, c: Component) -> None:
    """Start ``c`` in its own session (so a signal to its group reaches its children), logging to its file."""
    with (settings.logs_dir / f"{c.name}.log").open("ab") as log:
        c.proc = subprocess.Popen(
            c.argv, cwd=c.cwd, env=c.environment({**os.environ, "PYTHONUNBUFFERED": "1"}),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def record_pids(settings: Settings, comps: list[Component]) -> None:
    """``var/network.pids``: one "pid name" line per component, for `make stop` and the fault scripts,
    after the launcher's own (`make stop` must stop the launcher first, or it restarts what it kills)."""
    lines = [f"{os.getpid()} {LAUNCHER}"] + [f"{c.proc.pid} {c.name}" for c in comps if c.proc is not None]
    pid_file(settings).write_text("\n".join(lines) + "\n")


def recorded_pids(settings: Settings) -> dict[str, int]:
    """The running network's component PIDs by name (empty when none is recorded)."""
    path = pid_file(settings)
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        pid, _, name = line.partition(" ")
        if pid.isdigit():
            out[name or pid] = int(pid)
    return out


def is_ready(client: httpx.Client, c: Component) -> bool:
    try:
        return client.get(c.ready_url).status_code == 200
    except httpx.HTTPError:
        return False


def wait_ready(settings: Settings, comps: list[Component], timeout_s: float = START_TIMEOUT_S) -> None:
    pending = list(comps)
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while pending:
            for c in list(pending):
                assert c.proc is not None
                if c.proc.poll() is not None:
                    log = settings.logs_dir / f"{c.name}.log"
                    raise NetworkError(
                        f"{c.name} exited while starting (code {c.proc.returncode}); its log is {log}:\n"
                        + _log_tail(log)
                    )
                if is_ready(client, c):
                    pending.remove(c)
            if STOP_REQUESTED.is_set():
                raise Stopped("asked to stop while starting")
            if time.monotonic() > deadline:
                names = ", ".join(c.name for c in pending)
                raise NetworkError(f"Not ready after {timeout_s:.0f} s: {names}; see {settings.logs_dir}.")
            if pending:
                STOP_REQUESTED.wait(0.5)


def stop(comps: list[Component], grace_s: float = 10.0) -> None:
    """SIGTERM every process group, then SIGKILL what is still alive after the grace period."""
    live = [c.proc for c in comps if c.proc is not None and c.proc.poll() is None]
    for p in live:
        _signal_group(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for p in live:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(p.pid, signal.SIGKILL)
            p.wait()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def stop_recorded(settings: Settings) -> int:
    """``make stop``: end the processes a running ``make run`` recorded."""
    path = pid_file(settings)
    if not path.exists():
        print("No Q&Aid network is recorded as running.")
        return 0
    recorded = recorded_pids(settings)
    launcher = recorded.pop(LAUNCHER, None)
    if launcher is not None and launcher != os.getpid() and _alive(launcher):
        os.kill(launcher, signal.SIGTERM)  # it stops every component itself, in order
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _alive(launcher):
            time.sleep(0.2)
    pids = list(recorded.values())
    for pid in pids:
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)
    for pid in pids:
        if _alive(pid):
            _signal_group(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    print(f"Stopped {len(pids)} Q&Aid processes.")
    return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has exited; only its parent's wait() is missing
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
