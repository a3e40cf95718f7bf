"""The doctor's workbench routes of the inbox: sign-in and sign-out, the queue, the case page and
its actions (claim, status, notes), with every action written to the audit log.

``install`` adds them and the access middleware (rule in :mod:`inbox.auth`) to the inbox app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.middleware.base import RequestResponseEndpoint

from inbox import auth, case_page, pages, summary
from inbox.accounts import Accounts
from inbox.cases import STATUS_WORDS, STATUSES, CaseConflict, Cases
from inbox.replies import Replies
from inbox.settings import WorkbenchSettings
from inbox.store import InboxStore
from qaid.api_errors import ApiError, error_response, error_responses

# No patient data behind these: liveness, the API description, the webhook (signed instead) and
# the sign-in routes.
# the sign-in form. The OpenID Connect routes exist only when a provider is configured (404 otherwise).
OPEN_PATHS = frozenset({"/health", "/webhooks/transcripts", "/openapi.json", "/docs", "/redoc", "/signin",
                        "/auth/oidc/start", "/auth/oidc/callback"})  # fmt: skip


@dataclass
class Workbench:
    hospital_id: str
    hospital_name: str
    store: InboxStore
    accounts: Accounts
    cases: Cases
    ws: WorkbenchSettings
    access_token: str
    replies: Replies
    time_zone: str = "UTC"  # IANA: the hospital's clock, that appointment times are written in
    oidc_name: str = ""  # the hospital's OpenID Connect provider, when one is configured (inbox/oidc.py)

    def actor(self, request: Request) -> str:
        doctor = request.state.doctor
        return str(doctor["username"]) if doctor else ("token" if request.state.by_token else "open inbox")

    def entry(self, webhook_id: str) -> dict[str, Any]:
        entry = self.store.get(webhook_id)
        if entry is None:
            raise ApiError(404, "transcript_not_found", f"No transcript {webhook_id}.")
        return entry

    def queue(self, status: str, q: str) -> list[dict[str, Any]]:
        """Urgent first, then newest (the store's order), with the workbench state and summary."""
        states = self.cases.states()
        needle = q.strip().lower()
        rows = []
        for e in self.store.list():
            t = e["transcript"]
            state = states.get(e["webhook_id"], {"status": "new", "claimed_by": None})
            row = {
                **state,
                **{k: e[k] for k in ("webhook_id", "urgency", "received_at")},
                "summary": summary.one_line(t),
                "contact_name": (t.get("contact") or {}).get("name"),
            }
            if (
                status == "open"
                and row["status"] == "closed"
                or status in STATUSES
                and row["status"] != status
            ):
                continue
            if needle:
                haystack = " ".join(
                    [
                        row["summary"],
                        t["conversation_id"],
                        str(row["contact_name"] or ""),
                        str(row["claimed_by"] or ""),
                    ]
                    + [m["text"] for m in t.get("messages", [])]
                ).lower()
                if needle not in haystack:
                    continue
            rows.append(row)
        return rows


def _signin_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)


def signin_form(
    wb: Workbench, request: Request, next_path: str, error: str = "", username: str = "", status: int = 200
) -> Response:
    """The sign-in page (password form, and the provider's button when configured) with ``error``."""
    response = HTMLResponse("", status_code=status)
    csrf = auth.signin_csrf(request, response)
    if not wb.accounts.has_doctors() and not wb.oidc_name:
        error = error or "This inbox has no doctor accounts yet: add one with python -m inbox doctors add."
    html = pages.signin_page(wb.hospital_name, csrf, next_path, error, username, wb.oidc_name)
    response.body = response.render(html)
    response.headers["content-length"] = str(len(response.body))
    return response


def safe_next(value: object) -> str:
    # Only a path on this inbox: never "//evil.example" or "https://..." (an open redirect).
    text = value if isinstance(value, str) else "/"
    return text if text.startswith("/") and not text.startswith("//") and "\\" not in text else "/"


def _install_access(app: FastAPI, wb: Workbench) -> None:
    @app.middleware("http")
    async def _doctors_only(request: Request, call_next: RequestResponseEndpoint) -> Response:
        is_open = request.url.path in OPEN_PATHS
        doctor = None if is_open else await run_in_threadpool(auth.current_doctor, request, wb.accounts)
        request.state.doctor = doctor
        request.state.by_token = bool(wb.access_token) and auth.token_ok(request, wb.access_token)
        has_doctors = await run_in_threadpool(wb.accounts.has_doctors)
        open_inbox = not wb.access_token and not has_doctors
        if is_open or doctor or request.state.by_token or open_inbox:
            return await call_next(request)
        if has_doctors and request.method == "GET" and not request.url.path.startswith("/api/"):
            return _signin_redirect(request)
        challenge = {"WWW-Authenticate": f'Basic realm="{wb.hospital_id} inbox", charset="UTF-8"'}
        message = "The inbox needs a signed-in doctor or the hospital's token."
        return error_response(401, "unauthorized", message, challenge if wb.access_token else None)


def _install_signin(app: FastAPI, wb: Workbench) -> None:
    # A refused sign-in answers 200 with the form again and the reason (a page for the doctor, not
    # an API error); the audit log keeps every failure.
    signin_errors = error_responses(403, html=True)

    @app.get("/signin", response_class=HTMLResponse, responses=error_responses(html=True))
    def signin_page(request: Request, next: str = "/") -> Response:
        return signin_form(wb, request, safe_next(next))

    @app.post("/signin", response_class=HTMLResponse, responses=signin_errors)
    async def signin(request: Request) -> Response:
        form = await request.form()
        auth.check_csrf(request, form.get("csrf"), request.cookies.get(auth.SIGNIN_CSRF_COOKIE))
        username, password = str(form.get("username") or ""), str(form.get("password") or "")
        next_path = safe_next(form.get("next"))
        if wb.accounts.recent_failures(username) >= wb.ws.signin_max_failures:
            wb.accounts.log(username.lower()[:64] or "?", "signin_refused", detail="too many failures")
            message = "Too many failed sign-ins for this user name: wait 15 minutes or ask an administrator."
            return signin_form(wb, request, next_path, message, username)
        doctor = wb.accounts.authenticate(username, password)
        if doctor is None:
            wb.accounts.log("?", "signin_failed", detail=username.strip().lower()[:64])
            return signin_form(wb, request, next_path, "Wrong user name or password.", username)
        wb.accounts.log(doctor["username"], "signed_in")
        response = RedirectResponse(next_path, status_code=303)
        auth.set_session_cookie(response, request, wb.accounts.start_session(doctor["id"]))
        response.delete_cookie(auth.SIGNIN_CSRF_COOKIE, path="/signin")
        return response

    @app.post("/signout", responses=error_responses(403))
    async def signout(request: Request) -> Response:
        doctor = request.state.doctor
        if doctor is None:
            raise ApiError(401, "unauthorized", "Not signed in.")
        auth.check_csrf(request, (await request.form()).get("csrf"), doctor["csrf"])
        token = auth.session_token(request)
        if token:
            wb.accounts.end_session(token)
        wb.accounts.log(doctor["username"], "signed_out")
        response = RedirectResponse("/signin", status_code=303)
        auth.clear_session_cookie(response, request)
        return response


async def doctor_form(request: Request) -> tuple[dict[str, Any], Any]:
    """The signed-in doctor and the posted form, its CSRF token checked."""
    doctor = request.state.doctor
    if doctor is None:
        raise ApiError(403, "doctor_required", "Only a signed-in doctor can change a case.")
    form = await request.form()
    auth.check_csrf(request, form.get("csrf"), doctor["csrf"])
    return doctor, form


def _install_cases(app: FastAPI, wb: Workbench) -> None:
    html_errors = error_responses(html=True)
    form_errors = error_responses(403, 409, html=True)

    @app.get("/", response_class=HTMLResponse, responses=html_errors)
    def queue(request: Request, status: str = "open", q: str = "") -> HTMLResponse:
        status = status if status in (*STATUSES, "open", "all") else "open"
        open_demo = not wb.access_token and not wb.accounts.has_doctors()
        html = pages.queue_page(
            wb.hospital_name, wb.queue(status, q[:200]), request.state.doctor, status, q, open_demo
        )
        return HTMLResponse(html)

    @app.get("/transcripts/{webhook_id}", response_class=HTMLResponse, responses=html_errors)
    def case(request: Request, webhook_id: str) -> HTMLResponse:
        entry = wb.entry(webhook_id)
        wb.accounts.log(wb.actor(request), "viewed", webhook_id)
        view = {"state": wb.cases.state(webhook_id), "notes": wb.cases.notes(webhook_id),
                "trail": wb.accounts.trail(webhook_id), "doctor": request.state.doctor,
                "note_limit": wb.ws.max_note_chars, "replies": wb.replies.of_case(webhook_id),
                "time_zone": wb.time_zone}  # fmt: skip
        return HTMLResponse(case_page.case_page(wb.hospital_name, entry, view))

    def back(webhook_id: str) -> RedirectResponse:
        return RedirectResponse(f"/transcripts/{quote(webhook_id, safe='')}", status_code=303)

    @app.post("/cases/{webhook_id}/claim", responses=form_errors)
    async def claim(request: Request, webhook_id: str) -> Response:
        doctor, _ = await doctor_form(request)
        wb.entry(webhook_id)
        done = wb.cases.claim(webhook_id, doctor["username"])
        before = done["previous"]["claimed_by"]
        wb.accounts.log(doctor["username"], "claimed", webhook_id, f"from {before}" if before else "")
        return back(webhook_id)

    @app.post("/cases/{webhook_id}/status", responses=form_errors)
    async def set_status(request: Request, webhook_id: str) -> Response:
        doctor, form = await doctor_form(request)
        wb.entry(webhook_id)
        try:
            done = wb.cases.move(webhook_id, str(form.get("to") or ""), doctor["username"])
        except CaseConflict as exc:
            raise ApiError(409, "status_conflict", f"{exc}.") from exc
        wb.accounts.log(
            doctor["username"],
            "status",
            webhook_id,
            f"{STATUS_WORDS[done['previous']['status']]} → {STATUS_WORDS[done['status']]}",
        )
        return back(webhook_id)

    @app.post("/cases/{webhook_id}/notes", responses=form_errors)
    async def add_note(request: Request, webhook_id: str) -> Response:
        doctor, form = await doctor_form(request)
        wb.entry(webhook_id)
        text = str(form.get("text") or "").strip()
        if not text or len(text) > wb.ws.max_note_chars:
            raise ApiError(422, "invalid_note", f"A note needs 1 to {wb.ws.max_note_chars} characters.")
        wb.cases.add_note(webhook_id, doctor["username"], doctor["display_name"], text)
        wb.accounts.log(doctor["username"], "note", webhook_id, f"{len(text)} characters")
        return back(webhook_id)


def install(app: FastAPI, wb: Workbench) -> None:
    _install_access(app, wb)
    _install_signin(app, wb)
    _install_cases(app, wb)
