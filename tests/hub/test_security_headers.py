"""Issue 16, over HTTP: security headers on every page, no Host-header reflection, CORS limited to the
hub's own origin."""

from __future__ import annotations

from fastapi.testclient import TestClient

from demo.network import components
from inbox import pages
from inbox.app import create_app as create_inbox
from qaid import headers
from qaid.config import Settings


def _assert_protected(response_headers: dict[str, str]) -> str:
    policy = response_headers["content-security-policy"]
    assert (
        "frame-ancestors 'none'" in policy
        and "script-src 'self';" in policy
        and "'unsafe-inline'" not in policy
    )
    assert response_headers["x-frame-options"] == "DENY"
    assert response_headers["referrer-policy"] == "no-referrer"
    assert response_headers["x-content-type-options"] == "nosniff"
    return policy


def test_every_hub_response_carries_the_headers(hub: TestClient, settings: Settings) -> None:
    for path in ("/", "/webchat/chat.js", "/api/v1/webchat-config", "/health", "/api/v1/images/img_x"):
        policy = _assert_protected(dict(hub.get(path).headers))
        # the page talks to Rasa's socket.io server (HTTP and WebSocket) and nowhere else
        socket = settings.socketio_url
        assert f"connect-src 'self' {socket} {socket.replace('http', 'ws', 1)}" in policy


def test_the_host_header_is_not_reflected(hub: TestClient, settings: Settings) -> None:
    config = hub.get("/api/v1/webchat-config", headers={"Host": "evil.example:5005"}).json()
    assert config["rasa_url"] == settings.socketio_url  # Rasa's socket.io port (issue 18)


def test_the_inbox_pages_carry_the_headers_and_allow_only_their_own_style(settings: Settings) -> None:
    with TestClient(create_inbox(settings, "titan", access_token="doctor-token")) as inbox:
        page = inbox.get("/", headers={"Authorization": "Bearer doctor-token"})
        refused = inbox.get("/")
    policy = _assert_protected(dict(page.headers))
    assert (
        headers.style_hash(pages.STYLE) in policy
        and f"img-src 'self' data: blob: {settings.hub_public_url}" in policy
    )
    assert refused.status_code == 401 and "content-security-policy" in refused.headers


def test_rasa_allows_cross_origin_requests_from_the_hub_page_only(settings: Settings) -> None:
    rasa = next(c for c in components(settings) if c.name == "rasa")
    cors = rasa.argv[rasa.argv.index("--cors") + 1]
    assert cors == settings.hub_public_url and "*" not in rasa.argv
