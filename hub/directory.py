"""The hospital directory: registration, the nearby search, and syncing the demo hospitals.

Credentials (HIP token, webhook secrets) are sealed in the row and only opened where needed: the
nearby search hands the HIP token to the bot's service identity, the worker signs with the secrets.
Several webhook secrets can be active at once so a hospital can rotate without dropped deliveries:
every delivery is signed with each of them (Standard Webhooks allows several signatures).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import delete as sa_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import hospital_tokens, leases
from hub.crypto import DataBox
from hub.models import DUE_STATES, Delivery, DeliveryAttempt, Hospital
from hub.schemas import AdminHospital, PublicHospital
from qaid.config import Settings, webhook_secret

EARTH_RADIUS_KM = 6371.0088
HOSPITAL_ID = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
MAX_SECRETS = 3
# hub.leases name prefix (+ hospital id) of the spacing between a hospital's own test events.
TEST_EVENT_LEASE = "test_event:"


def _check_secrets(secrets: list[str]) -> list[str]:
    for s in secrets:
        if not s.startswith("whsec_") or len(s) < 30:
            raise ValueError("webhook secrets must be Standard Webhooks secrets ('whsec_' + base64)")
    return secrets


class HospitalJoin(BaseModel):
    """Join (``POST /api/v1/hospitals/join``) body: a registration without ``offers`` and ``active``,
    which the join checks decide (offers are read from the HIP's own capabilities)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=HOSPITAL_ID)
    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    hip_url: str = Field(max_length=500, pattern=r"^https?://")
    hip_token: str = Field(min_length=1, max_length=500)
    webhook_url: str = Field(max_length=500, pattern=r"^https?://")
    webhook_secrets: list[str] = Field(min_length=1, max_length=MAX_SECRETS)
    contact: str = Field(default="", max_length=500)

    @field_validator("webhook_secrets")
    @classmethod
    def _secrets(cls, v: list[str]) -> list[str]:
        return _check_secrets(v)


class HospitalIn(HospitalJoin):
    """Registration (POST, the operator's unchecked path) body: the join fields, plus what the join
    checks would decide; an update (PUT) uses ``HospitalPatch``."""

    hip_token: str = Field(default="", max_length=500)
    webhook_enabled: bool = True
    offers: dict[str, list[str]] = Field(default_factory=dict)
    active: bool = True


def _not_nullable(schema: dict[str, Any]) -> None:
    """JSON schema of a patch: every field optional, none of them null (``HospitalPatch._no_nulls``)."""
    for prop in schema.get("properties", {}).values():
        branches = [b for b in prop.pop("anyOf", []) if b != {"type": "null"}]
        if len(branches) == 1:
            prop.update(branches[0])
        elif branches:
            prop["anyOf"] = branches
        prop.pop("default", None)


class HospitalPatch(BaseModel):
    """Update (PUT) body: a field left out keeps its value; ``null`` is refused (422), never stored."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_not_nullable)

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict) and (nulls := sorted(str(k) for k, v in data.items() if v is None)):
            raise ValueError(f"null is not a value for {', '.join(nulls)}; leave a field out to keep it")
        return data

    name: str | None = Field(default=None, min_length=1, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    hip_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    hip_token: str | None = Field(default=None, max_length=500)
    webhook_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    webhook_secrets: list[str] | None = Field(default=None, min_length=1, max_length=MAX_SECRETS)
    webhook_enabled: bool | None = None
    contact: str | None = Field(default=None, max_length=500)
    offers: dict[str, list[str]] | None = None
    active: bool | None = None

    @field_validator("webhook_secrets")
    @classmethod
    def _secrets(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _check_secrets(v)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def credentials(box: DataBox, h: Hospital) -> dict[str, Any]:
    return box.open_json(h.credentials_enc)


def public_view(h: Hospital) -> PublicHospital:
    return PublicHospital(id=h.id, name=h.name, lat=h.lat, lon=h.lon, offers=h.offers)


def admin_view(h: Hospital, box: DataBox) -> AdminHospital:
    """What an admin sees: everything but the secrets themselves (only how many are active)."""
    creds = credentials(box, h)
    return AdminHospital(
        **public_view(h).model_dump(),
        hip_url=h.hip_url,
        webhook_url=h.webhook_url,
        webhook_enabled=h.webhook_enabled,
        webhook_secrets_active=len(creds.get("webhook_secrets", [])),
        contact=h.contact,
        active=h.active,
        status_reason=h.status_reason,
        verified_at=h.verified_at.isoformat() if h.verified_at else None,
        bundle_version=(h.capabilities or {}).get("bundle_version"),
    )


def register(db: Session, box: DataBox, data: HospitalIn) -> Hospital | None:
    """Insert a hospital; None if the id is taken (the caller answers 409)."""
    if db.get(Hospital, data.id) is not None:
        return None
    fields = data.model_dump(exclude={"hip_token", "webhook_secrets"})
    h = Hospital(
        **fields,
        credentials_enc=box.seal_json({"hip_token": data.hip_token, "webhook_secrets": data.webhook_secrets}),
    )
    db.add(h)
    return h


def register_for_join(db: Session, box: DataBox, data: HospitalJoin, by_hospital: bool) -> Hospital:
    """Register a new hospital inactive (the checks decide), or update a known one's fields (joining
    again after fixing the setup); its state stays as it was until the checks run. ``by_hospital``:
    the hospital joins with its own token, so the URLs are its own (``urls_from_hospital``)."""
    h = db.get(Hospital, data.id)
    if h is None:
        h = register(db, box, HospitalIn(**data.model_dump(), offers={}, active=False))
        assert h is not None
    else:
        patched = update(db, box, data.id, HospitalPatch(**data.model_dump(exclude={"id"})))
        assert patched is not None
        h = patched
    h.urls_from_hospital = by_hospital
    db.flush()
    return h


def delete(db: Session, hospital_id: str) -> tuple[int, int] | None:
    """Remove a hospital and its delivery records; (queued deliveries cancelled, records removed).

    Transcripts stay at the hub (they may be for other hospitals too) until the retention purge;
    what was delivered is in the hospital's own inbox. The id is free again afterwards, and the
    hospital's token goes too: joining again takes a new one from the operator.
    """
    h = db.get(Hospital, hospital_id)
    if h is None:
        return None
    ids = select(Delivery.id).where(Delivery.hospital_id == hospital_id)
    statuses = list(db.scalars(select(Delivery.status).where(Delivery.hospital_id == hospital_id)))
    db.execute(sa_delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(ids)))
    db.execute(sa_delete(Delivery).where(Delivery.hospital_id == hospital_id))
    db.delete(h)
    hospital_tokens.revoke(db, hospital_id)
    leases.release(db, TEST_EVENT_LEASE + hospital_id)
    return sum(s in DUE_STATES for s in statuses), len(statuses)


def update(db: Session, box: DataBox, hospital_id: str, patch: HospitalPatch) -> Hospital | None:
    """The operator's change. Taking a hospital offline also revokes its hospital token: otherwise
    the hospital could put itself back in the directory by re-running the join checks; the
    operator issues a new token when it may come back."""
    h = db.get(Hospital, hospital_id)
    if h is None:
        return None
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("active") is False:
        hospital_tokens.revoke(db, hospital_id)
    if {"hip_url", "webhook_url"} <= changes.keys():
        h.urls_from_hospital = False  # both URLs are now the operator's (one alone leaves the other)
    creds = credentials(box, h)
    for key in ("hip_token", "webhook_secrets"):
        if key in changes:
            creds[key] = changes.pop(key)
    h.credentials_enc = box.seal_json(creds)
    for key, value in changes.items():
        setattr(h, key, value)
    return h


def nearby(db: Session, lat: float, lon: float, radius_km: float, k: int) -> list[tuple[Hospital, float]]:
    """Active hospitals within ``radius_km``, nearest first, at most ``k``.

    Computed in Python: the directory is tens of rows, and this keeps SQLite and PostgreSQL equal
    (no PostGIS needed). A bounding-box prefilter in SQL is the next step if it ever grows.
    """
    found = []
    for h in db.scalars(select(Hospital).where(Hospital.active.is_(True))):
        d = haversine_km(lat, lon, h.lat, h.lon)
        if d <= radius_km:
            found.append((h, d))
    found.sort(key=lambda pair: (pair[1], pair[0].id))
    return found[:k]


def sync_demo_hospitals(db: Session, box: DataBox, settings: Settings) -> None:
    """Register or refresh the demo hospitals from the network config (the config owns them)."""
    for spec in settings.hospitals:
        data = HospitalIn(
            id=spec.id,
            name=spec.name,
            lat=spec.lat,
            lon=spec.lon,
            hip_url=settings.hip_url(spec),
            hip_token=settings.hip_token,
            webhook_url=settings.inbox_url(spec) + "/webhooks/transcripts",
            webhook_secrets=[webhook_secret(settings.webhook_secret_seed, spec.id)],
            contact=spec.contact,
            offers=spec.offers,
        )
        existing = db.get(Hospital, spec.id)
        if existing is None:
            register(db, box, data)
        else:
            # webhook_enabled is left alone: a 410 from the inbox should survive a hub restart.
            patch = HospitalPatch(**data.model_dump(exclude={"id", "webhook_enabled", "active"}))
            update(db, box, spec.id, patch)
