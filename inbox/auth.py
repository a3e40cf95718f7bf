"""Doctors' sign-in for the inbox pages: session cookies, CSRF checks and the access rule.

Access rule (``allowed``): the webhook and /health are always open (the webhook has its signature).
Otherwise a request passes with a live doctor session, or with ``QAID_INBOX_TOKEN`` (HTTP Basic or
Bearer, for tools reading the JSON API), or - only while the inbox has no doctor account and no
token, the demo's plain webhook receiver - with nothing. Every POST form needs the session's CSRF
token and a same-origin request; the sign-in form, before any session exists, uses a double-submit
cookie instead.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from inbox.accounts import Accounts
from inbox.settings import SECURE_SESSION_COOKIE, SESSION_COOKIE, SIGNIN_CSRF_COOKIE
from qaid.api_errors import ApiError


def token_ok(request: Request, token: str) -> bool:
    """The request carries the inbox token: Bearer, or HTTP Basic with it as the password."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value.strip(), validate=True).decode().partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.strip().encode(), token.encode())


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def session_token(request: Request) -> str | None:
    name = SECURE_SESSION_COOKIE if _secure(request) else SESSION_COOKIE
    return request.cookies.get(name)


def current_doctor(request: Request, accounts: Accounts) -> dict[str, Any] | None:
    token = session_token(request)
    return accounts.session(token) if token else None


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    secure = _secure(request)
    response.set_cookie(
        SECURE_SESSION_COOKIE if secure else SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    secure = _secure(request)
    response.delete_cookie(SECURE_SESSION_COOKIE if secure else SESSION_COOKIE, path="/", secure=secure,
                           httponly=True, samesite="strict")  # fmt: skip


def signin_csrf(request: Request, response: Response) -> str:
    """The sign-in form's CSRF value, also set as a short-lived cookie (double submit). The browser's
    existing value is kept: a second form load (another tab, the favicon's redirect) must not
    invalidate the form already shown."""
    value = request.cookies.get(SIGNIN_CSRF_COOKIE) or ""
    if len(value) < 32:
        value = secrets.token_urlsafe(32)
    response.set_cookie(SIGNIN_CSRF_COOKIE, value, max_age=3600, httponly=True, samesite="strict",
                        secure=_secure(request), path="/signin")  # fmt: skip
    return value


def same_origin(request: Request) -> None:
    """Refuse a form posted from another site (the browser names where it came from).

    Under the pages' ``Referrer-Policy: no-referrer`` a browser sends ``Origin: null`` even for a form
    of the inbox's own page, so "null" proves nothing either way: ``Sec-Fetch-Site`` then decides, and
    the form's CSRF token is checked in any case."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    site = request.headers.get("sec-fetch-site")
    if site in ("cross-site", "same-site") or (origin not in (None, "null") and origin != own):
        raise ApiError(403, "cross_origin", "Forms may only be sent from the inbox's own pages.")


def check_csrf(request: Request, sent: object, expected: str | None) -> None:
    same_origin(request)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ApiError(
            403, "csrf_failed", "The form has expired or did not come from this inbox: reload the page."
        )
