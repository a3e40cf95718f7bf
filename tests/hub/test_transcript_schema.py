"""The transcript schema accepts a complete consented transcript and refuses everything else."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from tr_helpers import transcript

from qaid.transcript.schema import SCHEMA_VERSION, Transcript, json_schema


def test_complete_transcript_round_trips() -> None:
    data = transcript(["cismigiu", "titan"], urgency="urgent")
    t = Transcript.model_validate(data)
    assert t.schema_version == SCHEMA_VERSION == 1
    assert t.consent.hospitals == ["cismigiu", "titan"]
    assert t.findings[0].kind == "vqa" and t.findings[0].detail == {"topic": "brain_mri"}
    again = Transcript.model_validate_json(t.model_dump_json())
    assert again == t


def test_consent_not_given_is_refused_with_its_own_error_type() -> None:
    with pytest.raises(ValidationError) as info:
        Transcript.model_validate(transcript(["titan"], given=False))
    assert [e["type"] for e in info.value.errors()] == ["consent_required"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("urgency",), "soon"),
        (("schema_version",), 2),
        (("created_at",), "2025-01-01T10:00:00"),  # naive: no timezone
        (("consent", "hospitals"), []),
        (("consent", "hospitals"), ["titan", "titan"]),
        (("consensus", 0, "agree"), 3),  # more than total
        (("findings", 0, "confidence"), 1.5),
        (("findings", 0, "kind"), "classify"),
        (("messages", 0, "sender"), "doctor"),
        (("images", 0, "sha256"), "not-a-digest"),
        (("contact", "email"), "not an email"),
        (("location", "lat"), 91),
        (("conversation_id",), "has spaces/and slashes"),
    ],
)
def test_invalid_fields_are_refused(path: tuple, value: object) -> None:
    data = transcript(["titan"])
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError):
        Transcript.model_validate(data)


def test_unknown_fields_are_refused() -> None:
    data = transcript(["titan"])
    data["diagnosis"] = "surely fine"
    with pytest.raises(ValidationError) as info:
        Transcript.model_validate(data)
    assert info.value.errors()[0]["type"] == "extra_forbidden"


def test_optional_parts_may_be_missing() -> None:
    data = transcript(["titan"])
    for key in (
        "contact",
        "messages",
        "images",
        "findings",
        "consensus",
        "symptoms",
        "definitions",
        "location",
    ):
        del data[key]
    t = Transcript.model_validate(data)
    assert t.contact.name is None and t.location is None and t.findings == []


def test_json_schema_is_published() -> None:
    schema = json_schema()
    assert {"schema_version", "conversation_id", "consent", "findings"} <= set(schema["properties"])
    assert "consent" in schema["required"]
