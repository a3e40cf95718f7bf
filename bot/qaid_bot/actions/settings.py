"""The few settings the bot runtime receives from the launcher as environment variables.

Read on every call (not at import) so a test or a restarted launcher can change them freely.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


@dataclass(frozen=True)
class BotSettings:
    hub_url: str
    hub_token: str
    emergency_number: str
    nearby_radius_km: float
    hip_timeout_s: float
    default_lat: float
    default_lon: float
    inactivity_s: float
    nearby_k: int


def settings() -> BotSettings:
    return BotSettings(
        hub_url=os.environ.get("QAID_HUB_URL", "http://127.0.0.1:8000").rstrip("/"),
        hub_token=os.environ.get("QAID_HUB_SERVICE_TOKEN", ""),
        emergency_number=os.environ.get("QAID_EMERGENCY_NUMBER", "") or "112",
        nearby_radius_km=_float("QAID_NEARBY_RADIUS_KM", 25.0),
        hip_timeout_s=_float("QAID_HIP_TIMEOUT_S", 4.0),
        # Bucharest city centre, the demo's default patient location.
        default_lat=_float("QAID_DEFAULT_LAT", 44.4268),
        default_lon=_float("QAID_DEFAULT_LON", 26.1025),
        # Not part of the launcher contract (optional): how long a consented conversation may idle
        # before the transcript is delivered anyway.
        inactivity_s=_float("QAID_INACTIVITY_S", 600.0),
        nearby_k=int(_float("QAID_NEARBY_K", 5)),
    )
