"""The transcript: what the bot posts to the hub when a consented conversation ends, and what every
consented hospital's inbox receives (signed). Schema version 1.

Generated twin: ``schemas/transcript.json`` from ``qaid.transcript.schema`` (pydantic, which also
enforces the limits in :mod:`qaid_contracts.limits`). Keys a producer may leave out are in the
``total=False`` halves.
"""

from __future__ import annotations

from typing import Final, Literal, TypedDict

from qaid_contracts.vocabulary import FindingKind, Urgency

__all__ = [
    "SCHEMA_VERSION",
    "DETAIL_MODEL_SHA256",
    "DETAIL_OVERLAY",
    "Consent",
    "Contact",
    "Message",
    "ImageRef",
    "Finding",
    "Consensus",
    "Location",
    "Transcript",
]

SCHEMA_VERSION: Final = 1

# Keys of ``Finding.detail`` the renderings read (the rest of ``detail`` is each task's measures).
# The sha256 of the model file that answered: hospitals running one file are one opinion, not two.
DETAIL_MODEL_SHA256: Final = "model_sha256"
# A segmentation: the overlay the patient was shown, an ``ImageRef`` the hub stored and bound to the
# conversation (its ``ref``), so the hub can verify it before it renders or links it.
DETAIL_OVERLAY: Final = "overlay"


class Consent(TypedDict):
    """The patient's yes to sending this transcript to exactly these hospitals, and its wording."""

    given: bool
    at: str  # ISO 8601 with a time zone
    hospitals: list[str]
    statement: str


class Contact(TypedDict, total=False):
    name: str | None
    phone: str | None
    email: str | None


class _MessageRequired(TypedDict):
    at: str
    sender: Literal["patient", "bot"]
    text: str


class Message(_MessageRequired, total=False):
    image_id: str | None


class _ImageRefRequired(TypedDict):
    image_id: str
    sha256: str


class ImageRef(_ImageRefRequired, total=False):
    # The hub's reference binding the image to this conversation (qaid_contracts.binding): an image
    # without a valid one is not linked into deliveries.
    ref: str | None


class _FindingRequired(TypedDict):
    hospital_id: str
    hospital_name: str
    image_id: str
    kind: FindingKind
    answer: str
    confidence: float


class Finding(_FindingRequired, total=False):
    """One hospital model's answer about one image."""

    question: str | None
    model_version: str | None
    detail: dict[str, object]


class _ConsensusRequired(TypedDict):
    kind: FindingKind
    answer: str
    agree: int
    total: int


class Consensus(_ConsensusRequired, total=False):
    """How many of the asked hospitals agreed (``agree`` of ``total``)."""

    question: str | None


class _LocationRequired(TypedDict):
    lat: float
    lon: float


class Location(_LocationRequired, total=False):
    name: str | None


class _TranscriptRequired(TypedDict):
    conversation_id: str
    created_at: str
    ended_reason: str
    urgency: Urgency
    consent: Consent


class Transcript(_TranscriptRequired, total=False):
    schema_version: Literal[1]
    contact: Contact
    messages: list[Message]
    images: list[ImageRef]
    findings: list[Finding]
    consensus: list[Consensus]
    symptoms: list[str]
    definitions: list[str]
    location: Location | None
