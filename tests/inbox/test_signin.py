"""Doctors sign in with their own password; sessions are cookies that expire; every form needs the
session's CSRF token; sign-ins, failures and sign-outs are in the audit log."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from inbox_helpers import PASSWORD, csrf_of, sign_in

from inbox.accounts import Accounts, check_password, hash_password
from inbox.app import create_app
from qaid.config import REPO_ROOT, Settings
from qaid.db import utcnow


def test_passwords_are_stored_as_salted_scrypt_hashes() -> None:
    one, two = hash_password(PASSWORD), hash_password(PASSWORD)
    assert one.startswith("scrypt$16384$8$1$") and one != two and PASSWORD not in one
    assert check_password(PASSWORD, one) and not check_password(PASSWORD + "x", one)
    assert not check_password(PASSWORD, "md5$nonsense")


def test_the_cli_adds_a_doctor_and_refuses_weak_or_duplicate_accounts(tmp_path: Path) -> None:
    db = tmp_path / "inbox.sqlite3"
    base = [sys.executable, "-m", "inbox", "doctors"]
    env_path = {"PYTHONPATH": f"{REPO_ROOT}:{REPO_ROOT / 'contracts'}", "QAID_VAR_DIR": str(tmp_path)}

    def run(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *args], input=stdin, capture_output=True, text=True, env=env_path,
                              cwd=REPO_ROOT, timeout=60)  # fmt: skip

    added = run("add", "Ana", "--name", "Dr Ana", "--hospital", "titan", "--db", str(db), "--password-stdin",
                stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0 and "added doctor 'ana'" in added.stdout, added.stderr
    weak = run("add", "bo", "--name", "Dr Bo", "--hospital", "titan", "--db", str(db), "--password-stdin",
               stdin="short\n")  # fmt: skip
    assert weak.returncode == 2 and "at least 12 characters" in weak.stderr
    again = run("add", "ana", "--name", "Dr A", "--hospital", "titan", "--db", str(db), "--password-stdin",
                stdin=PASSWORD + "\n")  # fmt: skip
    assert again.returncode == 2 and "already exists" in again.stderr
    listed = run("list", "--hospital", "titan", "--db", str(db), stdin="")
    assert listed.stdout.split("\t")[:2] == ["ana", "Dr Ana"]


def test_pages_redirect_to_sign_in_and_the_api_refuses_without_a_session(inbox: TestClient) -> None:
    r = inbox.get("/?status=all", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=%2F%3Fstatus%3Dall"
    assert inbox.get("/api/transcripts").status_code == 401
    assert inbox.get("/health").status_code == 200


def test_signing_in_sets_a_strict_http_only_session_cookie(inbox: TestClient) -> None:
    r = sign_in(inbox)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "qaid_inbox_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http (the demo on localhost): a Secure cookie would be dropped
    page = inbox.get("/")
    assert page.status_code == 200 and "Signed in as <b>Dr Ana Ionescu</b>" in page.text
    assert inbox.get("/api/transcripts").json() == []
    trail = inbox.app.state.workbench.accounts.trail()  # type: ignore[attr-defined]
    assert [(a["actor"], a["action"]) for a in trail][:1] == [("ana", "signed_in")]


def test_over_https_the_cookie_is_secure_with_the_host_prefix(settings: Settings) -> None:
    app = create_app(settings, "titan")
    app.state.workbench.accounts.add_doctor("ana", "Dr Ana", PASSWORD)
    with TestClient(app, base_url="https://inbox.example") as client:
        cookie = sign_in(client).headers["set-cookie"]
        assert cookie.startswith("__Host-qaid_inbox_session=") and "Secure" in cookie and "Path=/" in cookie
        assert client.get("/").status_code == 200


def test_wrong_passwords_are_refused_and_repeated_failures_lock_the_name(inbox: TestClient) -> None:
    wrong = sign_in(inbox, password="not the password")
    assert wrong.status_code == 200 and "Wrong user name or password." in wrong.text
    assert "qaid_inbox_session" not in wrong.headers.get("set-cookie", "")
    unknown = sign_in(inbox, username="nobody")
    assert "Wrong user name or password." in unknown.text  # the same answer for an unknown name
    for _ in range(4):
        sign_in(inbox, password="not the password")
    locked = sign_in(inbox)  # the right password, after 5 failures in the window
    assert locked.status_code == 200 and "Too many failed sign-ins" in locked.text
    assert "qaid_inbox_session" not in inbox.cookies
    assert sign_in(inbox, username="bogdan").status_code == 303  # other doctors are not locked out
    actions = [a["action"] for a in inbox.app.state.workbench.accounts.trail()]  # type: ignore[attr-defined]
    assert actions.count("signin_failed") == 6 and "signin_refused" in actions


def test_the_sign_in_form_needs_its_csrf_cookie_and_a_safe_next(inbox: TestClient) -> None:
    form = inbox.get("/signin?next=//evil.example/")
    assert "value='/'" in form.text  # an off-site "next" becomes the queue
    fields = {
        "csrf": csrf_of(form.text),
        "username": "ana",
        "password": PASSWORD,
        "next": "https://evil.example",
    }
    inbox.cookies.clear()  # a forged form from elsewhere has no sign-in cookie
    r = inbox.post("/signin", data=fields, follow_redirects=False)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    form = inbox.get("/signin")
    fields["csrf"] = csrf_of(form.text)
    r = inbox.post("/signin", data=fields, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_sessions_expire_when_idle_and_after_the_maximum(settings: Settings, tmp_path: Path) -> None:
    accounts = Accounts(create_app(settings, "titan").state.store.engine)
    doctor = accounts.add_doctor("ana", "Dr Ana", PASSWORD)
    ws = accounts.ws
    idle = accounts.start_session(doctor)
    assert accounts.session(idle, now=utcnow() + timedelta(seconds=ws.session_idle_s - 60)) is not None
    assert accounts.session(idle, now=utcnow() + timedelta(seconds=2 * ws.session_idle_s)) is None
    assert accounts.session(idle) is None  # removed, not just refused once
    busy = accounts.start_session(doctor)
    later = utcnow()
    while (later - utcnow()).total_seconds() < ws.session_max_s:  # active all along, never idle
        later += timedelta(seconds=ws.session_idle_s / 2)
        got = accounts.session(busy, now=later)
    assert got is None


def test_an_expired_session_sends_the_browser_back_to_sign_in(inbox: TestClient) -> None:
    sign_in(inbox)
    accounts = inbox.app.state.workbench.accounts  # type: ignore[attr-defined]
    token = inbox.cookies["qaid_inbox_session"]
    assert accounts.session(token, now=utcnow() + timedelta(seconds=accounts.ws.session_idle_s + 1)) is None
    assert inbox.get("/", follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session_on_the_server(inbox: TestClient) -> None:
    sign_in(inbox)
    token = inbox.cookies["qaid_inbox_session"]
    page = inbox.get("/")
    assert inbox.post("/signout", data={"csrf": "wrong"}).status_code == 403
    r = inbox.post("/signout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    inbox.cookies.set("qaid_inbox_session", token)  # a copied cookie no longer works
    assert inbox.get("/", follow_redirects=False).status_code == 303
    actions = [a["action"] for a in inbox.app.state.workbench.accounts.trail()]  # type: ignore[attr-defined]
    assert actions[0] == "signed_out"
