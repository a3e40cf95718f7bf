"""Doctors, their sessions and the audit log of the inbox, in the inbox's own SQLite file.

Passwords are hashed with scrypt (``hashlib.scrypt``, standard library: no new dependency) with a
per-password random salt; the stored form names its parameters so they can be raised later without
breaking existing hashes. Sessions are random tokens of which only the SHA-256 is stored, so a copy
of the database does not let anyone sign in; each carries its own CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from inbox.settings import DEFAULT, WorkbenchSettings
from qaid.db import UTCDateTime, utcnow

metadata = MetaData()

doctors = Table(
    "doctors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(128), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

sessions = Table(
    "doctor_sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("doctor_id", Integer, ForeignKey("doctors.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
)

# Who did what, when, to which case: sign-ins (and failed ones), views, claims, status changes,
# notes, downloads. Rows are only ever inserted.
audit = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("webhook_id", String(64), nullable=True, index=True),
    Column("detail", Text, nullable=False, default=""),
)

# A doctor's email and, from the first OpenID Connect sign-in on, the provider's issuer and subject
# (inbox/oidc_routes.py). A separate table so inbox files created before it gain it (create_all).
identities = Table(
    "doctor_identities",
    metadata,
    Column("doctor_id", Integer, ForeignKey("doctors.id"), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("issuer", String(512), nullable=True),
    Column("subject", String(255), nullable=True),
)

USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
# The password hash of an account the provider created: no password matches it (check_password).
OIDC_MANAGED = "oidc-managed"


class AccountError(ValueError):
    """A doctor account cannot be created: the message says why."""


def hash_password(password: str, ws: WorkbenchSettings = DEFAULT) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=ws.scrypt_n, r=ws.scrypt_r, p=ws.scrypt_p)
    b64 = base64.b64encode
    return f"scrypt${ws.scrypt_n}${ws.scrypt_r}${ws.scrypt_p}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(want)
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, want)


# Checked against when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Doctor accounts, sessions and the audit log on the inbox's engine."""

    def __init__(self, engine: Engine, ws: WorkbenchSettings = DEFAULT):
        self.engine = engine
        self.ws = ws
        metadata.create_all(engine)

    def add_doctor(self, username: str, display_name: str, password: str) -> int:
        username = username.strip().lower()
        if not username or len(username) > 64 or not set(username) <= USERNAME_CHARS:
            raise AccountError("the user name needs 1-64 of a-z, 0-9, '.', '_' and '-'")
        if not display_name.strip() or len(display_name) > 128:
            raise AccountError("the display name needs 1-128 characters")
        if len(password) < self.ws.min_password_chars:
            raise AccountError(f"the password needs at least {self.ws.min_password_chars} characters")
        row = {
            "username": username,
            "display_name": display_name.strip(),
            "password_hash": hash_password(password, self.ws),
            "created_at": utcnow(),
        }
        try:
            with self.engine.begin() as conn:
                result = conn.execute(insert(doctors).values(**row))
                doctor_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        except IntegrityError as exc:
            raise AccountError(f"a doctor {username!r} already exists") from exc
        self.log("cli", "doctor_added", detail=username)
        return doctor_id

    def set_email(self, username: str, email: str) -> None:
        """Give a doctor the email the hospital's provider knows them by (OpenID Connect sign-in)."""
        email = email.strip().lower()
        if not 3 <= len(email) <= 254 or email.count("@") != 1:
            raise AccountError("the email needs the form name@domain")
        with self.engine.begin() as conn:
            doctor_id = conn.scalar(
                select(doctors.c.id).where(doctors.c.username == username.strip().lower())
            )
            if doctor_id is None:
                raise AccountError(f"no doctor {username!r}")
            taken = conn.scalar(select(identities.c.doctor_id).where(identities.c.email == email))
            if taken is not None and taken != doctor_id:
                raise AccountError(f"another doctor already has the email {email!r}")
            conn.execute(delete(identities).where(identities.c.doctor_id == doctor_id))
            conn.execute(insert(identities).values(doctor_id=doctor_id, email=email))
        self.log("cli", "doctor_email", detail=username.strip().lower())

    def oidc_doctor(self, issuer: str, subject: str, email: str, name: str, create: bool) -> dict[str, Any]:
        """The doctor with this (verified) email, linked to the provider's subject on first use; a new
        account without a password when there is none and ``create``. AccountError says why not."""
        email = email.strip().lower()
        q = select(doctors, identities.c.email, identities.c.issuer, identities.c.subject).join(identities)
        with self.engine.begin() as conn:
            by_subject = conn.execute(
                q.where(identities.c.issuer == issuer, identities.c.subject == subject)
            ).first()
            if by_subject is not None and by_subject.email != email:
                raise AccountError("this provider account is linked to a doctor with another email")
            row = by_subject or conn.execute(q.where(identities.c.email == email)).first()
            if row is not None and row.subject is not None and (row.issuer, row.subject) != (issuer, subject):
                raise AccountError("this email belongs to a doctor linked to another provider account")
            if row is not None:
                if row.subject is None:
                    link = identities.update().where(identities.c.doctor_id == row.id)
                    conn.execute(link.values(issuer=issuer, subject=subject))
                return {"id": row.id, "username": row.username, "display_name": row.display_name}
            if not create:
                raise AccountError("no doctor account has this email")
            username = self._free_username(conn, email.partition("@")[0])
            display = (name.strip() or email)[:128]
            doctor_id = int(conn.execute(insert(doctors).values(username=username, display_name=display,
                            password_hash=OIDC_MANAGED, created_at=utcnow())).inserted_primary_key[0])  # type: ignore[index]  # fmt: skip
            conn.execute(
                insert(identities).values(doctor_id=doctor_id, email=email, issuer=issuer, subject=subject)
            )
        self.log("oidc", "doctor_added", detail=f"{username} (OIDC-managed, no password)")
        return {"id": doctor_id, "username": username, "display_name": display}

    @staticmethod
    def _free_username(conn: Any, local: str) -> str:
        base = "".join(c for c in local.lower() if c in USERNAME_CHARS)[:56] or "doctor"
        for n in range(1, 1000):
            candidate = base if n == 1 else f"{base}-{n}"
            if conn.scalar(select(doctors.c.id).where(doctors.c.username == candidate)) is None:
                return candidate
        raise AccountError("no free user name for this email")

    def has_doctors(self) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.scalar(select(func.count()).select_from(doctors)))

    def authenticate(self, username: str, password: str) -> dict[str, Any] | None:
        """The doctor when the password matches; None otherwise (same work either way)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(doctors).where(doctors.c.username == username.strip().lower())).first()
        if row is None:
            check_password(password, _DUMMY_HASH)
            return None
        if not check_password(password, row.password_hash):
            return None
        return {"id": row.id, "username": row.username, "display_name": row.display_name}

    def recent_failures(self, username: str) -> int:
        since = utcnow() - timedelta(seconds=self.ws.signin_window_s)
        q = select(func.count()).where(
            audit.c.action == "signin_failed", audit.c.detail == username.strip().lower(), audit.c.at >= since
        )
        with self.engine.connect() as conn:
            return int(conn.scalar(q) or 0)

    def start_session(self, doctor_id: int) -> str:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        row = {"token_sha256": _sha(token), "doctor_id": doctor_id, "csrf": secrets.token_urlsafe(32),
               "created_at": now, "last_seen": now}  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(insert(sessions).values(**row))
        return token

    def session(self, token: str, now: datetime | None = None) -> dict[str, Any] | None:
        """The signed-in doctor and the session's CSRF token; None (and the session removed) once it
        has been idle for ``session_idle_s`` or alive for ``session_max_s``."""
        now = now or utcnow()
        key = _sha(token)
        q = select(sessions, doctors.c.username, doctors.c.display_name).join(doctors)
        with self.engine.begin() as conn:
            row = conn.execute(q.where(sessions.c.token_sha256 == key)).first()
            if row is None:
                return None
            idle = (now - row.last_seen).total_seconds() > self.ws.session_idle_s
            if idle or (now - row.created_at).total_seconds() > self.ws.session_max_s:
                conn.execute(delete(sessions).where(sessions.c.token_sha256 == key))
                return None
            conn.execute(update(sessions).where(sessions.c.token_sha256 == key).values(last_seen=now))
        return {"id": row.doctor_id, "username": row.username, "display_name": row.display_name,
                "csrf": row.csrf}  # fmt: skip

    def end_session(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_sha256 == _sha(token)))

    def log(self, actor: str, action: str, webhook_id: str | None = None, detail: str = "") -> None:
        row = {"at": utcnow(), "actor": actor, "action": action, "webhook_id": webhook_id, "detail": detail}
        with self.engine.begin() as conn:
            conn.execute(insert(audit).values(**row))

    def trail(self, webhook_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """The newest audit entries first (of one case when ``webhook_id`` is given)."""
        q = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if webhook_id is not None:
            q = q.where(audit.c.webhook_id == webhook_id)
        with self.engine.connect() as conn:
            return [
                {
                    "at": r.at.isoformat(),
                    "actor": r.actor,
                    "action": r.action,
                    "webhook_id": r.webhook_id,
                    "detail": r.detail,
                }  # fmt: skip
                for r in conn.execute(q)
            ]
