"""The hospital's own settings file (TOML): its identity, its HIP, its inbox and the hub it joins.

One file holds everything a hospital configures, secrets included (``init`` writes it with fresh
secrets and mode 600). Nothing is read from the operator's ``var/secrets.env`` or from ``QAID_*``
variables of the calling shell, except ``QAID_KIT_HUB_TOKEN``, which may carry the hub token instead
of the file. Relative paths are relative to the settings file.
"""

from __future__ import annotations

import os
import secrets
import stat
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from qaid.config import TimeZone
from qaid.webhooks import check_secret, new_secret

HUB_TOKEN_ENV = "QAID_KIT_HUB_TOKEN"
_ID = r"^[a-z0-9][a-z0-9_\-]*$"


class SettingsError(Exception):
    """The settings file is missing or wrong; the message names what to set, and where."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HospitalSection(_Section):
    id: str = Field(min_length=1, max_length=64, pattern=_ID)
    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    contact: str = ""


class HipSection(_Section):
    bundle: Path
    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    public_url: str = Field(pattern=r"^https?://")
    token: str = Field(min_length=16)
    admin_token: str = Field(min_length=16)


class InboxSection(_Section):
    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    public_url: str = Field(pattern=r"^https?://")
    db: Path = Path("var/inbox.sqlite3")
    token: str = Field(min_length=16)
    webhook_secrets: list[str] = Field(min_length=1, max_length=3)
    # The hospital's IANA time zone: doctors write appointment times on its clock (QAID_INBOX_TIME_ZONE).
    time_zone: TimeZone = Field(default="UTC", min_length=1)
    # Doctors' sign-in through the hospital's OpenID Connect provider (docs/workbench.md); off when
    # oidc_issuer is empty. The redirect URI registered with the provider is public_url + /auth/oidc/callback.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_name: str = ""
    oidc_email_domains: list[str] = Field(default_factory=list)

    @field_validator("webhook_secrets")
    @classmethod
    def _secrets(cls, v: list[str]) -> list[str]:
        return [check_secret(s) for s in v]

    @property
    def webhook_url(self) -> str:
        return self.public_url.rstrip("/") + "/webhooks/transcripts"


class HubSection(_Section):
    url: str = Field(pattern=r"^https?://")
    token: str = ""


class KitSettings(_Section):
    hospital: HospitalSection
    hip: HipSection
    inbox: InboxSection
    hub: HubSection
    path: Path = Field(default=Path("hospital.toml"), exclude=True)

    def resolve(self, p: Path) -> Path:
        return p if p.is_absolute() else (self.path.parent / p).resolve()

    @property
    def hub_token(self) -> str:
        return os.environ.get(HUB_TOKEN_ENV) or self.hub.token

    def registration(self) -> dict[str, Any]:
        """The hub's join body (``POST /api/v1/hospitals/join``)."""
        h = self.hospital
        return {
            "id": h.id, "name": h.name, "lat": h.lat, "lon": h.lon, "contact": h.contact,
            "hip_url": self.hip.public_url.rstrip("/"), "hip_token": self.hip.token,
            "webhook_url": self.inbox.webhook_url, "webhook_secrets": self.inbox.webhook_secrets,
        }  # fmt: skip


def _where(error: ErrorDetails) -> str:
    loc = [str(p) for p in error["loc"]]
    if len(loc) >= 2:
        return f"[{loc[0]}] {'.'.join(loc[1:])}"
    return f"[{loc[0]}]" if loc else "the file"


def load(path: Path) -> KitSettings:
    if not path.is_file():
        hint = f"python -m hospital_kit --config {path} init --id … --name … --lat … --lon …"
        raise SettingsError(f"no settings file at {path}: write one with `{hint}`")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from exc
    try:
        settings = KitSettings.model_validate(raw)
    except ValidationError as exc:
        problems = [f"  {_where(e)}: {e['msg']}" for e in exc.errors()]
        raise SettingsError(f"{path} needs fixing:\n" + "\n".join(problems)) from exc
    settings.path = path.resolve()
    return settings


TEMPLATE = """\
# Q&Aid hospital kit settings. Commands: python -m hospital_kit --config {name} check|run|join|...
# Keep this file private: it holds your secrets (init wrote it readable by you only).
# Relative paths (bundle, db) are relative to this file's directory.

[hospital]
id = "{id}"              # lower-case letters, digits, - and _; your bundle's hip_id must be the same
name = "{display}"
lat = {lat}
lon = {lon}
contact = "{contact}"     # where the hub operator reaches your team

[hip]                     # your models: python -m hip_service, run by `run`
bundle = "{bundle}"       # a bundle directory (python -m ml.train_cli ... --hip-id {id} --bundle-out ...)
host = "127.0.0.1"        # bind address (0.0.0.0 behind your TLS proxy)
port = {hip_port}
public_url = "http://127.0.0.1:{hip_port}"   # how the hub reaches the HIP (https:// in production)
token = "{hip_token}"     # bearer token callers must present; sent to the hub when you join
admin_token = "{hip_admin}"   # for POST /v1/admin/reload (hot swap); never leaves your machine

[inbox]                   # where consented transcripts arrive: python -m inbox, run by `run`
host = "127.0.0.1"
port = {inbox_port}
public_url = "http://127.0.0.1:{inbox_port}" # how the hub's delivery worker reaches the inbox
db = "var/inbox.sqlite3"
token = "{inbox_token}"   # the doctors' password for the inbox pages (HTTP Basic, any user name)
webhook_secrets = ["{secret}"]   # Standard Webhooks signing secrets, newest first (two while rotating)
time_zone = "UTC"         # your IANA time zone (e.g. "Europe/Bucharest"): appointment times are on its clock
# Sign-in with your OpenID Connect provider (optional; docs/workbench.md): its issuer URL, this client's id
# and secret, the button's name, the email domains whose staff may sign in without an account made first.
# oidc_issuer = "https://login.example-hospital.ro"
# oidc_client_id = "qaid-inbox"
# oidc_client_secret = ""
# oidc_name = "Example Hospital account"
# oidc_email_domains = ["example-hospital.ro"]

[hub]
url = "{hub_url}"
token = ""                # your hospital token (qhosp_…) from the hub operator (or set QAID_KIT_HUB_TOKEN)
"""


def write_new(path: Path, values: dict[str, Any]) -> None:
    """A fresh settings file with generated secrets, readable by its owner only."""
    text = TEMPLATE.format(
        name=path.name,
        hip_token=secrets.token_urlsafe(32),
        hip_admin=secrets.token_urlsafe(32),
        inbox_token=secrets.token_urlsafe(24),
        secret=new_secret(),
        **values,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def set_webhook_secrets(path: Path, new: list[str]) -> None:
    """Rewrite the ``webhook_secrets`` line of ``[inbox]`` in place (comments and order kept)."""
    lines = path.read_text().splitlines(keepends=True)
    section, done = "", False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped.split("]")[0].strip("[ ")
        elif section == "inbox" and stripped.startswith("webhook_secrets"):
            values = ", ".join(f'"{s}"' for s in new)
            lines[i] = f"webhook_secrets = [{values}]   # newest first (two while rotating)\n"
            done = True
    if not done:
        raise SettingsError(f"{path}: no webhook_secrets line in [inbox] to update")
    path.write_text("".join(lines))
    path.chmod(0o600)
