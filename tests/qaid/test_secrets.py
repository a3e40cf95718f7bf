"""Secrets are generated once, kept private and never rewritten; a secret added by a newer version
is appended to an existing demo directory; each runtime receives the ones it needs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from qaid.config import OPERATOR_SECRETS_FILE, SECRET_NAMES, OperatorSettings, Settings, ensure_secrets


def _values(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line)


def test_secrets_are_generated_private_and_stable(tmp_path: Path) -> None:
    path = ensure_secrets(tmp_path)
    first = _values(path)
    assert set(first) == {f"QAID_{n.upper()}" for n in SECRET_NAMES}
    assert all(len(v) >= 40 for v in first.values()) and len(set(first.values())) == len(first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _values(ensure_secrets(tmp_path)) == first


def test_a_missing_secret_is_appended_and_the_others_kept(tmp_path: Path) -> None:
    old = "QAID_DATA_KEY=keep-me\nQAID_HUB_ADMIN_TOKEN=admin"  # an older file, no trailing newline
    (tmp_path / "secrets.env").write_text(old)
    values = _values(ensure_secrets(tmp_path))
    assert values["QAID_DATA_KEY"] == "keep-me" and values["QAID_HUB_ADMIN_TOKEN"] == "admin"
    assert len(values["QAID_ACTIONS_TOKEN"]) >= 40
    assert set(values) == {f"QAID_{n.upper()}" for n in SECRET_NAMES}


def test_the_bot_runtime_gets_the_action_server_token(tmp_path: Path) -> None:
    env = Settings(var_dir=tmp_path, actions_token="a-token", hub_service_token="s").bot_env()
    assert env["QAID_ACTIONS_TOKEN"] == "a-token" and env["QAID_HUB_SERVICE_TOKEN"] == "s"
    assert not any(k in env for k in ("QAID_DATA_KEY", "QAID_HUB_ADMIN_TOKEN", "QAID_HIP_TOKEN"))


def test_the_bot_runtime_serves_socketio_where_the_hub_tells_the_page(tmp_path: Path) -> None:
    """Rasa's socket.io server (issue 18) listens on the port the hub's webchat-config names, moved
    with the network, and lets the page's own origin (the hub's public address) poll it."""
    settings = Settings(var_dir=tmp_path, port_offset=100, public_hub_url="https://hub.example.org/")
    env = settings.bot_env()
    assert env["QAID_SOCKETIO_PORT"] == "5106" and settings.socketio_url == "http://127.0.0.1:5106"
    assert env["QAID_SOCKETIO_HOST"] == settings.host
    assert env["QAID_SOCKETIO_ORIGINS"] == "https://hub.example.org"


def test_only_the_operators_programs_read_the_secrets_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A HIP, an inbox or the hospital kit (get_settings) never falls back on the operator's file."""
    secrets_file = tmp_path / "secrets.env"
    secrets_file.write_text("QAID_HIP_TOKEN=operators-token\nQAID_WEBHOOK_SECRET_SEED=operators-seed\n")
    for name in ("QAID_HIP_TOKEN", "QAID_WEBHOOK_SECRET_SEED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(OperatorSettings.model_config, "env_file", str(secrets_file))
    assert Settings.model_config.get("env_file") is None
    assert Settings().hip_token == "" and Settings().webhook_secret_seed == ""
    assert OperatorSettings().hip_token == "operators-token"
    monkeypatch.setenv("QAID_HIP_TOKEN", "from-env")  # the environment still wins for the operator
    assert OperatorSettings().hip_token == "from-env"
    assert str(OPERATOR_SECRETS_FILE).endswith("var/secrets.env")
