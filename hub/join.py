"""Joining the network with one checked step: a registration goes live only once its setup is proven.

:func:`run_checks` asks, over the network, what a patient's conversation will rely on:

* ``hip_reachable`` / ``hip_requires_token``: the HIP answers at its URL, and refuses a caller
  without a token (401) - a HIP open to anyone is not joined;
* ``hip_token``: ``GET /v1/capabilities`` with the registered token answers 200 with capabilities;
* ``hip_identity``: the bundle is this hospital's (its ``hip_id`` is the registration id), so a
  bundle trained with the default ``--hip-id`` is caught before patients see it;
* ``webhook_signed``: a ``webhook.test`` event signed with every registered secret is answered 2xx;
* ``webhook_verifies``: the same event signed with a secret nobody registered is refused (4xx),
  which shows that the endpoint verifies signatures instead of accepting anything.

:func:`apply` then stores the HIP's own offers (task -> topics, from its capabilities), its bundle
version and model hashes, and sets ``active`` (all passed) or leaves the hospital inactive with the
first failure as ``status_reason``. Re-running the checks (``POST .../{id}/verify``) after a hot swap
refreshes the offers.
"""

from __future__ import annotations

import ipaddress
import secrets as _secrets
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session

from hub import directory
from hub.crypto import DataBox
from hub.models import Hospital
from hub.schemas import JoinCheck
from qaid import webhooks
from qaid.db import utcnow

TIMEOUT_S = 5.0


@dataclass
class Outcome:
    checks: list[JoinCheck] = field(default_factory=list)
    capabilities: dict[str, Any] | None = None

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(JoinCheck(name=name, ok=ok, detail=detail))
        return ok

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def reason(self) -> str | None:
        failed = [c for c in self.checks if not c.ok]
        return f"{failed[0].name}: {failed[0].detail}" if failed else None


def private_target(url: str) -> str | None:
    """Why the hub must not call ``url`` for a hospital (None: it may): every address its host name
    resolves to must be a public one. A hospital token must not turn the join checks into a way of
    reaching the hub's own network (loopback, private, link-local, metadata addresses); an operator
    whose hospitals sit on a private network allows it with ``QAID_JOIN_ALLOW_PRIVATE``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError, ValueError):
        return f"{host!r} does not resolve"
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return f"{host!r} resolves to {address}, which is not a public address"
    return None


def _describe(exc: httpx.HTTPError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def check_hip(client: httpx.Client, out: Outcome, hospital_id: str, hip_url: str, token: str) -> None:
    url = hip_url.rstrip("/") + "/v1/capabilities"
    try:
        anonymous = client.get(url)
    except httpx.HTTPError as exc:
        out.add("hip_reachable", False, f"no answer from {url} ({_describe(exc)}); is the HIP running there?")
        return
    out.add("hip_reachable", True, f"{url} answered {anonymous.status_code}")
    if not out.add(
        "hip_requires_token",
        anonymous.status_code == 401,
        "refuses callers without a token"
        if anonymous.status_code == 401
        else f"answered {anonymous.status_code} without a token; a HIP must require its bearer token",
    ):
        return
    if not token:
        out.add("hip_token", False, "no hip_token registered: give the bearer token your HIP requires")
        return
    try:
        r = client.get(url, headers={"Authorization": f"Bearer {token}"})
        caps = r.json() if r.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        out.add("hip_token", False, f"GET {url} failed: {exc}")
        return
    if not isinstance(caps, dict) or not isinstance(caps.get("offers"), dict):
        detail = "refused the registered token (401)" if r.status_code == 401 else f"answered {r.status_code}"
        out.add("hip_token", False, f"{detail}; expected 200 with the HIP's capabilities")
        return
    out.add("hip_token", True, f"capabilities read: bundle {caps.get('bundle_version')}")
    out.capabilities = caps
    hip_id = caps.get("hip_id")
    out.add(
        "hip_identity",
        hip_id == hospital_id,
        f"the bundle is {hospital_id}'s"
        if hip_id == hospital_id
        else f"the HIP serves a bundle of hip_id {hip_id!r}, not {hospital_id!r}: build it with "
        f"python -m ml.train_cli --hip-id {hospital_id} (or fix the registration id)",
    )


def check_webhook(client: httpx.Client, out: Outcome, hospital_id: str, url: str, secrets: list[str]) -> None:
    body = webhooks.test_payload(hospital_id, _secrets.token_urlsafe(16))
    msg_id = f"msg_test_{_secrets.token_hex(12)}"
    try:
        r = client.post(url, content=body, headers=webhooks.headers(msg_id, secrets, body))
    except httpx.HTTPError as exc:
        out.add("webhook_signed", False, f"no answer from {url} ({_describe(exc)}); is the inbox running?")
        return
    if not out.add(
        "webhook_signed",
        r.is_success,
        f"signed test event answered {r.status_code}"
        + ("" if r.is_success else "; does it verify with the registered secret?"),
    ):
        return
    forged = webhooks.headers(f"{msg_id}_forged", [webhooks.new_secret()], body)
    try:
        bad = client.post(url, content=body, headers=forged)
    except httpx.HTTPError as exc:
        out.add("webhook_verifies", False, f"no answer to the wrongly signed event ({_describe(exc)})")
        return
    refused = 400 <= bad.status_code < 500
    out.add(
        "webhook_verifies",
        refused,
        f"a wrongly signed event was refused ({bad.status_code})"
        if refused
        else f"a wrongly signed event answered {bad.status_code}: the endpoint must verify signatures "
        "(Standard Webhooks) and refuse what does not verify",
    )


def run_checks(h: Hospital, creds: dict[str, Any], tls: Any = True) -> Outcome:
    """Every check against the hospital's registered URLs and credentials (network calls)."""
    out = Outcome()
    with httpx.Client(timeout=TIMEOUT_S, verify=tls, follow_redirects=False) as client:
        check_hip(client, out, h.id, h.hip_url, str(creds.get("hip_token", "")))
        check_webhook(client, out, h.id, h.webhook_url, list(creds.get("webhook_secrets", [])))
    return out


def summary(caps: dict[str, Any]) -> dict[str, Any]:
    """What the hub keeps of the capabilities: the bundle version and each model's identity."""
    models = [
        {k: m.get(k) for k in ("name", "task", "version", "sha256")}
        for m in caps.get("models", [])
        if isinstance(m, dict)
    ]
    return {"bundle_version": caps.get("bundle_version"), "hip_id": caps.get("hip_id"), "models": models}


def apply(h: Hospital, out: Outcome) -> None:
    """Store the outcome: live with the HIP's own offers, or inactive with the reason."""
    if out.capabilities is not None:
        h.offers = {str(t): sorted(map(str, topics)) for t, topics in out.capabilities["offers"].items()}
        h.capabilities = summary(out.capabilities)
    h.active = out.passed
    h.status_reason = out.reason
    if out.passed:
        h.verified_at = utcnow()


def verify(db: Session, box: DataBox, h: Hospital, tls: Any = True) -> Outcome:
    out = run_checks(h, directory.credentials(box, h), tls)
    apply(h, out)
    return out
