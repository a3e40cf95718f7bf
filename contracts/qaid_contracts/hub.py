"""What the hub answers its clients (the bot, the web page, channels, operators).

Generated twin: ``schemas/hub.*.json`` from ``hub.schemas`` (pydantic). Every key of a response is
always present (a missing value is ``null``), so these TypedDicts are total.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = [
    "PublicHospital",
    "HospitalList",
    "NearbyHospital",
    "NearbyHospitals",
    "StoredImage",
    "DeliveryBrief",
    "TranscriptReceipt",
]


class PublicHospital(TypedDict):
    """A hospital as anyone may see it: no endpoints, no credentials."""

    id: str
    name: str
    lat: float
    lon: float
    offers: dict[str, list[str]]  # task -> topics its HIP serves


class HospitalList(TypedDict):
    """``GET /api/v1/hospitals``."""

    hospitals: list[PublicHospital]


class NearbyHospital(PublicHospital):
    """A hospital near the patient, with what the bot's service identity needs to call its HIP."""

    distance_km: float
    hip_url: str
    hip_token: str
    # The hospital registered hip_url itself: call it only at checked public addresses (resolve
    # once, refuse unless every address is public, connect to those: qaid_bot.egress).
    hip_public_only: bool


class NearbyHospitals(TypedDict):
    """``GET /api/v1/hospitals/nearby`` (service token): nearest first."""

    hospitals: list[NearbyHospital]


class StoredImage(TypedDict):
    """``POST /api/v1/images``: the stored image and its capability link (201 new, 200 seen before)."""

    image_id: str
    token: str
    url: str
    sha256: str
    content_type: str
    # Binds the image to the uploading conversation (qaid_contracts.binding); None without X-Qaid-Sender.
    ref: str | None


class DeliveryBrief(TypedDict):
    id: str
    hospital_id: str
    status: str


class TranscriptReceipt(TypedDict):
    """``POST /api/v1/transcripts`` (service token): 201 new, 200 ``duplicate`` for a known conversation."""

    id: str
    conversation_id: str
    duplicate: bool
    deliveries: list[DeliveryBrief]
