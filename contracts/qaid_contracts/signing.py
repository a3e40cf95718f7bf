"""Standard Webhooks signatures with the standard library, for the runtime that lacks the library.

The platform signs and verifies with the ``standardwebhooks`` package (``qaid.webhooks``); the bot's
environment (Rasa 3.6) does not have it, and this module is what it verifies the hub's
``reply.available`` notices with. The format is the spec's (https://www.standardwebhooks.com):
``HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")``, base64, in ``webhook-signature`` as
``v1,<sig>`` (several, space-separated, while secrets rotate); the key is the base64 after
``whsec_``. tests/contracts checks that both implementations accept each other's signatures.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

__all__ = ["TOLERANCE_S", "SignatureError", "key_of", "sign", "headers", "verify"]

TOLERANCE_S = 5 * 60  # the spec's and the library's default: older or newer requests are refused


class SignatureError(ValueError):
    """Missing headers, a stale timestamp or no matching signature: the message says which."""


def key_of(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret (ValueError for anything else)."""
    if not secret.startswith("whsec_"):
        raise ValueError("a Standard Webhooks secret starts with 'whsec_'")
    try:
        return base64.b64decode(secret[len("whsec_") :], validate=True)
    except binascii.Error as exc:
        raise ValueError("the secret after 'whsec_' is not base64") from exc


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(msg_id: str, secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }


def verify(secret: str, body: bytes, given: dict[str, str], now: float | None = None) -> str:
    """The ``webhook-id`` of a request signed with ``secret`` within the tolerance; else SignatureError."""
    lowered = {k.lower(): v for k, v in given.items()}
    msg_id, stamp = lowered.get("webhook-id", ""), lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "")
    if not (msg_id and stamp and signatures):
        raise SignatureError("Standard Webhooks headers are missing")
    if not stamp.isdigit() or abs((time.time() if now is None else now) - int(stamp)) > TOLERANCE_S:
        raise SignatureError("the timestamp is missing, too old or too new")
    expected = sign(secret, msg_id, int(stamp), body)
    for candidate in signatures.split():
        if candidate.startswith("v1,") and hmac.compare_digest(candidate.encode(), expected.encode()):
            return msg_id
    raise SignatureError("no matching signature")
