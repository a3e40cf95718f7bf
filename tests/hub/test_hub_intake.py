"""Transcript intake: auth, consent, directory check, idempotency and the one-transaction outbox."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from tr_helpers import ADMIN, SERVICE, transcript

from hub import intake
from hub.models import Delivery, TranscriptRow
from qaid.transcript.schema import Transcript


def _count(hub: TestClient, model: type) -> int:
    with hub.app.state.hub.sessions() as db:
        return db.scalar(select(func.count()).select_from(model))


def test_post_stores_transcript_and_one_pending_delivery_per_consented_hospital(hub: TestClient) -> None:
    body = transcript(["cismigiu", "titan"], urgency="urgent")
    r = hub.post("/api/v1/transcripts", json=body, headers=SERVICE)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["id"].startswith("tr_") and out["duplicate"] is False
    assert sorted(d["hospital_id"] for d in out["deliveries"]) == ["cismigiu", "titan"]
    assert {d["status"] for d in out["deliveries"]} == {"pending"}
    assert _count(hub, TranscriptRow) == 1 and _count(hub, Delivery) == 2

    detail = hub.get(f"/api/v1/transcripts/{out['id']}", headers=ADMIN)
    assert detail.status_code == 200
    got = detail.json()
    assert got["urgency"] == "urgent" and got["conversation_id"] == body["conversation_id"]
    assert Transcript.model_validate(got["transcript"]) == Transcript.model_validate(body)
    assert {d["id"] for d in got["deliveries"]} == {d["id"] for d in out["deliveries"]}


def test_transcript_body_is_encrypted_at_rest(hub: TestClient) -> None:
    body = transcript(["titan"])
    hub.post("/api/v1/transcripts", json=body, headers=SERVICE)
    with hub.app.state.hub.sessions() as db:
        row = db.scalars(select(TranscriptRow)).one()
        assert b"headaches" not in row.body_enc and b"Ana Pop" not in row.body_enc


def test_second_post_of_a_conversation_returns_the_same_transcript(hub: TestClient) -> None:
    body = transcript(["titan"])
    first = hub.post("/api/v1/transcripts", json=body, headers=SERVICE)
    second = hub.post("/api/v1/transcripts", json=body, headers=SERVICE)
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and second.json()["duplicate"] is True
    # even a changed retry does not create a second transcript or notify hospitals twice
    body["consent"]["hospitals"] = ["titan", "herastrau"]
    third = hub.post("/api/v1/transcripts", json=body, headers=SERVICE)
    assert third.status_code == 200 and third.json()["id"] == first.json()["id"]
    assert _count(hub, TranscriptRow) == 1 and _count(hub, Delivery) == 1


def test_no_consent_means_no_row(hub: TestClient) -> None:
    r = hub.post("/api/v1/transcripts", json=transcript(["titan"], given=False), headers=SERVICE)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "consent_required"
    assert _count(hub, TranscriptRow) == 0 and _count(hub, Delivery) == 0


def test_hospitals_outside_the_directory_are_refused(hub: TestClient) -> None:
    r = hub.post("/api/v1/transcripts", json=transcript(["titan", "atlantis"]), headers=SERVICE)
    assert r.status_code == 422
    assert r.json()["error"] == {
        "code": "unknown_hospital",
        "message": "Not in the hospital directory: atlantis.",
    }
    assert _count(hub, TranscriptRow) == 0 and _count(hub, Delivery) == 0


def test_intake_requires_the_service_token(hub: TestClient) -> None:
    for headers in ({}, ADMIN, {"Authorization": "Bearer "}):
        r = hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert _count(hub, TranscriptRow) == 0


def test_malformed_and_invalid_bodies_use_the_error_shape(hub: TestClient) -> None:
    r = hub.post(
        "/api/v1/transcripts",
        content=b'{"schema_version": 1,',
        headers=SERVICE | {"content-type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
    bad = transcript(["titan"])
    bad["urgency"] = "whenever"
    r = hub.post("/api/v1/transcripts", json=bad, headers=SERVICE)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request" and "urgency" in r.json()["error"]["message"]
    r = hub.post("/api/v1/transcripts", content=b"x" * (3 * 1024 * 1024), headers=SERVICE)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_unknown_routes_and_methods_use_the_error_shape(hub: TestClient) -> None:
    r = hub.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = hub.delete("/api/v1/hospitals")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_transcript_and_outbox_rows_commit_together(hub: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """If writing a delivery fails, the transcript is not stored either (one transaction)."""
    monkeypatch.setattr(intake, "delivery_id_for", lambda transcript_id, hospital_id: "msg_same")
    ctx = hub.app.state.hub
    with ctx.sessions() as db, pytest.raises(IntegrityError):
        intake.accept(db, ctx.box, Transcript.model_validate(transcript(["titan", "cismigiu"])))
    assert _count(hub, TranscriptRow) == 0 and _count(hub, Delivery) == 0


def test_admin_views_require_the_admin_token(hub: TestClient) -> None:
    tid = hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE).json()["id"]
    assert hub.get(f"/api/v1/transcripts/{tid}", headers=SERVICE).status_code == 401
    assert hub.get("/api/v1/deliveries", headers=SERVICE).status_code == 401
    r = hub.get("/api/v1/transcripts/tr_nope", headers=ADMIN)
    assert r.status_code == 404 and r.json()["error"]["code"] == "transcript_not_found"


def test_delivery_listing_filters_by_status(hub: TestClient) -> None:
    hub.post("/api/v1/transcripts", json=transcript(["titan", "cismigiu"]), headers=SERVICE)
    r = hub.get("/api/v1/deliveries", params={"status": "pending"}, headers=ADMIN)
    assert r.status_code == 200 and len(r.json()["deliveries"]) == 2 and r.json()["counts"] == {"pending": 2}
    assert (
        hub.get("/api/v1/deliveries", params={"status": "delivered"}, headers=ADMIN).json()["deliveries"]
        == []
    )
    r = hub.get("/api/v1/deliveries", params={"status": "lost"}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_health_and_index(hub: TestClient) -> None:
    assert hub.get("/health").json()["status"] == "ok"
    page = hub.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Q&amp;Aid" in page.text


def test_a_deeply_nested_finding_detail_is_a_422_not_a_500(hub: TestClient) -> None:
    # Found by fuzzing the hub: ~900 levels of nesting in findings[].detail (a few kB) passed
    # validation and then overflowed the serialiser when the transcript was stored (500).
    data = transcript(["titan"])
    data["findings"][0]["detail"] = {"x": "NESTED"}
    body = json.dumps(data).replace('"NESTED"', "[" * 900 + "]" * 900)
    headers = SERVICE | {"content-type": "application/json"}
    r = hub.post("/api/v1/transcripts", content=body.encode(), headers=headers)
    assert r.status_code == 422 and "nests deeper" in r.json()["error"]["message"], r.text
    data["findings"][0]["detail"] = {"topic": "brain_mri", "scores": {"yes": [0.9, {"ok": True}]}}
    assert hub.post("/api/v1/transcripts", json=data, headers=SERVICE).status_code == 201
