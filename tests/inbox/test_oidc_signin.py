"""Doctors sign in through the hospital's OpenID Connect provider when one is configured: a real
provider (tests/inbox/oidc_provider.py) and the real inbox under uvicorn, driven over HTTP like a
browser. Every refused ID token is refused with the reason on the page and in the audit log."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from inbox_helpers import PASSWORD, make_settings, sign_in
from oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from sqlalchemy import select
from utils.net import free_port

from inbox.accounts import OIDC_MANAGED, AccountError, Accounts, doctors
from inbox.app import InboxConfigError, create_app


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider()
    yield p
    p.close()


def _oidc_settings(tmp_path: Path, issuer: str, inbox_url: str, **extra: Any) -> Any:
    values = {"inbox_oidc_issuer": issuer, "inbox_oidc_client_id": CLIENT_ID,
              "inbox_oidc_client_secret": CLIENT_SECRET, "inbox_oidc_name": "Spital ID",
              "inbox_public_url": inbox_url, "inbox_oidc_email_domains": "spital.example",
              **extra}  # fmt: skip
    return make_settings(tmp_path).model_copy(update=values)


@pytest.fixture
def served(provider: Provider, tmp_path: Path) -> Iterator[tuple[str, FastAPI]]:
    """The titan inbox on a free port with the provider configured; doctor ana has her email."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(_oidc_settings(tmp_path, provider.issuer, url), "titan", send_replies=False)
    accounts: Accounts = app.state.workbench.accounts
    accounts.add_doctor("ana", "Dr Ana Ionescu", PASSWORD)
    accounts.set_email("ana", "ana@spital.example")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the inbox did not start"
        time.sleep(0.02)
    yield url, app
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser(served: tuple[str, FastAPI]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served[0], follow_redirects=False, timeout=10) as client:
        yield client


def _to_callback(browser: httpx.Client, next_path: str = "/") -> str:
    """Start at the inbox and go through the provider's authorize endpoint: the callback URL."""
    start = browser.get("/auth/oidc/start", params={"next": next_path})
    assert start.status_code == 303, start.text
    authorize = browser.get(start.headers["location"])
    assert authorize.status_code == 302
    return str(authorize.headers["location"])


def _trail(served: tuple[str, FastAPI]) -> list[dict[str, Any]]:
    return served[1].state.workbench.accounts.trail()  # type: ignore[no-any-return]


def test_the_sign_in_page_offers_the_provider_and_a_doctor_signs_in(
    served: tuple[str, FastAPI], browser: httpx.Client, provider: Provider
) -> None:
    page = browser.get("/signin?next=/%3Fstatus%3Dall")
    assert "Sign in with Spital ID" in page.text and "name='password'" in page.text
    start = browser.get("/auth/oidc/start", params={"next": "/?status=all"})
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["redirect_uri"] == [f"{served[0]}/auth/oidc/callback"] and query["scope"] == [
        "openid email profile"
    ]
    assert query["code_challenge_method"] == ["S256"] and "code_verifier" not in query
    callback = browser.get(browser.get(start.headers["location"]).headers["location"])
    assert callback.status_code == 200 and "Signed in" in callback.text
    assert "content='0;url=/?status=all'" in callback.text  # on to the page asked for, same-site
    assert "qaid_inbox_session" in browser.cookies and provider.token_requests == 1
    queue = browser.get("/?status=all")
    assert queue.status_code == 200 and "Signed in as <b>Dr Ana Ionescu</b>" in queue.text
    first = _trail(served)[0]
    assert (first["actor"], first["action"], first["detail"]) == ("ana", "signed_in", "OIDC, sub=sub-ana")


def test_an_es256_token_signs_in_and_a_new_doctor_of_the_allowed_domain_gets_an_account(
    served: tuple[str, FastAPI], browser: httpx.Client, provider: Provider
) -> None:
    provider.tweak = {"alg": "ES256"}
    provider.user = {"sub": "sub-radu", "email": "Radu.Pop@spital.example", "name": "Dr Radu Pop"}
    assert browser.get(_to_callback(browser)).status_code == 200
    assert "Signed in as <b>Dr Radu Pop</b>" in browser.get("/").text
    accounts: Accounts = served[1].state.workbench.accounts
    with accounts.engine.connect() as conn:
        stored = conn.scalar(select(doctors.c.password_hash).where(doctors.c.username == "radu.pop"))
    assert stored == OIDC_MANAGED and accounts.authenticate("radu.pop", OIDC_MANAGED) is None
    actions = [(a["actor"], a["action"]) for a in _trail(served)][:2]
    assert actions == [("radu.pop", "signed_in"), ("oidc", "doctor_added")]


_NOW_MINUS_HOUR = (-4000, -3600)


@pytest.mark.parametrize(
    ("tweak", "reason"),
    [
        ({"claims": {"nonce": "another-sign-in"}}, "nonce does not match"),
        ({"claims": {"aud": "another-client"}}, "wrong audience"),
        ({"claims": {"aud": [CLIENT_ID, "another-client"]}}, "issued to another client (azp)"),
        ({"claims": {"iss": "https://idp.evil.example"}}, "wrong issuer"),
        ({"times": _NOW_MINUS_HOUR}, "has expired"),
        ({"key": "other"}, "signature does not verify"),
        ({"alg": "none"}, "algorithm 'none' is refused"),
        ({"alg": "HS256"}, "algorithm 'HS256' is refused"),
        ({"claims": {"email": "eve@evil.example"}}, "outside the hospital's allowed domains"),
        ({"claims": {"email_verified": False}}, "has not verified the email"),
    ],
)
def test_a_bad_id_token_is_refused_with_the_reason_and_logged(
    served: tuple[str, FastAPI], browser: httpx.Client, provider: Provider, tweak: dict[str, Any], reason: str
) -> None:
    provider.tweak = tweak
    refused = browser.get(_to_callback(browser))
    assert refused.status_code == 403 and "Sign-in with Spital ID failed" in refused.text
    assert reason in refused.text.replace("&#x27;", "'")
    assert "qaid_inbox_session" not in browser.cookies
    assert browser.get("/", follow_redirects=False).status_code == 303  # still not signed in
    failed = _trail(served)[0]
    assert failed["action"] == "signin_failed" and reason in failed["detail"]
    assert "eyJ" not in failed["detail"]  # no token in the log


def test_a_wrong_or_replayed_state_and_another_browser_are_refused(
    served: tuple[str, FastAPI], browser: httpx.Client, provider: Provider
) -> None:
    callback = urlsplit(_to_callback(browser))
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    forged = browser.get(f"{callback.path}?{urlencode({**query, 'state': 'forged-state'})}")
    assert forged.status_code == 403 and "state mismatch" in forged.text
    # The state is unknown to the inbox: the provider's code was never exchanged.
    assert provider.token_requests == 0
    elsewhere = _to_callback(browser)
    with httpx.Client(base_url=served[0], follow_redirects=False) as other:  # no binding cookie
        assert "started in another browser" in other.get(elsewhere).text
    assert browser.get(elsewhere).status_code == 403  # a state is used once
    assert provider.token_requests == 0
    assert [a["action"] for a in _trail(served)][:3] == ["signin_failed"] * 3


@pytest.mark.parametrize(
    ("discovery", "reason"),
    [
        ((200, {"issuer": "https://idp.evil.example"}), "names another issuer"),
        ((302, {}), "answered HTTP 302"),  # a redirect is not followed
        ((200, {"token_endpoint": "http://idp.example/token"}), "token_endpoint must be an https URL"),
    ],
)
def test_a_bad_discovery_document_stops_the_sign_in_at_the_start(
    served: tuple[str, FastAPI], browser: httpx.Client, provider: Provider, discovery: Any, reason: str
) -> None:
    provider.tweak = {"discovery": discovery}
    start = browser.get("/auth/oidc/start")
    assert start.status_code == 403 and reason in start.text
    assert _trail(served)[0]["detail"].startswith("OIDC: the provider's discovery")


def test_without_a_provider_the_routes_do_not_exist_and_the_page_is_as_before(inbox: TestClient) -> None:
    assert "Sign in with" not in inbox.get("/signin").text
    assert inbox.get("/auth/oidc/start", follow_redirects=False).status_code == 404
    assert inbox.get("/auth/oidc/callback?state=x&code=y", follow_redirects=False).status_code == 404
    assert sign_in(inbox).status_code == 303  # passwords work as before


def test_an_incomplete_or_plain_http_provider_setting_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(InboxConfigError, match="QAID_INBOX_PUBLIC_URL"):
        create_app(_oidc_settings(tmp_path, "https://idp.example", ""), "titan")
    with pytest.raises(InboxConfigError, match="must be an https URL"):
        create_app(_oidc_settings(tmp_path, "http://idp.example", "https://inbox.example"), "titan")
    with pytest.raises(InboxConfigError, match="QAID_INBOX_OIDC_CLIENT_ID"):
        bare = _oidc_settings(
            tmp_path, "https://idp.example", "https://inbox.example", inbox_oidc_client_id=""
        )
        create_app(bare, "titan")


def test_a_doctors_email_is_checked_and_belongs_to_one_doctor(inbox: TestClient) -> None:
    accounts: Accounts = inbox.app.state.workbench.accounts  # type: ignore[attr-defined]
    accounts.set_email("ana", "Ana@Spital.example")
    with pytest.raises(AccountError, match="another doctor already has"):
        accounts.set_email("bogdan", "ana@spital.example")
    with pytest.raises(AccountError, match="name@domain"):
        accounts.set_email("bogdan", "bogdan")
    with pytest.raises(AccountError, match="no doctor"):
        accounts.set_email("nobody", "nobody@spital.example")
    ana = accounts.oidc_doctor("https://idp", "sub-1", "ana@spital.example", "", create=False)
    assert ana["username"] == "ana"
    with pytest.raises(AccountError, match="linked to another provider account"):
        accounts.oidc_doctor("https://idp", "sub-2", "ana@spital.example", "", create=False)
    with pytest.raises(AccountError, match="linked to a doctor with another email"):
        accounts.oidc_doctor("https://idp", "sub-1", "ana.new@spital.example", "", create=True)
    with pytest.raises(AccountError, match="no doctor account has this email"):
        accounts.oidc_doctor("https://idp", "sub-3", "carol@spital.example", "", create=False)
