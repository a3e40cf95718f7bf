"""Per-hospital tokens: what a hospital holds instead of the hub's admin token.

The operator issues one (``python -m hub.admin hospitals token ID``) and hands it to the hospital's
IT over a trusted channel; the hospital kit sends it as its bearer token. It authorises exactly the
calls about that one hospital id: join (register and check), re-check, read, delete (leave). Not the
operator's unchecked registration or update, other hospitals, transcripts or deliveries.

Stored as SHA-256 only (the token is 256 random bits, so a plain hash is enough: nothing to brute
force) and found by that hash, so the token itself says whose it is; optionally expiring. Issuing a
new token for an id replaces the old one (revocation); leaving the network removes it, so rejoining
needs a fresh one from the operator.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import HospitalToken
from qaid.db import utcnow

__all__ = ["PREFIX", "issue", "owner", "revoke"]

# Recognisable in a secret scanner and in logs' redaction, and never a valid admin or service token.
PREFIX = "qhosp_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(db: Session, hospital_id: str, valid_for_days: float | None = None) -> tuple[str, datetime | None]:
    """A new token for ``hospital_id`` (replacing any earlier one) and when it expires (None: never).
    The token itself is returned once and never stored."""
    if valid_for_days is not None and valid_for_days <= 0:
        raise ValueError("a token's validity must be a positive number of days (or none: until revoked)")
    token = PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=valid_for_days) if valid_for_days is not None else None
    row = db.get(HospitalToken, hospital_id) or HospitalToken(hospital_id=hospital_id)
    row.token_sha256, row.created_at, row.expires_at = _digest(token), utcnow(), expires
    db.add(row)
    return token, expires


def revoke(db: Session, hospital_id: str) -> bool:
    """Remove the hospital's token; whether there was one."""
    row = db.get(HospitalToken, hospital_id)
    if row is None:
        return False
    db.delete(row)
    return True


def owner(db: Session, token: str) -> str | None:
    """The hospital id ``token`` is the current, unexpired token of; None for any other string."""
    if not token.startswith(PREFIX):
        return None
    row = db.scalars(select(HospitalToken).where(HospitalToken.token_sha256 == _digest(token))).first()
    if row is None or (row.expires_at is not None and row.expires_at <= utcnow()):
        return None
    return row.hospital_id
