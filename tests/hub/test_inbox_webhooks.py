"""The hospital inbox refuses unsigned, tampered, stale and mis-addressed webhooks, dedupes replays,
and renders (escaped) pages for doctors."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook
from tr_helpers import transcript

from inbox.app import create_app as create_inbox
from qaid import webhooks
from qaid.config import Settings, webhook_secret


@pytest.fixture
def titan(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_inbox(settings, "titan")) as client:
        yield client


def _signed(
    settings: Settings,
    data: dict,
    msg_id: str = "msg_1",
    *,
    secret: str | None = None,
    at: datetime | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {"type": "transcript.created", "timestamp": "2025-01-01T00:00:00+00:00", "data": data}
    ).encode()
    secret = secret or webhook_secret(settings.webhook_secret_seed, "titan")
    return body, webhooks.headers(msg_id, [secret], body, now=at)


def test_a_signed_delivery_is_stored_and_listed(titan: TestClient, settings: Settings) -> None:
    body, headers = _signed(settings, transcript(["titan"]))
    r = titan.post("/webhooks/transcripts", content=body, headers=headers)
    assert r.status_code == 200 and r.json() == {"status": "received", "webhook_id": "msg_1"}
    listed = titan.get("/api/transcripts").json()
    assert [e["webhook_id"] for e in listed] == ["msg_1"] and listed[0]["verified"] is True


def test_the_signed_original_is_kept_and_still_verifies(titan: TestClient, settings: Settings) -> None:
    data = transcript(["titan"])
    body, headers = _signed(settings, data, at=datetime.now(UTC))
    assert titan.post("/webhooks/transcripts", content=body, headers=headers).status_code == 200
    signed = titan.get("/api/transcripts/msg_1").json()["signed_original"]
    assert base64.b64decode(signed["body_b64"]) == body
    secret = webhook_secret(settings.webhook_secret_seed, "titan")
    event = Webhook(secret).verify(base64.b64decode(signed["body_b64"]), signed["headers"])
    assert event["data"]["conversation_id"] == data["conversation_id"]


def test_unsigned_requests_are_refused(titan: TestClient, settings: Settings) -> None:
    body, headers = _signed(settings, transcript(["titan"]))
    del headers["webhook-signature"]
    r = titan.post("/webhooks/transcripts", content=body, headers=headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "missing_signature"
    assert titan.get("/api/transcripts").json() == []


def test_tampered_body_is_refused(titan: TestClient, settings: Settings) -> None:
    body, headers = _signed(settings, transcript(["titan"], urgency="routine"))
    tampered = body.replace(b'"routine"', b'"urgent"')
    assert tampered != body
    r = titan.post("/webhooks/transcripts", content=tampered, headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_signature"
    assert titan.get("/api/transcripts").json() == []


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_stale_or_future_timestamps_are_refused(
    titan: TestClient, settings: Settings, offset: timedelta
) -> None:
    body, headers = _signed(settings, transcript(["titan"]), at=datetime.now(UTC) + offset)
    r = titan.post("/webhooks/transcripts", content=body, headers=headers)
    assert r.status_code == 401 and "timestamp" in r.json()["error"]["message"]


def test_wrong_secret_and_malformed_signatures_are_refused(titan: TestClient, settings: Settings) -> None:
    other = webhook_secret(settings.webhook_secret_seed, "cismigiu")
    body, headers = _signed(settings, transcript(["titan"]), secret=other)
    assert titan.post("/webhooks/transcripts", content=body, headers=headers).status_code == 401
    headers["webhook-signature"] = "garbage"
    r = titan.post("/webhooks/transcripts", content=body, headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_signature"


def test_replayed_webhook_id_is_stored_once(titan: TestClient, settings: Settings) -> None:
    data = transcript(["titan"])
    for _ in range(3):
        body, headers = _signed(settings, data, msg_id="msg_replayed")
        r = titan.post("/webhooks/transcripts", content=body, headers=headers)
        assert r.status_code == 200
    assert r.json()["status"] == "duplicate"
    assert len(titan.get("/api/transcripts").json()) == 1


def test_rotation_accepts_either_active_secret(settings: Settings) -> None:
    new = "whsec_" + base64.b64encode(b"n" * 32).decode()
    old = webhook_secret(settings.webhook_secret_seed, "titan")
    with TestClient(create_inbox(settings, "titan", secrets=[new, old])) as client:
        body, headers = _signed(settings, transcript(["titan"]), secret=old)
        assert client.post("/webhooks/transcripts", content=body, headers=headers).status_code == 200
        # the hub signs with every active secret at once; any one match suffices
        body2 = body.replace(b"2025-01-01", b"2025-01-02")
        headers2 = webhooks.headers("msg_2", [new, "whsec_" + base64.b64encode(b"x" * 32).decode()], body2)
        assert client.post("/webhooks/transcripts", content=body2, headers=headers2).status_code == 200


def test_transcripts_not_consented_for_this_hospital_are_refused(
    titan: TestClient, settings: Settings
) -> None:
    body, headers = _signed(settings, transcript(["cismigiu"]))
    r = titan.post("/webhooks/transcripts", content=body, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_consented"
    bad = transcript(["titan"])
    bad["urgency"] = "meh"
    body, headers = _signed(settings, bad, msg_id="msg_bad")
    r = titan.post("/webhooks/transcripts", content=body, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_transcript"
    assert titan.get("/api/transcripts").json() == []


def test_a_signed_event_with_a_malformed_envelope_is_refused(titan: TestClient, settings: Settings) -> None:
    # Found by schemathesis (tests/hardening): a signed event whose timestamp was a list was stored.
    secret = webhook_secret(settings.webhook_secret_seed, "titan")
    for i, envelope in enumerate(({"timestamp": ["2025"]}, {"links": "x"}, {"links": {"images": [1]}})):
        event = {"type": "transcript.created", "timestamp": "2025-01-01T00:00:00+00:00"} | envelope
        body = json.dumps(event | {"data": transcript(["titan"])}).encode()
        headers = webhooks.headers(f"m{i}", [secret], body)
        r = titan.post("/webhooks/transcripts", content=body, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_event", r.text
    assert titan.get("/api/transcripts").json() == []


def test_doctor_pages_list_urgent_first_and_escape_patient_text(
    titan: TestClient, settings: Settings
) -> None:
    routine = transcript(["titan"], conversation_id="conv-routine")
    urgent = transcript(["titan"], conversation_id="conv-urgent", urgency="urgent")
    urgent["messages"][0]["text"] = "<script>alert('x')</script>"
    for i, data in enumerate([urgent, routine]):  # the routine one arrives last (newest)
        body, headers = _signed(settings, data, msg_id=f"msg_{i}")
        assert titan.post("/webhooks/transcripts", content=body, headers=headers).status_code == 200

    assert [e["conversation_id"] for e in titan.get("/api/transcripts").json()] == [
        "conv-urgent",
        "conv-routine",
    ]
    page = titan.get("/").text
    assert page.index("/transcripts/msg_0") < page.index("/transcripts/msg_1")  # the urgent one first

    detail = titan.get("/transcripts/msg_0")
    assert detail.status_code == 200
    assert "<script>alert" not in detail.text and "&lt;script&gt;" in detail.text
    assert "Is there a tumor?" in detail.text and "91% sure" in detail.text and "1 of 1" in detail.text
    r = titan.get("/transcripts/msg_unknown")
    assert r.status_code == 404 and r.json()["error"]["code"] == "transcript_not_found"


def test_a_delivery_the_inbox_cannot_store_gets_503_so_the_hub_retries(
    titan: TestClient, settings: Settings
) -> None:
    from test_hub_storage_faults import broken

    body, headers = _signed(settings, transcript(["titan"]), at=datetime.now(UTC))
    with broken(titan.app.state.store.engine, "readonly"):
        r = titan.post("/webhooks/transcripts", content=body, headers=headers)
    assert r.status_code == 503 and r.json()["error"]["code"] == "storage_unavailable", r.text
    assert titan.get("/api/transcripts").json() == []
    # The hub's retry of the same message is then stored (not refused as a replay).
    assert titan.post("/webhooks/transcripts", content=body, headers=headers).status_code == 200
    assert [e["webhook_id"] for e in titan.get("/api/transcripts").json()] == ["msg_1"]
