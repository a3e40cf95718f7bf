"""The one source of truth for the demo network's ports, paths, hospitals and secrets.

Every process of the platform runtime reads its settings from here; the bot runtime (Python 3.10,
another virtual environment) receives the few values it needs as environment variables that the
launcher derives from this module (:meth:`Settings.bot_env`). Both take the names and defaults of
those variables from ``qaid_contracts.env``, so nothing is configured twice.

Values come, in order of precedence, from the process environment (prefix ``QAID_``), then (for
the operator's programs only, see below) from ``var/secrets.env``, then from the embedded defaults.

Whose secrets: ``var/secrets.env`` belongs to the operator who runs the hub and the demo network
(the launcher generates it). Only the operator's own programs read it, through
:func:`operator_settings`: the launcher (``demo.network``, which hands every child the secrets it
needs through the environment), the hub, its worker, migrations and admin CLI, and the tools that
act on the demo network (federated publishing, fault benchmarks). Every other process started
from a checkout - a HIP, an inbox, the hospital kit, training - uses :func:`get_settings`, which
reads the environment and its own flags only: a hospital that forgets its token gets an error
naming the setting instead of silently using the operator's.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from qaid_contracts import env
from qaid_contracts.replies import is_time_zone

REPO_ROOT = Path(__file__).resolve().parent.parent
# The operator's generated secrets (see the module docstring for who may read them).
OPERATOR_SECRETS_FILE = REPO_ROOT / "var" / "secrets.env"


def _time_zone(name: str) -> str:
    """An IANA time zone name, or empty ("not set"); anything else stops the settings loading."""
    if name and not is_time_zone(name):
        raise ValueError(f"{name!r} is not an IANA time zone (like Europe/Bucharest or UTC)")
    return name


# An IANA time zone (empty where the field says what empty means).
TimeZone = Annotated[str, AfterValidator(_time_zone)]


class HospitalSpec(BaseModel):
    """A demo hospital: where it is, which ports its HIP and webhook inbox use, what its HIP offers."""

    id: str
    name: str
    lat: float
    lon: float
    hip_port: int
    inbox_port: int
    # topics per task this hospital's bundle offers, e.g. {"vqa": ["brain_mri"], "segmentation": []}
    offers: dict[str, list[str]]
    contact: str = ""
    # The zone of the hospital's clocks: its inbox's appointment times are in it (Settings.inbox_time_zone).
    time_zone: TimeZone = "UTC"


# Three hospitals around Bucharest with the capability split of the original Q&Aid demo.
# The names are fictional: they are demo hospitals, not the real institutions of the city.
DEMO_HOSPITALS: list[HospitalSpec] = [
    HospitalSpec(
        id="herastrau",
        name="Herastrau Demo Hospital",
        lat=44.4700,
        lon=26.0820,
        hip_port=8101,
        inbox_port=8201,
        offers={"vqa": ["brain_mri"], "segmentation": []},
        contact="triage@herastrau.demo",
        time_zone="Europe/Bucharest",
    ),
    HospitalSpec(
        id="cismigiu",
        name="Cismigiu Demo Hospital",
        lat=44.4370,
        lon=26.0900,
        hip_port=8102,
        inbox_port=8202,
        offers={"vqa": ["brain_mri", "chest_xray"], "segmentation": ["brain_mri"]},
        contact="triage@cismigiu.demo",
        time_zone="Europe/Bucharest",
    ),
    HospitalSpec(
        id="titan",
        name="Titan Demo Hospital",
        lat=44.4230,
        lon=26.1650,
        hip_port=8103,
        inbox_port=8203,
        offers={"vqa": ["chest_xray"], "segmentation": []},
        contact="triage@titan.demo",
        time_zone="Europe/Bucharest",
    ),
]

# Where the demo assumes the patient is until they say otherwise (Bucharest city centre).
DEFAULT_LOCATION = (float(env.DEFAULT_LAT.default), float(env.DEFAULT_LON.default))


class Settings(BaseSettings):
    """Settings of the whole demo network (override any with ``QAID_<NAME>``)."""

    # No env_file here: only operator_settings() adds the operator's secrets file.
    model_config = SettingsConfigDict(env_prefix="QAID_", env_file=None, extra="ignore")

    host: str = "127.0.0.1"
    # Added to every port below, so a test network can run beside the demo one.
    port_offset: int = 0
    hub_port: int = 8000
    rasa_port: int = 5005
    # The web chat's socket.io server (a thread of the Rasa server with its own loop and port, issue 18).
    socketio_port: int = int(env.SOCKETIO_PORT.default)
    actions_port: int = 5055
    var_dir: Path = REPO_ROOT / "var"
    # Model bundles (one directory per hospital id); empty means var_dir/bundles.
    bundles_path: Path | None = None
    # The trained Rasa model directory.
    rasa_models_dir: Path = REPO_ROOT / "bot" / "models"
    hospitals: list[HospitalSpec] = Field(default_factory=lambda: list(DEMO_HOSPITALS))

    # Hub storage: SQLite file under var_dir unless a URL is given (PostgreSQL in production).
    hub_database_url: str = ""
    # Secrets. Empty means "not configured": the launcher generates them into var/secrets.env,
    # which only operator_settings() reads.
    hub_admin_token: str = ""
    hub_service_token: str = ""
    # Rasa server -> action server (``Authorization: Bearer``, bot/endpoints*.yml,
    # bot/qaid_bot/action_server.py).
    actions_token: str = ""
    hip_token: str = ""
    webhook_secret_seed: str = ""
    data_key: str = ""
    # Shared with the bot runtime: the conversation ids hospitals see and the image references the hub
    # signs at upload are HMACs under it (qaid_contracts.binding). Not the data key: the bot must not
    # be able to open stored data.
    conversation_key: str = ""
    # Rasa's REST channel (tests, integrations) requires this bearer token; the web page uses socket.io.
    rest_token: str = ""
    # The hub signs its reply.available notices to the bot (qaid_bot.channels.hub) with a Standard
    # Webhooks secret derived from this key (bot_webhook_secret): only the hub and the bot hold it.
    bot_webhook_key: str = ""
    # Retired data keys still accepted for reading, comma-separated (key rotation; see docs/transcripts.md).
    data_key_previous: str = ""
    # Days the hub keeps transcripts and images before the purge job removes them.
    retention_days: float = Field(default=float(env.RETENTION_DAYS.default), gt=0)
    # Seconds between the hub's re-reads of every live HIP's capabilities (hub.offers): the directory's
    # offers follow a hot swap within this period. 0 switches it off (offers then change only with
    # the join checks: `hospital_kit verify`, POST /api/v1/hospitals/{id}/verify).
    offers_refresh_s: float = Field(default=60.0, ge=0)
    # Whether a hospital (with its own token) may register HIP and webhook URLs on loopback or private
    # addresses (hub.join.private_target). Off: the join checks would otherwise let any hospital token
    # probe the hub's own network. The operator's admin token is never limited.
    join_allow_private: bool = False
    # Seconds a hospital waits between test events it sends itself (POST .../{id}/test-event): one per
    # period per hospital across all hub processes (a database lease), so a hospital token cannot
    # turn the hub into a way of hammering a third party's URL. 0 switches the spacing off.
    test_event_every_s: float = Field(default=10.0, ge=0)
    # Anonymous image uploads to the hub (the web chat) per client address: a burst, then this many
    # per minute (0 switches the limit off). Callers with the service token are not limited.
    image_upload_burst: int = Field(default=20, ge=1)
    image_upload_per_minute: float = Field(default=30.0, ge=0)

    # Public addresses behind a TLS proxy (docs/operations.md): the hub as hospitals and browsers
    # reach it (image links in deliveries) and Rasa's socket.io server as the web chat page reaches it
    # (the proxy routes /socket.io/ to socketio_port). Empty: derived from host and ports, right for
    # the demo on one machine.
    public_hub_url: str = ""
    public_rasa_url: str = ""
    # Proxies whose X-Forwarded-For / -Proto uvicorn believes (comma-separated addresses; "*" for any,
    # only when the service is reachable through the proxy alone). Empty: none, the client address is
    # the TCP peer's. uvicorn's own default trusts 127.0.0.1, so any local process could claim to be
    # any client and escape the per-address upload limit.
    trusted_proxies: str = ""
    # PEM file of extra certificate authorities the delivery worker trusts for hospital webhooks
    # (a hospital on a private or national PKI), on top of the public ones.
    webhook_ca_file: str = ""
    # The reference inbox's doctor pages and JSON: HTTP Basic with this as the password, or Bearer
    # (inbox.app). `python -m inbox` refuses to start without it; the launcher generates it. Empty is
    # open, for the unit tests' in-process inboxes only.
    inbox_token: str = ""
    # The reference inbox's Standard Webhooks signing secrets, comma-separated, newest first (several
    # while a rotation overlaps): the ones the hospital registered with the hub. Empty for a demo
    # hospital: its secret is derived from webhook_secret_seed, as the hub derives it.
    inbox_secrets: str = ""
    # The reference inbox's IANA time zone (Europe/Bucharest): an appointment's date and time are the
    # hospital's clock in it, and the patient is told so. Empty: a demo hospital's own
    # (HospitalSpec.time_zone), else UTC. A name the tz database does not know stops the start.
    inbox_time_zone: TimeZone = ""
    # The reference inbox as doctors' browsers reach it (https://inbox.hospital.example): the
    # redirect_uri of its OpenID Connect sign-in. Required with inbox_oidc_issuer.
    inbox_public_url: str = ""
    # Sign-in through the hospital's OpenID Connect provider (inbox/oidc.py, docs/workbench.md): its
    # issuer URL exactly as its discovery document names it, the inbox's client id there and, for a
    # confidential client, its secret. Empty issuer: off, passwords only.
    inbox_oidc_issuer: str = ""
    inbox_oidc_client_id: str = ""
    inbox_oidc_client_secret: str = ""
    # The provider's name on the sign-in button ("Sign in with <name>").
    inbox_oidc_name: str = "the hospital account"
    # Email domains (comma-separated, e.g. "spital.ro") whose verified addresses may sign in and get
    # an account on first sign-in. Empty: only doctors already given that email may sign in.
    inbox_oidc_email_domains: str = ""

    emergency_number: str = str(env.EMERGENCY_NUMBER.default)
    nearby_radius_km: float = float(env.NEARBY_RADIUS_KM.default)
    hip_timeout_s: float = float(env.HIP_TIMEOUT_S.default)
    # Idle seconds after which a consented conversation ends and its transcript is delivered.
    inactivity_s: float = float(env.INACTIVITY_S.default)

    def proxy_options(self) -> dict[str, object]:
        """uvicorn's proxy settings from ``trusted_proxies`` (``redact.serve(..., **options)``)."""
        trusted = self.trusted_proxies.strip()
        return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or ""}

    def port(self, base: int) -> int:
        return base + self.port_offset

    @property
    def hub_url(self) -> str:
        return f"http://{self.host}:{self.port(self.hub_port)}"

    @property
    def hub_public_url(self) -> str:
        return (self.public_hub_url or self.hub_url).rstrip("/")

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.port(self.rasa_port)}"

    @property
    def webchat_origin(self) -> str:
        """The origin of the web chat page (the hub's public address): the one socket.io allows."""
        parts = urlsplit(self.hub_public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def socketio_url(self) -> str:
        """The web chat's socket.io server (the Rasa server's, on its own port)."""
        return f"http://{self.host}:{self.port(self.socketio_port)}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.port(self.actions_port)}/webhook"

    @property
    def bundles_dir(self) -> Path:
        return self.bundles_path or self.var_dir / "bundles"

    @property
    def logs_dir(self) -> Path:
        return self.var_dir / "logs"

    def hub_db_url(self) -> str:
        return self.hub_database_url or f"sqlite:///{self.var_dir / 'hub.sqlite3'}"

    def hospital(self, hospital_id: str) -> HospitalSpec:
        for h in self.hospitals:
            if h.id == hospital_id:
                return h
        raise KeyError(f"no hospital {hospital_id!r} in the network config")

    def hip_url(self, hospital: HospitalSpec) -> str:
        return f"http://{self.host}:{self.port(hospital.hip_port)}"

    def inbox_url(self, hospital: HospitalSpec) -> str:
        return f"http://{self.host}:{self.port(hospital.inbox_port)}"

    @property
    def bot_webhook_secret(self) -> str:
        """The whsec_ secret of the hub -> bot notices ("" while the key is not configured)."""
        return webhook_secret(self.bot_webhook_key, "bot") if self.bot_webhook_key else ""

    def bot_env(self) -> dict[str, str]:
        """The environment the bot runtime (Rasa server and action server, Python 3.10) receives:
        exactly the variables ``qaid_contracts.env.BOT_RUNTIME`` names."""
        values: dict[env.Var, object] = {
            env.HUB_URL: self.hub_url,
            env.HUB_SERVICE_TOKEN: self.hub_service_token,
            env.ACTIONS_URL: self.actions_url,
            env.ACTIONS_TOKEN: self.actions_token,
            env.CONVERSATION_KEY: self.conversation_key,
            env.REST_TOKEN: self.rest_token,
            env.TRACKER_DB: self.var_dir / "tracker.sqlite3",
            env.EMERGENCY_NUMBER: self.emergency_number,
            env.NEARBY_RADIUS_KM: self.nearby_radius_km,
            env.HIP_TIMEOUT_S: self.hip_timeout_s,
            env.INACTIVITY_S: self.inactivity_s,
            env.SOCKETIO_HOST: self.host,
            env.SOCKETIO_PORT: self.port(self.socketio_port),
            env.SOCKETIO_ORIGINS: self.webchat_origin,
            env.DEFAULT_LAT: DEFAULT_LOCATION[0],
            env.DEFAULT_LON: DEFAULT_LOCATION[1],
            env.BOT_WEBHOOK_SECRET: self.bot_webhook_secret,
        }
        return {var.name: str(values[var]) for var in env.BOT_RUNTIME}


class OperatorSettings(Settings):
    """:class:`Settings` plus the operator's ``var/secrets.env`` (the environment still wins)."""

    model_config = SettingsConfigDict(env_prefix="QAID_", env_file=str(OPERATOR_SECRETS_FILE), extra="ignore")


SECRET_NAMES = (
    "hub_admin_token",
    "hub_service_token",
    "actions_token",
    "hip_token",
    "webhook_secret_seed",
    "data_key",
    "conversation_key",
    "rest_token",
    "inbox_token",
    "bot_webhook_key",
)


def ensure_secrets(var_dir: Path) -> Path:
    """Create ``var_dir/secrets.env`` with fresh random secrets, or add the ones it lacks.

    Existing values are never changed (the data key opens stored data); a secret introduced by a
    newer version (e.g. ``actions_token``) is appended, so an old demo directory keeps working.
    """
    path = var_dir / "secrets.env"
    var_dir.mkdir(parents=True, exist_ok=True)
    text = path.read_text() if path.exists() else ""
    present = {line.partition("=")[0] for line in text.splitlines()}
    missing = [n for n in SECRET_NAMES if f"QAID_{n.upper()}" not in present]
    if missing:
        lines = [f"QAID_{name.upper()}={secrets.token_urlsafe(32)}" for name in missing]
        prefix = text if not text or text.endswith("\n") else text + "\n"
        path.write_text(prefix + "\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


# Databases, logs, secrets and caches hold patient data or credentials: only the service's own user
# may read them. Every process of the platform calls this first; the launcher's children inherit it.
PRIVATE_UMASK = 0o077


def private_files() -> None:
    """Files and directories this process creates are its user's only (0600 / 0700)."""
    os.umask(PRIVATE_UMASK)


def lock_down(var_dir: Path) -> None:
    """Make an existing ``var_dir`` private: the directory and its log and database directories 0700,
    the files directly in them 0600 (a demo directory made by an older version was 0755/0644)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    for directory in (var_dir, var_dir / "logs"):
        if not directory.is_dir():
            continue
        directory.chmod(0o700)
        for path in directory.iterdir():
            if path.is_file() and not path.is_symlink():
                path.chmod(0o600)


@lru_cache
def get_settings() -> Settings:
    """Settings from the process environment and defaults only (never the operator's secrets file)."""
    return Settings()


@lru_cache
def operator_settings() -> Settings:
    """The operator's settings: the environment first, then ``var/secrets.env``. Only for the
    operator's own programs (the launcher, the hub and its tools; see the module docstring)."""
    return OperatorSettings()


def clear_settings_cache() -> None:
    """Forget both cached settings (after the launcher exported the secrets to its environment)."""
    get_settings.cache_clear()
    operator_settings.cache_clear()


def webhook_secret(seed: str, hospital_id: str) -> str:
    """A hospital's Standard Webhooks signing secret (``whsec_`` + base64 key), derived from the seed.

    The demo network derives one per hospital so the hub and that hospital's inbox agree without
    a second copy of the secret on disk; real hospitals register their own secret with the hub.
    """
    import base64
    import hashlib
    import hmac

    key = hmac.new(seed.encode(), f"webhook:{hospital_id}".encode(), hashlib.sha256).digest()
    return "whsec_" + base64.b64encode(key).decode()
