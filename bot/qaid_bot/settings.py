"""Every setting of the bot runtime, read from the environment in this one place.

Names and defaults come from the contract (``qaid_contracts.env``), which the launcher uses to
build this runtime's environment (``qaid.config.Settings.bot_env``), so a default is written once.
Read on every call (not at import) so a test or a restarted launcher can change them freely.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qaid_contracts import env

__all__ = ["BotSettings", "settings"]

# Caches of the offline glossary and gazetteer: bot/.cache, beside the Rasa project, never committed.
CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache"


def _str(var: env.Var) -> str:
    return os.environ.get(var.name, "") or str(var.default)


def _float(var: env.Var) -> float:
    try:
        return float(_str(var))
    except ValueError:
        return float(var.default)


@dataclass(frozen=True)
class BotSettings:
    hub_url: str
    hub_token: str
    actions_token: str
    conversation_key: str
    rest_token: str
    emergency_number: str
    nearby_radius_km: float
    nearby_k: int
    hip_timeout_s: float
    inactivity_s: float
    default_lat: float
    default_lon: float
    default_place: str
    home_country: str
    glossary_index: Path
    places_index: Path
    warmup: bool
    retention_days: float
    socketio_host: str
    socketio_port: int
    socketio_origins: tuple[str, ...]
    bot_webhook_secret: str


def settings() -> BotSettings:
    return BotSettings(
        hub_url=_str(env.HUB_URL).rstrip("/"),
        hub_token=_str(env.HUB_SERVICE_TOKEN),
        actions_token=_str(env.ACTIONS_TOKEN),
        conversation_key=_str(env.CONVERSATION_KEY),
        rest_token=_str(env.REST_TOKEN),
        emergency_number=_str(env.EMERGENCY_NUMBER),
        nearby_radius_km=_float(env.NEARBY_RADIUS_KM),
        nearby_k=int(_float(env.NEARBY_K)),
        hip_timeout_s=_float(env.HIP_TIMEOUT_S),
        inactivity_s=_float(env.INACTIVITY_S),
        default_lat=_float(env.DEFAULT_LAT),
        default_lon=_float(env.DEFAULT_LON),
        default_place=_str(env.DEFAULT_PLACE),
        home_country=_str(env.HOME_COUNTRY).upper(),
        glossary_index=Path(_str(env.GLOSSARY_INDEX) or CACHE_DIR / "glossary.sqlite3"),
        places_index=Path(_str(env.PLACES_INDEX) or CACHE_DIR / "places.sqlite3"),
        warmup=_str(env.WARMUP) != "0",
        retention_days=_float(env.RETENTION_DAYS),
        socketio_host=_str(env.SOCKETIO_HOST),
        socketio_port=int(_float(env.SOCKETIO_PORT)),
        socketio_origins=tuple(
            o.strip().rstrip("/") for o in _str(env.SOCKETIO_ORIGINS).split(",") if o.strip()
        ),
        bot_webhook_secret=_str(env.BOT_WEBHOOK_SECRET),
    )
