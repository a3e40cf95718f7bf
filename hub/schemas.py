"""The hub's response models: every route declares one, so its OpenAPI documents every answer.

The shapes the bot and the channels consume are the contract's (``qaid_contracts.hub``); the JSON
Schemas generated from these models (``python -m qaid.contract_schemas``) are checked against those
TypedDicts, so a field renamed here fails a test until the contract follows.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from qaid.transcript.schema import Transcript

__all__ = [
    "PublicHospital",
    "HospitalList",
    "NearbyHospital",
    "NearbyHospitals",
    "AdminHospital",
    "JoinCheck",
    "JoinReport",
    "TestEventReport",
    "HospitalDeleted",
    "StoredImage",
    "DeliveryBrief",
    "TranscriptReceipt",
    "DeliveryView",
    "DeliveryList",
    "Attempt",
    "DeliveryDetail",
    "TranscriptDetail",
    "WebchatConfig",
    "Health",
]


class PublicHospital(BaseModel):
    """A hospital as anyone may see it: no endpoints, no credentials."""

    id: str
    name: str
    lat: float
    lon: float
    offers: dict[str, list[str]] = Field(description="task -> topics its HIP serves")


class HospitalList(BaseModel):
    hospitals: list[PublicHospital]


class NearbyHospital(PublicHospital):
    """A hospital near the patient, with what the bot's service identity needs to call its HIP."""

    distance_km: float
    hip_url: str
    hip_token: str
    hip_public_only: bool = Field(
        description="the hospital registered hip_url itself: call it only at checked public addresses "
        "(resolved once, every address public, connected to as checked); false: the operator's, or "
        "QAID_JOIN_ALLOW_PRIVATE"
    )


class NearbyHospitals(BaseModel):
    hospitals: list[NearbyHospital] = Field(description="nearest first")


class AdminHospital(PublicHospital):
    """What an operator sees: everything but the secrets themselves (only how many are active)."""

    hip_url: str
    webhook_url: str
    webhook_enabled: bool
    webhook_secrets_active: int
    contact: str
    active: bool
    status_reason: str | None = Field(default=None, description="why the last join check failed")
    verified_at: str | None = Field(default=None, description="when the join checks last passed")
    bundle_version: str | None = Field(default=None, description="the HIP's bundle at the last check")


class JoinCheck(BaseModel):
    name: str = Field(description="hip_reachable, hip_requires_token, hip_token, hip_identity, "
                      "webhook_signed, webhook_verifies")  # fmt: skip
    ok: bool
    detail: str


class JoinReport(BaseModel):
    """The outcome of joining (or re-checking): live only when every check passed."""

    hospital: AdminHospital
    active: bool
    reason: str | None = Field(description="the first failed check, in words; null when live")
    checks: list[JoinCheck]


class TestEventReport(BaseModel):
    """What a hospital's webhook answered a test event (status codes only, never a response body)."""

    hospital_id: str
    webhook_url: str
    ok: bool = Field(description="both checks passed: deliveries will be accepted and are verified")
    status_code: int | None = Field(description="answer to the signed test event; null: no answer")
    verifies_signatures: bool = Field(description="a wrongly signed copy was refused (4xx)")
    forged_status_code: int | None = Field(
        description="answer to the wrongly signed copy; null: not sent (the signed one failed) or no answer"
    )
    checks: list[JoinCheck] = Field(description="webhook_signed, webhook_verifies (as in a join report)")


class HospitalDeleted(BaseModel):
    id: str
    deliveries_cancelled: int = Field(description="queued deliveries to it that will not be sent")
    deliveries_removed: int = Field(description="delivery records (any status) removed with it")


class StoredImage(BaseModel):
    image_id: str
    token: str = Field(description="capability token: the image can be fetched only with it")
    url: str
    sha256: str
    content_type: str
    ref: str | None = Field(
        description="the image's reference for the conversation named in X-Qaid-Sender "
        "(qaid_contracts.binding); null when the upload named none"
    )


class DeliveryBrief(BaseModel):
    id: str
    hospital_id: str
    status: str


class TranscriptReceipt(BaseModel):
    id: str
    conversation_id: str
    duplicate: bool = Field(description="true when this conversation was already accepted")
    deliveries: list[DeliveryBrief]


class DeliveryView(BaseModel):
    id: str
    transcript_id: str
    hospital_id: str
    status: str
    attempts: int
    next_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: str | None


class DeliveryList(BaseModel):
    deliveries: list[DeliveryView]
    counts: dict[str, int] = Field(description="deliveries per status")


class Attempt(BaseModel):
    attempt: int
    worker: str
    started_at: str
    duration_ms: int | None
    status_code: int | None
    outcome: str
    error: str | None


class DeliveryDetail(DeliveryView):
    attempt_log: list[Attempt]


class TranscriptDetail(BaseModel):
    id: str
    conversation_id: str
    urgency: str
    received_at: str
    transcript: Transcript
    deliveries: list[DeliveryView]


class WebchatConfig(BaseModel):
    rasa_url: str
    socket_path: str
    max_image_bytes: int


class Health(BaseModel):
    status: str
    service: str
