"""Encryption at rest and capability tokens, all derived from ``settings.data_key``.

Transcripts and images are health data; hospital credentials (webhook secrets, HIP token) let
anyone impersonate the hub. All of them are stored as Fernet tokens (AES-128-CBC + HMAC-SHA256) so
a copied database file or a backup alone discloses nothing. Keys are derived with HKDF and a
distinct label per purpose, so one configured secret never serves two roles directly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from qaid.config import OperatorSettings


def _derive(secret: str, label: str) -> bytes:
    if not secret:
        raise ValueError("data_key is not configured (QAID_DATA_KEY); the launcher generates it")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label.encode()).derive(secret.encode())


PREVIOUS_KEYS_ENV = "QAID_DATA_KEY_PREVIOUS"


def previous_data_keys() -> list[str]:
    """Retired data keys still accepted for reading (``Settings.data_key_previous``, comma-separated).

    Fresh operator settings (not the cached ones) so a rotation takes effect without a restart.
    """
    previous = OperatorSettings().data_key_previous
    return [k.strip() for k in previous.split(",") if k.strip()]


class DataBox:
    """Seals and opens bytes and JSON with keys derived from the configured data key.

    Key rotation: new data is always sealed with the current key; data sealed with any previous
    key still opens (MultiFernet) until ``rotate`` (``python -m hub.admin rotate-keys``)
    re-seals it with the current one, after which the previous key can be dropped. Image tokens
    are made with the current key and checked against every key, so links already sent to
    hospitals keep working across a rotation.
    """

    def __init__(self, data_key: str, previous_keys: list[str] | None = None):
        previous = previous_data_keys() if previous_keys is None else list(previous_keys)
        keys = [data_key] + [k for k in previous if k != data_key]
        self._fernet = MultiFernet(
            [Fernet(base64.urlsafe_b64encode(_derive(k, "qaid/transcripts/at-rest/v1"))) for k in keys]
        )
        self._token_keys = [_derive(k, "qaid/transcripts/image-token/v1") for k in keys]
        self._token_key = self._token_keys[0]
        # Keys the replacement UIDs of de-identified DICOMs (qaid.deid): same original, same new UID.
        self.dicom_uid_key = _derive(data_key, "qaid/dicom-uid/v1")
        self.key_count = len(keys)

    def rotate(self, token: bytes) -> bytes:
        """``token`` re-sealed with the current key (ValueError if no configured key opens it)."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as exc:
            raise ValueError("stored data cannot be decrypted with any configured data key") from exc

    def seal(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def open(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:  # wrong data_key or tampered row: never return garbage
            raise ValueError("stored data cannot be decrypted with the configured data_key") from exc

    def seal_json(self, value: Any) -> bytes:
        return self.seal(json.dumps(value, separators=(",", ":")).encode())

    def open_json(self, token: bytes) -> Any:
        return json.loads(self.open(token))

    def image_token(self, image_id: str, _key: bytes | None = None) -> str:
        """A capability for one image: stateless, so any hub process can check it without a lookup."""
        mac = hmac.new(_key or self._token_key, image_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")

    def check_image_token(self, image_id: str, token: str) -> bool:
        given = token.encode()
        expected = (self.image_token(image_id, k).encode() for k in self._token_keys)
        return any(hmac.compare_digest(e, given) for e in expected)


def tokens_equal(given: str, expected: str) -> bool:
    """Constant-time comparison that never accepts an unconfigured (empty) token."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
