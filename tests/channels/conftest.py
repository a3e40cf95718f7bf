"""The real Rasa server (trained model, real action server) with the Telegram and Slack channels
enabled, started once for the whole test session; the platforms, the hub and a HIP are played by
one local recording server (channel_fakes.Platforms).
Run with the bot venv: .venv-bot/bin/pytest tests/channels
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from utils.net import free_port
from utils.services import require_file

try:  # the platform venv (Python 3.11) has no Rasa: these tests belong to the bot venv only
    import rasa  # noqa: F401
except ImportError:  # pragma: no cover
    collect_ignore_glob = ["test_*.py", "channel_fakes.py", "bot_server.py"]
else:
    import requests

    BOT_DIR = Path(__file__).resolve().parents[2] / "bot"

    from bot_server import API_TOKEN, Server
    from channel_fakes import (
        BOT_WEBHOOK_SECRET,
        CONVERSATION_KEY,
        SLACK_SIGNING_SECRET,
        SLACK_TOKEN,
        TELEGRAM_SECRET,
        TELEGRAM_TOKEN,
        WEBHOOK_URL,
        Platforms,
    )

    @pytest.fixture(autouse=True)
    def _conversation_key(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("QAID_CONVERSATION_KEY", CONVERSATION_KEY)

    def _credentials(fake: str) -> str:
        return f"""
qaid_bot.channels.telegram.TelegramInput:
  access_token: "{TELEGRAM_TOKEN}"
  verify: qaid_test_bot
  webhook_url: "{WEBHOOK_URL}"
  secret_token: "{TELEGRAM_SECRET}"
  api_url: "{fake}/telegram"
qaid_bot.channels.slack.SlackInput:
  slack_token: "{SLACK_TOKEN}"
  slack_signing_secret: "{SLACK_SIGNING_SECRET}"
  api_url: "{fake}/slack"
  file_url_prefixes: ["{fake}/slack/files/"]
qaid_bot.channels.web.RestInput:
qaid_bot.channels.hub.HubInput:
qaid_bot.channels.web.SocketIOInput:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""

        # Loading the trained model took over 4 minutes on 2 shared cores at load 13: a generous start

    # deadline (a server that exits fails at once, whatever the deadline).
    def _wait_http(url: str, procs: list[subprocess.Popen], log: Path, timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in procs:
                if p.poll() is not None:
                    pytest.fail(f"a server exited ({p.args}):\n{log.read_text()[-5000:]}")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        pytest.fail(f"{url} not up after {timeout} s:\n{log.read_text()[-5000:]}")

    @pytest.fixture(scope="session")
    def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
        require_file("the trained Rasa model (make rasa-model)", BOT_DIR / "models" / "qaid.tar.gz")
        platforms = Platforms().start()
        tmp = tmp_path_factory.mktemp("channels")
        (tmp / "credentials.yml").write_text(_credentials(platforms.url))
        actions_port, rasa_port, socket_port = free_port(), free_port(), free_port()
        # no tracker store: Rasa keeps conversations in memory
        (tmp / "endpoints.yml").write_text(
            f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n"
        )
        env = {
            **os.environ,
            "QAID_HUB_URL": platforms.url,
            "QAID_HUB_SERVICE_TOKEN": "svc-test-token",
            "QAID_CONVERSATION_KEY": CONVERSATION_KEY,
            "QAID_SOCKETIO_PORT": str(socket_port),
            "QAID_HIP_TIMEOUT_S": "5",
            "QAID_NEARBY_RADIUS_KM": "25",
            "QAID_INACTIVITY_S": "3600",
            "QAID_BOT_WEBHOOK_SECRET": BOT_WEBHOOK_SECRET,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
        log = tmp / "servers.log"
        out = log.open("w")
        bindir = Path(sys.executable).parent
        actions = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "qaid_bot.actions", "--port", str(actions_port)],
            cwd=BOT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        rasa_proc = subprocess.Popen(
            [str(bindir / "rasa"), "run", "--model", "models/qaid.tar.gz", "--interface", "127.0.0.1",
             "--port", str(rasa_port), "--credentials", str(tmp / "credentials.yml"),
             "--endpoints", str(tmp / "endpoints.yml"), "--enable-api", "--auth-token", API_TOKEN],
            cwd=BOT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        procs = [actions, rasa_proc]
        try:
            _wait_http(f"http://127.0.0.1:{actions_port}/health", procs, log)
            _wait_http(f"http://127.0.0.1:{rasa_port}/webhooks/telegram/", procs, log)
            yield Server(f"http://127.0.0.1:{rasa_port}", platforms, log, f"http://127.0.0.1:{socket_port}")
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
            out.close()
            platforms.stop()
