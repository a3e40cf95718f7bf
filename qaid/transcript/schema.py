"""The versioned transcript schema: the one contract between the bot, the hub and hospital inboxes.

Everything that produces or consumes a transcript imports these models, so the bot cannot send a
shape the hub does not store and an inbox cannot receive a shape it cannot render. ``extra="forbid"``
is deliberate: an unknown field is a schema drift bug to surface at the producer, not data to keep
silently. A breaking change bumps ``schema_version`` (and this module keeps accepting the old one).

``python -m qaid.transcript.schema`` prints the JSON Schema for documentation and other languages.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from qaid_contracts import limits as lim
from qaid_contracts.errors import CONSENT_REQUIRED
from qaid_contracts.transcript import SCHEMA_VERSION
from qaid_contracts.vocabulary import FindingKind, Urgency

Text = Field(min_length=1, max_length=lim.MAX_TEXT_CHARS)
ShortText = Field(min_length=1, max_length=lim.MAX_SHORT_TEXT_CHARS)
Id = Field(min_length=1, max_length=lim.MAX_ID_CHARS, pattern=lim.ID_PATTERN)

# Validation error types that carry their own API error code (``coded_types`` in qaid.api_errors).
CODED_ERROR_TYPES = frozenset({CONSENT_REQUIRED})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Consent(_Model):
    """The patient's consent to send this transcript to the listed hospitals, and its wording."""

    given: bool
    at: AwareDatetime
    hospitals: list[str] = Field(min_length=1, max_length=lim.MAX_CONSENT_HOSPITALS)
    statement: str = Field(min_length=1, max_length=lim.MAX_CONSENT_STATEMENT_CHARS)

    @model_validator(mode="after")
    def _unique_hospitals(self) -> Consent:
        if len(set(self.hospitals)) != len(self.hospitals):
            raise ValueError("consent.hospitals lists a hospital twice")
        return self


class Contact(_Model):
    """How the hospital can reach the patient; every field optional (the patient may share none)."""

    name: str | None = Field(default=None, max_length=lim.MAX_NAME_CHARS)
    phone: str | None = Field(default=None, max_length=lim.MAX_PHONE_CHARS, pattern=lim.PHONE_PATTERN)
    email: str | None = Field(default=None, max_length=lim.MAX_EMAIL_CHARS, pattern=lim.EMAIL_PATTERN)


class Message(_Model):
    at: AwareDatetime
    sender: Literal["patient", "bot"]
    text: str = Field(max_length=lim.MAX_TEXT_CHARS)
    image_id: str | None = Field(default=None, max_length=lim.MAX_ID_CHARS)


class ImageRef(_Model):
    image_id: str = Id
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    # The hub checks it when delivering (hub.images.linkable); an image without a valid one gets no link.
    ref: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")


class Finding(_Model):
    """One hospital model's answer about one image (analysis, visual question or segmentation)."""

    hospital_id: str = Id
    hospital_name: str = ShortText
    image_id: str = Id
    kind: FindingKind
    question: str | None = Field(default=None, max_length=lim.MAX_FINDING_QUESTION_CHARS)
    answer: str = Field(max_length=lim.MAX_TEXT_CHARS)
    confidence: float = Field(ge=0.0, le=1.0)
    model_version: str | None = Field(default=None, max_length=lim.MAX_MODEL_VERSION_CHARS)
    detail: dict[str, Any] = Field(default_factory=dict)

    @field_validator("detail")
    @classmethod
    def _shallow(cls, detail: dict[str, Any]) -> dict[str, Any]:
        stack: list[tuple[Any, int]] = [(detail, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > lim.MAX_DETAIL_DEPTH:
                raise ValueError(f"detail nests deeper than {lim.MAX_DETAIL_DEPTH} levels")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
        return detail


class Consensus(_Model):
    """How many of the asked hospitals agreed on an answer (e.g. 2 of 3 said "yes")."""

    kind: FindingKind
    question: str | None = Field(default=None, max_length=lim.MAX_FINDING_QUESTION_CHARS)
    answer: str = Field(max_length=lim.MAX_TEXT_CHARS)
    agree: int = Field(ge=0)
    total: int = Field(ge=1)

    @model_validator(mode="after")
    def _agree_within_total(self) -> Consensus:
        if self.agree > self.total:
            raise ValueError("consensus.agree exceeds consensus.total")
        return self


class Location(_Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    name: str | None = Field(default=None, max_length=lim.MAX_SHORT_TEXT_CHARS)


class Transcript(_Model):
    """A finished, consented conversation about a patient's medical image(s)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    conversation_id: str = Id
    created_at: AwareDatetime
    ended_reason: str = ShortText
    urgency: Urgency
    consent: Consent
    contact: Contact = Field(default_factory=Contact)
    messages: list[Message] = Field(default_factory=list, max_length=lim.MAX_MESSAGES)
    images: list[ImageRef] = Field(default_factory=list, max_length=lim.MAX_IMAGES)
    findings: list[Finding] = Field(default_factory=list, max_length=lim.MAX_FINDINGS)
    consensus: list[Consensus] = Field(default_factory=list, max_length=lim.MAX_CONSENSUS)
    symptoms: list[str] = Field(default_factory=list, max_length=lim.MAX_SYMPTOMS)
    definitions: list[str] = Field(default_factory=list, max_length=lim.MAX_DEFINITIONS)
    location: Location | None = None

    @model_validator(mode="after")
    def _consent_given(self) -> Transcript:
        # Without consent nothing may leave the patient's conversation: refuse at the schema so no
        # code path (hub, worker, inbox) can store or forward such a transcript by accident.
        if not self.consent.given:
            raise PydanticCustomError(
                CONSENT_REQUIRED, "The patient did not consent to sharing this transcript."
            )
        return self


def json_schema() -> dict[str, Any]:
    return Transcript.model_json_schema()


if __name__ == "__main__":
    print(json.dumps(json_schema(), indent=2))
