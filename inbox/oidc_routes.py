"""The inbox's OpenID Connect sign-in routes (installed only when a provider is configured).

``GET /auth/oidc/start`` begins a sign-in at the provider; ``GET /auth/oidc/callback`` is where the
provider sends the browser back. A signed-in doctor gets the same session as with a password (same
expiry, same cookie); every success and failure is in the audit log, with the reason and no token
contents beyond the subject and email.

Who may sign in: a doctor account with the verified email (``python -m inbox doctors email``) and,
when ``QAID_INBOX_OIDC_EMAIL_DOMAINS`` is set, anyone whose verified email is in one of those domains
(a first sign-in creates an OIDC-managed account without a password). With domains set, an email
outside them is refused even if an account has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from inbox import auth, pages
from inbox.accounts import AccountError
from inbox.oidc import CALLBACK_PATH, START_PATH, OidcError, Provider
from inbox.settings import OIDC_COOKIE
from inbox.workbench import Workbench, safe_next, signin_form
from qaid.api_errors import error_responses


@dataclass(frozen=True)
class OidcSignin:
    provider: Provider
    email_domains: frozenset[str]

    def doctor(self, wb: Workbench, claims: dict[str, Any]) -> dict[str, Any]:
        """The doctor the checked ID token's claims map to (OidcError says why none)."""
        email = claims.get("email")
        if not isinstance(email, str) or email.count("@") != 1:
            raise OidcError("the provider sent no email address (scope email)")
        if claims.get("email_verified") in (False, "false"):
            raise OidcError(f"the provider has not verified the email {email}")
        domain = email.rpartition("@")[2].lower()
        if self.email_domains and domain not in self.email_domains:
            raise OidcError(f"the email {email} is outside the hospital's allowed domains")
        name = claims.get("name") if isinstance(claims.get("name"), str) else ""
        try:
            return wb.accounts.oidc_doctor(self.provider.issuer, str(claims["sub"]), email, str(name),
                                           create=bool(self.email_domains))  # fmt: skip
        except AccountError as exc:
            raise OidcError(f"{exc} ({email})") from exc


def install(app: FastAPI, wb: Workbench, signin: OidcSignin) -> None:
    provider = signin.provider
    pages_only = error_responses(html=True)

    def refused(request: Request, reason: str, next_path: str = "/") -> Response:
        wb.accounts.log("?", "signin_failed", detail=f"OIDC: {reason}"[:500])
        message = f"Sign-in with {wb.oidc_name} failed: {reason}."
        return signin_form(wb, request, next_path, message, status=403)

    @app.get(START_PATH, response_class=RedirectResponse, status_code=303, responses=pages_only)
    def oidc_start(request: Request, next: str = "/") -> Response:
        try:
            url, browser = provider.start(safe_next(next))
        except OidcError as exc:
            return refused(request, str(exc))
        response = RedirectResponse(url, status_code=303)
        secure = request.url.scheme == "https"
        response.set_cookie(OIDC_COOKIE, browser, max_age=int(wb.ws.oidc_pending_ttl_s), httponly=True,
                            samesite="lax", secure=secure, path="/auth/oidc")  # fmt: skip
        return response

    @app.get(CALLBACK_PATH, response_class=HTMLResponse, responses=pages_only)
    def oidc_callback(request: Request, state: str = "", code: str = "", error: str = "") -> Response:
        next_path = "/"
        try:
            pending = provider.take(state, request.cookies.get(OIDC_COOKIE, ""))
            next_path = pending.next_path
            if error:
                raise OidcError(f"the provider refused the sign-in ({error[:64]})")
            if not code:
                raise OidcError("the provider sent no authorization code")
            claims = provider.exchange(code, pending)
            doctor = signin.doctor(wb, claims)
        except OidcError as exc:
            return refused(request, str(exc), next_path)
        wb.accounts.log(doctor["username"], "signed_in", detail=f"OIDC, sub={str(claims['sub'])[:200]}")
        response = HTMLResponse(pages.continue_page(wb.hospital_name, next_path))
        auth.set_session_cookie(response, request, wb.accounts.start_session(doctor["id"]))
        response.delete_cookie(OIDC_COOKIE, path="/auth/oidc")
        return response
