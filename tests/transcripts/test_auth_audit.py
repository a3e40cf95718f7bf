"""The authentication audit as a test: every operation of the hub's OpenAPI schema,
called without credentials, is refused - except the few that are public by design, listed here with
the reason. A new route added without a check fails this test until it is protected or listed."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

# (method, path) -> why anonymous callers may use it
HUB_PUBLIC = {
    ("GET", "/health"): "liveness",
    ("GET", "/api/v1/webchat-config"): "where the browser finds Rasa: no data",
    ("GET", "/api/v1/hospitals"): "public directory: names, places, offers; no endpoints or credentials",
    ("POST", "/api/v1/images"): "the web chat uploads as the patient: size, type and rate limited",
}
# Public but guarded by something else than a bearer token: the anonymous call must still fail.
HUB_CAPABILITY = {("GET", "/api/v1/images/{image_id}"): 403}  # the image token (HMAC of the id)


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
        assert r.json()["error"]["code"] in ("unauthorized", "invalid_image_token")
