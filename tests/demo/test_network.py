"""The launcher: refuses a half network (every input checked, every port free before anything starts)
and, once up, restarts a component that dies."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from utils.net import free_port
from utils.services import missing

from demo import network, processes
from qaid.config import REPO_ROOT, Settings

pytestmark = pytest.mark.skipif(
    not (network.BOT_VENV / "bin" / "rasa").exists(), reason="needs the bot environment (make setup)"
)


def _settings(tmp_path: Path, bundles: Path, models: Path, offset: int = 31000) -> Settings:
    return Settings(var_dir=tmp_path, bundles_path=bundles, rasa_models_dir=models, port_offset=offset)


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    bundles, models = tmp_path / "bundles", tmp_path / "models"
    for hid in ("herastrau", "cismigiu", "titan"):
        (bundles / hid).mkdir(parents=True)
        (bundles / hid / "manifest.json").write_text("{}")
    models.mkdir()
    (models / "qaid.tar.gz").write_bytes(b"")
    return bundles, models


def test_a_missing_bundle_names_the_hospital_and_the_command(tmp_path: Path) -> None:
    bundles, models = _inputs(tmp_path)
    (bundles / "titan" / "manifest.json").unlink()
    settings = _settings(tmp_path, bundles, models)
    with pytest.raises(network.NetworkError, match=r"hospital 'titan'.*make bundles"):
        network.preflight(settings, network.components(settings))


def test_a_missing_rasa_model_says_how_to_train_it(tmp_path: Path) -> None:
    bundles, models = _inputs(tmp_path)
    (models / "qaid.tar.gz").unlink()
    settings = _settings(tmp_path, bundles, models)
    with pytest.raises(network.NetworkError, match="make rasa-model"):
        network.preflight(settings, network.components(settings))


def test_a_busy_port_is_named_and_nothing_starts(tmp_path: Path) -> None:
    bundles, models = _inputs(tmp_path)
    settings = _settings(tmp_path, bundles, models)
    busy = settings.port(settings.hospitals[1].hip_port)
    with socket.socket() as s:
        s.bind((settings.host, busy))
        s.listen()
        with pytest.raises(network.NetworkError, match=rf"Port {busy} \(for hip-cismigiu\) is busy"):
            network.start(settings)
    assert not (tmp_path / "network.pids").exists()


def test_a_busy_socketio_port_is_named_too(tmp_path: Path) -> None:
    """Rasa's second port (the web chat's socket.io server, issue 18) is checked like the others."""
    settings = _settings(tmp_path, *_inputs(tmp_path))
    busy = settings.port(settings.socketio_port)
    with socket.socket() as s:
        s.bind((settings.host, busy))
        s.listen()
        with pytest.raises(network.NetworkError, match=rf"Port {busy} \(for rasa\) is busy"):
            network.start(settings)
    assert not (tmp_path / "network.pids").exists()


def test_every_component_has_its_own_port(tmp_path: Path) -> None:
    settings = _settings(tmp_path, *_inputs(tmp_path))
    ports = [p for c in network.components(settings) for p in (c.port, *c.extra_ports)]
    assert len(ports) == len(set(ports)) == 10


def test_setup_stops_with_one_sentence_when_python_3_10_is_missing(tmp_path: Path) -> None:
    # A PATH with Debian's Python 3.11 but neither python3.10 nor pyenv.
    if not Path("/usr/bin/python3.11").exists():
        missing("needs /usr/bin/python3.11 (Debian's python3.11)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYENV")}
    env["PATH"] = "/usr/bin:/bin"
    run = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "setup.sh")], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 1
    assert "Python 3.10 (needed by Rasa 3.6) was not found" in run.stderr


def test_the_bot_runtime_gets_only_its_own_secrets(tmp_path: Path) -> None:
    secrets = {"data_key": "d", "hub_admin_token": "adm", "hip_token": "h", "hub_service_token": "s",
               "bot_webhook_key": "k"}  # fmt: skip
    settings = Settings(var_dir=tmp_path, actions_token="a", **secrets)
    comps = {c.name: c for c in network.components(settings)}
    base = {"PATH": "/bin", **{f"QAID_{k.upper()}": v for k, v in secrets.items()}}
    for name in ("actions", "rasa"):
        env = comps[name].environment(base)
        assert env["QAID_ACTIONS_TOKEN"] == "a" and env["QAID_HUB_SERVICE_TOKEN"] == "s"
        assert not {"QAID_DATA_KEY", "QAID_HUB_ADMIN_TOKEN", "QAID_HIP_TOKEN", "QAID_BOT_WEBHOOK_KEY"} & set(
            env
        )
        # what the hub signs its reply notices with, derived from the key the bot does not get
        assert env["QAID_BOT_WEBHOOK_SECRET"] == settings.bot_webhook_secret.strip() != ""
        assert env["PATH"] == "/bin"
    assert comps["hub"].environment(base)["QAID_DATA_KEY"] == "d"
    # the action server with authentication (bot/qaid_bot/action_server.py), bound to the network's host
    argv = comps["actions"].argv
    assert argv[1:3] == ["-m", "qaid_bot.action_server"]
    assert argv[argv.index("--interface") + 1] == settings.host


def _run_with_signal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, comp: network.Component, after_ready: bool
) -> tuple[int, network.Component]:
    """Run the launcher in-process with ``comp`` as its only component and SIGTERM it during start:
    while ``comp`` is still not ready, or just as start() returns (``after_ready``)."""
    import signal

    settings = _settings(tmp_path, *_inputs(tmp_path))
    real_start = network.start

    def start(s: Settings) -> list[network.Component]:
        if not after_ready:
            threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
            return real_start(s)
        comps = real_start(s)
        os.kill(os.getpid(), signal.SIGTERM)  # lands before run() has printed or supervised anything
        return comps

    monkeypatch.setattr(network, "components", lambda _s: [comp])
    monkeypatch.setattr(network, "preflight", lambda _s, _c: None)
    monkeypatch.setattr(network, "start", start)
    previous = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    try:
        code = network.run(settings)
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    return code, comp


def test_sigterm_while_starting_stops_what_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The children run in their own sessions: a launcher stopped mid-start must stop them itself."""
    import sys

    never_ready = network.Component(
        "hub", [sys.executable, "-c", "import time; time.sleep(120)"], free_port(), "http://127.0.0.1:9/"
    )
    code, comp = _run_with_signal(tmp_path, monkeypatch, never_ready, after_ready=False)
    assert code == 130
    assert comp.proc is not None and comp.proc.poll() is not None


def test_sigterm_just_after_start_is_an_orderly_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window that once flaked: a signal after the components are up but before the launcher
    supervises them. Nothing may be left running, and the PID file goes."""
    code, comp = _run_with_signal(tmp_path, monkeypatch, _server("hub", free_port()), after_ready=True)
    assert code == 130
    assert comp.proc is not None and comp.proc.poll() is not None
    assert network.recorded_pids(Settings(var_dir=tmp_path)) == {}


def _server(name: str, port: int) -> network.Component:
    """A component that serves HTTP on ``port`` (its ready URL answers 200) until it is killed."""
    import sys

    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    return network.Component(name, argv, port, f"http://127.0.0.1:{port}/")


def test_a_component_that_dies_is_restarted_and_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import signal
    import time

    settings = _settings(tmp_path, *_inputs(tmp_path))
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    comps = [_server("hip-a", free_port()), _server("hub", free_port())]
    for c in comps:
        network.spawn(settings, c)
    network.record_pids(settings, comps)
    network.wait_ready(settings, comps, timeout_s=30)
    supervisor = network.Supervisor(settings, comps)
    try:
        first = network.recorded_pids(settings)
        os.killpg(first["hip-a"], signal.SIGKILL)
        comps[0].proc.wait()
        deadline = time.monotonic() + 30
        while "hip-a is back" not in capsys.readouterr().out:
            assert time.monotonic() < deadline, "hip-a was not restarted"
            assert supervisor.step()
            time.sleep(0.2)
        now = network.recorded_pids(settings)
        assert now["hip-a"] != first["hip-a"] and now["hub"] == first["hub"]
    finally:
        supervisor.close()
        network.stop(comps)


def test_a_component_that_keeps_dying_stops_the_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    settings = _settings(tmp_path, *_inputs(tmp_path))
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    crashing = network.Component(
        "hub", [sys.executable, "-c", "raise SystemExit(3)"], 1, "http://127.0.0.1:1/"
    )
    network.spawn(settings, crashing)
    supervisor = network.Supervisor(settings, [crashing])
    try:
        steps = 0
        while steps < 100:
            assert crashing.proc is not None
            crashing.proc.wait()
            steps += 1
            if not supervisor.step():
                break
        assert steps == network.RESTART_LIMIT + 1
        out = capsys.readouterr().out
        assert out.count("restarting it") == network.RESTART_LIMIT
        assert "stopping the network" in out and "exit code 3" in out
    finally:
        supervisor.close()
        network.stop([crashing])


LAUNCHER_SCRIPT = """
import sys
from pathlib import Path

from demo import network
from qaid.config import Settings

settings = Settings(var_dir=Path(sys.argv[1]))
settings.logs_dir.mkdir(parents=True, exist_ok=True)
port = int(sys.argv[2])
comp = network.Component("hub", [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                         port, f"http://127.0.0.1:{port}/")

def start(s):
    network.spawn(s, comp)
    network.record_pids(s, [comp])
    network.wait_ready(s, [comp], timeout_s=30)
    return [comp]

network.start = start
raise SystemExit(network.run(settings))
"""


def test_make_stop_stops_the_launcher_so_nothing_is_restarted(tmp_path: Path) -> None:
    """`make stop` from another terminal: the supervisor must not bring back what it stops."""
    import sys

    settings = Settings(var_dir=tmp_path)
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER_SCRIPT, str(tmp_path), str(free_port())],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert launcher.stdout is not None
        seen = ""
        while "network is up" not in seen:  # the banner: started, now supervising
            line = launcher.stdout.readline()
            assert line, f"the launcher ended before it was up:\n{seen}"
            seen += line
        pids = network.recorded_pids(settings)
        assert pids["launcher"] == launcher.pid
        assert network.stop_recorded(settings) == 0
        assert launcher.wait(timeout=30) == 0
        assert not processes._alive(pids["hub"])
        assert "restarting" not in launcher.stdout.read()
    finally:
        if launcher.poll() is None:
            launcher.kill()
