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
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from qaid.config import (
    REPO_ROOT,
    SECRET_NAMES,
    Settings,
    clear_settings_cache,
    ensure_secrets,
    lock_down,
    operator_settings,
    private_files,
)

BOT_VENV = REPO_ROOT / ".venv-bot"
START_TIMEOUT_S = 240.0
# A component is restarted at most RESTART_LIMIT times within RESTART_WINDOW_S; dying once more
# stops the network.
RESTART_LIMIT = 5
RESTART_WINDOW_S = 300.0
LAUNCHER = "launcher"  # the launcher's own line in network.pids
# The platform's secrets as environment variables: the bot runtime gets only the ones bot_env() names.
SECRET_ENV = frozenset({f"QAID_{n.upper()}" for n in SECRET_NAMES} | {"QAID_DATA_KEY_PREVIOUS"})


class NetworkError(RuntimeError):
    """A problem that stops the network from starting; its message says what to do."""


class Stopped(Exception):
    """A stop was requested (SIGTERM, SIGINT) while the network was starting."""


@dataclass
class Component:
    name: str
    argv: list[str]
    port: int
    ready_url: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = REPO_ROOT
    # False for the bot runtime: it must not hold the data key, the admin token or the HIP token.
    inherit_secrets: bool = True
    proc: subprocess.Popen[bytes] | None = None

    def environment(self, base: dict[str, str]) -> dict[str, str]:
        inherited = base if self.inherit_secrets else {k: v for k, v in base.items() if k not in SECRET_ENV}
        return {**inherited, **self.env}


def components(settings: Settings) -> list[Component]:
    """Every process of the network, in start order (what others call comes first)."""
    py = sys.executable
    host = settings.host
    out = [
        Component(
            "hub",
            [py, "-m", "hub"],
            settings.port(settings.hub_port),
            f"{settings.hub_url}/health",
        )
    ]
    for h in settings.hospitals:
        out.append(
            Component(
                f"hip-{h.id}",
                [py, "-m", "hip_service", "--hospital", h.id],
                settings.port(h.hip_port),
                f"{settings.hip_url(h)}/ready",
            )
        )
        out.append(
            Component(
                f"inbox-{h.id}",
                [py, "-m", "inbox", "--hospital", h.id],
                settings.port(h.inbox_port),
                f"{settings.inbox_url(h)}/health",
            )
        )
    bot_env = settings.bot_env()
    bot_bin = BOT_VENV / "bin"
    actions_port = settings.port(settings.actions_port)
    rasa_port = settings.port(settings.rasa_port)
    out.append(
        Component(
            "actions",
            # bot/qaid_bot/action_server.py: rasa_sdk's server with a bearer token and a bind address.
            [
                str(bot_bin / "python"),
                "-m",
                "qaid_bot.action_server",
                "--actions",
                "qaid_bot.actions",
                "--interface",
                host,
                "--port",
                str(actions_port),
            ],  # fmt: skip
            actions_port,
            f"http://{host}:{actions_port}/health",
            env=bot_env,
            cwd=REPO_ROOT / "bot",
            inherit_secrets=False,
        )
    )
    out.append(
        Component(
            "rasa",
            [
                str(bot_bin / "rasa"),
                "run",
                "--model",
                str(settings.rasa_models_dir),
                "--interface",
                host,
                "--port",
                str(rasa_port),
                "--cors",  # the page's own origin only (Rasa sends credentials-bearing CORS headers)
                settings.hub_public_url,
                "--credentials",
                "credentials.yml",
                "--endpoints",
                "endpoints.yml",
            ],  # fmt: skip
            rasa_port,
            f"{settings.rasa_url}/",
            env=bot_env,
            cwd=REPO_ROOT / "bot",
            inherit_secrets=False,
        )
    )
    return out


def preflight(settings: Settings, comps: list[Component]) -> None:
    """Refuse to start a half network: every input present and every port free, checked up front."""
    if not (BOT_VENV / "bin" / "rasa").exists():
        raise NetworkError("The bot environment is missing: run `make run` (it installs it) or `make setup`.")
    for h in settings.hospitals:
        if not (settings.bundles_dir / h.id / "manifest.json").is_file():
            raise NetworkError(
                f"No model bundle for hospital {h.id!r} in {settings.bundles_dir}: run `make bundles`."
            )
    if not any(settings.rasa_models_dir.glob("*.tar.gz")):
        raise NetworkError(f"No trained Rasa model in {settings.rasa_models_dir}: run `make rasa-model`.")
    for c in comps:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((settings.host, c.port))
            except OSError:
                raise NetworkError(
                    f"Port {c.port} (for {c.name}) is busy: stop what uses it (`make stop` if it is an "
                    "earlier Q&Aid network) or set QAID_PORT_OFFSET to move the whole network."
                ) from None


def _pid_file(settings: Settings) -> Path:
    return settings.var_dir / "network.pids"


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


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
    _pid_file(settings).write_text("\n".join(lines) + "\n")


def recorded_pids(settings: Settings) -> dict[str, int]:
    """The running network's component PIDs by name (empty when none is recorded)."""
    path = _pid_file(settings)
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
            if _STOP.is_set():
                raise Stopped("asked to stop while starting")
            if time.monotonic() > deadline:
                names = ", ".join(c.name for c in pending)
                raise NetworkError(f"Not ready after {timeout_s:.0f} s: {names}; see {settings.logs_dir}.")
            if pending:
                _STOP.wait(0.5)


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
    path = _pid_file(settings)
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


# Set by SIGTERM or SIGINT (`make stop`, Ctrl-C, a supervisor). The handler only sets it: every stop
# is then taken at a point of the launcher's choosing (between readiness probes, between supervision
# steps), never as an exception raised wherever the signal happens to land, so no window exists in
# which a signal leaves components running.
_STOP = threading.Event()


def _request_stop(*_: object) -> None:
    _STOP.set()


def run(settings: Settings) -> int:
    _STOP.clear()
    # Installed before anything starts: the children run in their own sessions, so only the launcher
    # can stop them, whenever the signal comes.
    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    try:
        return _run(settings)
    finally:
        _STOP.clear()  # a stop request belongs to this run only


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
        if _STOP.is_set():  # asked to stop as the last component became ready
            return 130
        print(banner(settings) + f"  (started in {time.monotonic() - t0:.1f} s)\n", flush=True)
        while not _STOP.is_set() and supervisor.step():
            _STOP.wait(0.5)
    finally:
        print("Stopping the Q&Aid network…", flush=True)
        supervisor.close()
        stop(comps)
        _pid_file(settings).unlink(missing_ok=True)
    return 0


class Supervisor:
    """Restarts a component that died, so one crash does not take the demo down with it.

    The patient-facing promises rely on it: the bot leaves out a HIP while it is away, Rasa picks
    the conversation up from its tracker store, the hub's outbox resumes its deliveries. A component
    that keeps dying (``RESTART_LIMIT`` times within ``RESTART_WINDOW_S``) is a configuration
    problem, not a fault to ride out: then the whole network stops and says which one.
    """

    def __init__(self, settings: Settings, comps: list[Component]) -> None:
        self.settings = settings
        self.comps = comps
        self.crashes: dict[str, list[float]] = {}
        self.coming_back: set[str] = set()
        self.probe = httpx.Client(timeout=1.0)

    def step(self) -> bool:
        """One look at every component; False when the network has to stop."""
        for c in self.comps:
            if c.proc is None or c.proc.poll() is None:
                continue
            log = self.settings.logs_dir / f"{c.name}.log"
            now = time.monotonic()
            recent = [t for t in self.crashes.get(c.name, []) if now - t < RESTART_WINDOW_S] + [now]
            self.crashes[c.name] = recent
            if len(recent) > RESTART_LIMIT:
                print(
                    f"{c.name} stopped {len(recent)} times within {RESTART_WINDOW_S / 60:.0f} min "
                    f"(last exit code {c.proc.returncode}); stopping the network. See {log}",
                    flush=True,
                )
                return False
            code = c.proc.returncode
            print(f"{c.name} stopped unexpectedly (code {code}); restarting it. See {log}", flush=True)
            spawn(self.settings, c)
            record_pids(self.settings, self.comps)
            self.coming_back.add(c.name)
        for c in self.comps:
            if c.name in self.coming_back and is_ready(self.probe, c):
                self.coming_back.discard(c.name)
                print(f"{c.name} is back.", flush=True)
        return True

    def close(self) -> None:
        self.probe.close()


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
