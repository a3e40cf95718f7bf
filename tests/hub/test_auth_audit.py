"""The authentication audit as a test: every operation of the hub's and an inbox's OpenAPI schema,
called without credentials, is refused - except the few that are public by design, listed here with
the reason. A new route added without a check fails this test until it is protected or listed."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from inbox.app import create_app as create_inbox
from qaid.config import Settings

# (method, path) -> why anonymous callers may use it
HUB_PUBLIC = {
    ("GET", "/health"): "liveness",
    ("GET", "/metrics"): "Prometheus: counts and latencies by route template, no patient data",
    ("GET", "/api/v1/webchat-config"): "where the browser finds Rasa: no data",
    ("GET", "/api/v1/hospitals"): "public directory: names, places, offers; no endpoints or credentials",
    ("POST", "/api/v1/images"): "the web chat uploads as the patient: size, type and rate limited",
}
# Public but guarded by something else than a bearer token: the anonymous call must still fail.
HUB_CAPABILITY = {
    ("GET", "/api/v1/images/{image_id}"): 403,  # the image token (HMAC of the id)
    ("POST", "/api/v1/hospitals/{hospital_id}/replies"): 400,  # the hospital's webhook signature
}


def _operations(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if m in ("get", "post", "put")]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_every_hub_operation_needs_credentials_unless_public(hub: TestClient) -> None:
    anonymous = TestClient(hub.app)
    operations = _operations(hub)
    assert ("POST", "/api/v1/transcripts") in operations and len(operations) >= 12
    for method, path in operations:
        if (method, path) in HUB_PUBLIC:
            continue
        r = anonymous.request(method, _concrete(path), json={})
        expected = HUB_CAPABILITY.get((method, path), 401)
        assert r.status_code == expected, f"{method} {path} answered {r.status_code} without credentials"
        assert r.json()["error"]["code"] in ("unauthorized", "invalid_image_token", "missing_signature")


INBOX_PUBLIC = {("GET", "/health"): "liveness", ("GET", "/signin"): "the doctors' sign-in form"}
INBOX_SIGNED = {
    ("POST", "/webhooks/transcripts"): 400,  # the Standard Webhooks signature instead
    ("POST", "/signin"): 403,  # the password, behind the form's CSRF check (no sign-in cookie here)
}
INBOX_TOKEN = "inbox-token-for-tests"


def test_every_inbox_operation_needs_credentials_when_a_token_is_set(tmp_path: Path, settings: Settings):
    app = create_inbox(settings, "titan", db_path=tmp_path / "inbox.sqlite3", access_token=INBOX_TOKEN)
    with TestClient(app) as client:
        operations = _operations(client)
        assert {("GET", "/api/transcripts"), ("GET", "/")} <= set(operations)
        for method, path in operations:
            if (method, path) in INBOX_PUBLIC:
                continue
            r = client.request(method, _concrete(path), json={})
            expected = INBOX_SIGNED.get((method, path), 401)
            assert r.status_code == expected, f"{method} {path} answered {r.status_code} without credentials"
        # a doctor's browser: HTTP Basic with the token as password; tools: Bearer
        refused = client.get("/", auth=("doctor", "wrong"))
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")
        assert client.get("/", auth=("doctor", INBOX_TOKEN)).status_code == 200
        bearer = {"Authorization": f"Bearer {INBOX_TOKEN}"}
        assert client.get("/api/transcripts", headers=bearer).json() == []
        assert client.get("/api/transcripts", headers={"Authorization": "Basic !!"}).status_code == 401


def test_without_a_token_the_demo_inbox_stays_open(tmp_path: Path, settings: Settings) -> None:
    assert settings.inbox_token == ""
    with TestClient(create_inbox(settings, "titan", db_path=tmp_path / "inbox.sqlite3")) as client:
        assert client.get("/api/transcripts").status_code == 200
