"""What the demo network is made of: one :class:`Component` per process, in start order, and the
preflight check that refuses to start a half network."""

from __future__ import annotations

import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from qaid.config import REPO_ROOT, SECRET_NAMES, Settings

__all__ = ["BOT_VENV", "SECRET_ENV", "Component", "NetworkError", "components", "preflight"]

BOT_VENV = REPO_ROOT / ".venv-bot"
# The platform's secrets as environment variables: the bot runtime gets only the ones bot_env() names.
SECRET_ENV = frozenset({f"QAID_{n.upper()}" for n in SECRET_NAMES} | {"QAID_DATA_KEY_PREVIOUS"})


class NetworkError(RuntimeError):
    """A problem that stops the network from starting; its message says what to do."""


@dataclass
class Component:
    name: str
    argv: list[str]
    port: int
    ready_url: str
    env: dict[str, str] = field(default_factory=dict)
    # Further ports the process listens on (Rasa: its socket.io server), checked free before start.
    extra_ports: tuple[int, ...] = ()
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
            extra_ports=(settings.port(settings.socketio_port),),
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
    for c, port in [(comp, port) for comp in comps for port in (comp.port, *comp.extra_ports)]:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((settings.host, port))
            except OSError:
                raise NetworkError(
                    f"Port {port} (for {c.name}) is busy: stop what uses it (`make stop` if it is an "
                    "earlier Q&Aid network) or set QAID_PORT_OFFSET to move the whole network."
                ) from None
