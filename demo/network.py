"""Start, watch and stop the whole demo network: ``python -m demo.network run|stop``.

One process per component, each logging to its own file under ``var/logs``: the transcripts hub
(with its delivery worker), per demo hospital a HIP service and a webhook inbox, the Rasa action
server and the Rasa server. The bot runs in its own Python 3.10 environment, so it receives its
settings as environment variables derived from :mod:`qaid.config` (``Settings.bot_env``).

Start-up is all or nothing: a busy port, a missing model or a component that dies while starting
stops everything that was started and says which one failed and where its log is. Once up, a
component that dies is restarted (:class:`Supervisor`); one that keeps dying stops the network.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from demo.components import BOT_VENV, Component, NetworkError, components, preflight
from demo.processes import (
    START_TIMEOUT_S,
    STOP_REQUESTED,
    Stopped,
    is_ready,
    pid_file,
    record_pids,
    recorded_pids,
    spawn,
    stop,
    stop_recorded,
    wait_ready,
)
from demo.supervisor import RESTART_LIMIT, RESTART_WINDOW_S, Supervisor
from qaid.config import (
    Settings,
    clear_settings_cache,
    ensure_secrets,
    lock_down,
    operator_settings,
    private_files,
)

# The launcher's API (the fault drills and the tests use it through this module; the tests replace
# ``components``, ``preflight`` and ``start`` here, which ``run`` and ``start`` look up here).
__all__ = [
    "BOT_VENV",
    "RESTART_LIMIT",
    "RESTART_WINDOW_S",
    "START_TIMEOUT_S",
    "Component",
    "NetworkError",
    "Stopped",
    "Supervisor",
    "banner",
    "components",
    "is_ready",
    "main",
    "preflight",
    "record_pids",
    "recorded_pids",
    "run",
    "spawn",
    "start",
    "stop",
    "stop_recorded",
    "wait_ready",
]


def start(settings: Settings) -> list[Component]:
    comps = components(settings)
    preflight(settings, comps)
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    try:
        for c in comps:
            spawn(settings, c)
        record_pids(settings, comps)
        wait_ready(settings, comps)
    except BaseException:
        stop(comps)
        raise
    return comps


def banner(settings: Settings) -> str:
    lines = [
        "",
        "Q&Aid demo network is up.",
        f"  Chat in your browser:  {settings.hub_url}/",
        f"  Chat over REST:        curl -s {settings.rasa_url}/webhooks/rest/webhook "
        """-H "Authorization: Bearer $QAID_REST_TOKEN" -d '{"sender":"me","message":"hi"}'""",
        f"  Secrets (REST token, inbox token for the doctors' pages): {settings.var_dir / 'secrets.env'}",
        "  Hospitals:",
    ]
    for h in settings.hospitals:
        lines.append(f"    {h.name:<26} HIP {settings.hip_url(h)}   inbox {settings.inbox_url(h)}/")
    lines += [f"  Logs: {settings.logs_dir}/", "  Stop: Ctrl-C (or `make stop` from another terminal)", ""]
    return "\n".join(lines)


def _request_stop(*_: object) -> None:
    STOP_REQUESTED.set()


def run(settings: Settings) -> int:
    STOP_REQUESTED.clear()
    # Installed before anything starts: the children run in their own sessions, so only the launcher
    # can stop them, whenever the signal comes.
    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    try:
        return _run(settings)
    finally:
        STOP_REQUESTED.clear()  # a stop request belongs to this run only


def _run(settings: Settings) -> int:
    t0 = time.monotonic()
    try:
        comps = start(settings)
    except NetworkError as e:
        print(f"Q&Aid did not start: {e}", file=sys.stderr)
        return 1
    except Stopped:
        return 130  # start() stopped what it had started
    supervisor = Supervisor(settings, comps)
    try:
        if STOP_REQUESTED.is_set():  # asked to stop as the last component became ready
            return 130
        print(banner(settings) + f"  (started in {time.monotonic() - t0:.1f} s)\n", flush=True)
        while not STOP_REQUESTED.is_set() and supervisor.step():
            STOP_REQUESTED.wait(0.5)
    finally:
        print("Stopping the Q&Aid network…", flush=True)
        supervisor.close()
        stop(comps)
        pid_file(settings).unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.network", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "stop"])
    args = parser.parse_args(argv)
    settings = operator_settings()
    # Every process of the network inherits this: databases, logs and secrets are the user's only.
    private_files()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    lock_down(settings.var_dir)
    if args.command == "stop":
        return stop_recorded(settings)
    # Children inherit the secrets through the environment, wherever var_dir is.
    for line in ensure_secrets(settings.var_dir).read_text().splitlines():
        name, _, value = line.partition("=")
        if name:
            os.environ.setdefault(name, value)
    clear_settings_cache()
    return run(operator_settings())


if __name__ == "__main__":
    raise SystemExit(main())
