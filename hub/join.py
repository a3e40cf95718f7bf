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

import secrets as _secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session

from hub import directory, egress, leases
from hub.crypto import DataBox
from hub.models import Hospital
from hub.schemas import JoinCheck, TestEventReport
from qaid import webhooks
from qaid.db import utcnow

TIMEOUT_S = 5.0


@dataclass
class Outcome:
    checks: list[JoinCheck] = field(default_factory=list)
    capabilities: dict[str, Any] | None = None
    # What the webhook answered the signed test event and the wrongly signed one (None: no answer).
    signed_status: int | None = None
    forged_status: int | None = None

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


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _no_answer(url: str, exc: httpx.HTTPError, hint: str) -> str:
    if isinstance(exc.__cause__, egress.NotPublic):  # refused by the hub before connecting
        return f"not called: {exc}; the hub calls a hospital's own URLs at public addresses only"
    return f"no answer from {url} ({describe(exc)}); {hint}"


def check_hip(client: httpx.Client, out: Outcome, hospital_id: str, hip_url: str, token: str) -> None:
    url = hip_url.rstrip("/") + "/v1/capabilities"
    try:
        anonymous = client.get(url)
    except httpx.HTTPError as exc:
        out.add("hip_reachable", False, _no_answer(url, exc, "is the HIP running there?"))
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
        out.add("webhook_signed", False, _no_answer(url, exc, "is the inbox running?"))
        return
    out.signed_status = r.status_code
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
        out.add("webhook_verifies", False, f"no answer to the wrongly signed event ({describe(exc)})")
        return
    out.forged_status = bad.status_code
    refused = 400 <= bad.status_code < 500
    out.add(
        "webhook_verifies",
        refused,
        f"a wrongly signed event was refused ({bad.status_code})"
        if refused
        else f"a wrongly signed event answered {bad.status_code}: the endpoint must verify signatures "
        "(Standard Webhooks) and refuse what does not verify",
    )


def run_checks(h: Hospital, creds: dict[str, Any], tls: Any = True, allow_private: bool = False) -> Outcome:
    """Every check against the hospital's registered URLs and credentials (network calls); a
    hospital's own URLs at checked public addresses only (hub.egress), unless ``allow_private``."""
    out = Outcome()
    with egress.client(egress.public_only(h.urls_from_hospital, allow_private), verify=tls,
                       timeout=TIMEOUT_S) as client:  # fmt: skip
        check_hip(client, out, h.id, h.hip_url, str(creds.get("hip_token", "")))
        check_webhook(client, out, h.id, h.webhook_url, list(creds.get("webhook_secrets", [])))
    return out


def send_test_event(
    h: Hospital, creds: dict[str, Any], tls: Any = True, allow_private: bool = False
) -> TestEventReport:
    """ "Send test event": the webhook checks alone (a signed ``webhook.test`` event, then a wrongly
    signed copy), so a hospital can see its inbox accept and verify deliveries without touching
    its registration. Status codes only: a response body is the receiver's business."""
    out = Outcome()
    with egress.client(egress.public_only(h.urls_from_hospital, allow_private), verify=tls,
                       timeout=TIMEOUT_S) as client:  # fmt: skip
        check_webhook(client, out, h.id, h.webhook_url, list(creds.get("webhook_secrets", [])))
    verifies = any(c.name == "webhook_verifies" and c.ok for c in out.checks)
    return TestEventReport(hospital_id=h.id, webhook_url=h.webhook_url, ok=out.passed,
                           status_code=out.signed_status, verifies_signatures=verifies,
                           forged_status_code=out.forged_status, checks=out.checks)  # fmt: skip


def summary(caps: dict[str, Any]) -> dict[str, Any]:
    """What the hub keeps of the capabilities: the bundle version and each model's identity."""
    models = [
        {k: m.get(k) for k in ("name", "task", "version", "sha256")}
        for m in caps.get("models", [])
        if isinstance(m, dict)
    ]
    return {"bundle_version": caps.get("bundle_version"), "hip_id": caps.get("hip_id"), "models": models}


def test_event_wait(db: Session, hospital_id: str, every_s: float) -> float:
    """0 if the hospital may send a test event now (its spacing lease is taken, hub.leases); else
    the seconds until it may."""
    if every_s <= 0:
        return 0.0
    name, now = directory.TEST_EVENT_LEASE + hospital_id, utcnow()
    if leases.take(db, name, "test-event", now + timedelta(seconds=every_s)):
        return 0.0
    current = leases.held(db, name)
    return max((current[1] - now).total_seconds(), 0.001) if current else every_s


def apply(h: Hospital, out: Outcome) -> None:
    """Store the outcome: live with the HIP's own offers, or inactive with the reason."""
    if out.capabilities is not None:
        h.offers = {str(t): sorted(map(str, topics)) for t, topics in out.capabilities["offers"].items()}
        h.capabilities = summary(out.capabilities)
    h.active = out.passed
    h.status_reason = out.reason
    if out.passed:
        h.verified_at = utcnow()


def verify(db: Session, box: DataBox, h: Hospital, tls: Any = True, allow_private: bool = False) -> Outcome:
    out = run_checks(h, directory.credentials(box, h), tls, allow_private)
    apply(h, out)
    return out
