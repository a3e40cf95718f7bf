"""Building and signing the webhook request exactly as the Standard Webhooks spec (and library) does.

The body is ``{"type": "transcript.created", "timestamp": <event time>, "data": <transcript>}``
(plus ``"links": {"images": {id: url}}`` when the hub knows its public URL);
it is byte-identical across retries (the event time is when the hub accepted the transcript), and
only the ``webhook-timestamp`` header and signatures change per attempt. With several active
secrets (rotation) the signature header carries one ``v1,`` signature per secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from math import floor
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from qaid.api_errors import ApiError
from qaid.transcript.reading import image_refs

EVENT_TYPE = "transcript.created"
# "Send test event", as webhook providers do: the hub signs one when a hospital joins (or asks for a
# check). A receiver verifies it like any delivery, answers 2xx and keeps nothing. It carries no
# patient data: ``{"type": "webhook.test", "timestamp": ..., "data": {"hospital_id": ..., "nonce": ...}}``.
TEST_EVENT_TYPE = "webhook.test"
SECRET_PREFIX = "whsec_"
REQUIRED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def check_secret(secret: str) -> str:
    """``secret`` if it is a Standard Webhooks secret (``whsec_`` + base64 of at least 16 bytes)."""
    import base64
    import binascii

    problem = "webhook secrets are Standard Webhooks secrets: 'whsec_' + base64 of at least 16 random bytes"
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(problem)
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error as exc:
        raise ValueError(problem) from exc
    if len(key) < 16:
        raise ValueError(problem)
    return secret


def new_secret() -> str:
    """A fresh Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    import base64
    import secrets

    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def test_payload(hospital_id: str, nonce: str, event_time: datetime | None = None) -> bytes:
    """The body of a test event (no patient data)."""
    when = (event_time or datetime.now(UTC)).astimezone(UTC).isoformat()
    event = {"type": TEST_EVENT_TYPE, "timestamp": when, "data": {"hospital_id": hospital_id, "nonce": nonce}}
    return json.dumps(event, separators=(",", ":")).encode()


def payload(
    transcript_body: bytes, event_time: datetime, image_url: Callable[[str], str | None] | None = None
) -> bytes:
    """The event body; with ``image_url``, ``links.images`` maps each image id (the images and the
    overlays the patient was shown) to its capability URL on the hub (outside ``data``, which stays
    exactly the versioned transcript schema); an image for which ``image_url`` gives None (not bound
    to this conversation) gets no link.

    The stored transcript is already compact UTF-8 JSON, so it is spliced in as is, never dumped
    again, and the result is the same bytes on every retry. With ``image_url`` the body is parsed
    once per call to find the image ids for the links.
    """
    head = {"type": EVENT_TYPE, "timestamp": event_time.astimezone(UTC).isoformat()}
    out = json.dumps(head, separators=(",", ":"), ensure_ascii=False)[:-1].encode()
    out += b',"data":' + transcript_body.strip()
    if image_url is not None:
        found = image_refs(json.loads(transcript_body))
        urls = {i["image_id"]: image_url(i["image_id"]) for i in found}
        if found:
            links = {"images": {image_id: url for image_id, url in urls.items() if url is not None}}
            out += b',"links":' + json.dumps(links, separators=(",", ":"), ensure_ascii=False).encode()
    return out + b"}"


def headers(msg_id: str, secrets: list[str], body: bytes, now: datetime | None = None) -> dict[str, str]:
    if not secrets:
        raise ValueError("no webhook secret configured for this endpoint")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    text = body.decode()
    signatures = " ".join(Webhook(s).sign(msg_id=msg_id, timestamp=now, data=text) for s in secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(floor(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }


def verify(secrets: list[str], body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """The verified, parsed event; ApiError 400 (unsigned) or 401 (bad signature, stale) otherwise.

    Several secrets may be valid at once while a hospital rotates its secret.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    if not all(lowered.get(h) for h in REQUIRED_HEADERS):
        raise ApiError(400, "missing_signature", "Standard Webhooks headers are missing.")
    reason = "No matching signature."
    for secret in secrets:
        try:
            return Webhook(secret).verify(body, lowered)
        except WebhookVerificationError as exc:
            reason = str(exc)
        except Exception:  # a malformed signature header (not "v1,<base64>") or body
            reason = "Malformed signature header or body."
    raise ApiError(401, "invalid_signature", f"Webhook verification failed: {reason}")
