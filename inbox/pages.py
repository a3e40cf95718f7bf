"""The doctor's HTML pages of a hospital inbox: sign-in, the queue, and the shared layout.

Every value shown comes from a patient conversation, a model or a doctor and is escaped
(``html.escape``): a patient typing ``<script>`` must not run code in a doctor's browser. The pages
need no JavaScript; every action is a plain form with the session's CSRF token. The case page is in
:mod:`inbox.case_page`.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from inbox.cases import STATUS_WORDS, STATUSES

# Colours chosen for WCAG 2.2 AA contrast on white (text ≥ 4.5:1, focus ring ≥ 3:1).
STYLE = """
*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:0;color:#1d2733;line-height:1.45}
header,main,footer{max-width:68rem;margin:0 auto;padding:0 1rem}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;
border-bottom:1px solid #c9d3dd}
a{color:#0b57a0}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,
textarea:focus-visible{outline:3px solid #0b57a0;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.3rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #c9d3dd;padding:.4rem;
text-align:left;vertical-align:top;overflow-wrap:anywhere}
@media (max-width:40rem){table{table-layout:fixed;font-size:.9rem}td,th{padding:.25rem}}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:.3rem;font-size:.9rem;white-space:nowrap}
.urgent{background:#b71c1c;color:#fff}.routine{background:#e4eaf0;color:#1d2733}
.st-new{background:#fff3c4;color:#4a3b00}.st-in_review{background:#d8e8fb;color:#0b3d70}
.st-contacted{background:#dcf1df;color:#14532d}.st-closed{background:#e4eaf0;color:#33414f}
.meta{color:#4f5f70;font-size:.9rem}.summary{overflow-wrap:anywhere}
button{font:inherit;padding:.35rem .8rem;border:1px solid #0b57a0;border-radius:.3rem;background:#0b57a0;
color:#fff;cursor:pointer}button.secondary{background:#fff;color:#0b57a0}
input,select,textarea{font:inherit;padding:.3rem;border:1px solid #6b7b8c;border-radius:.25rem;max-width:100%}
form.inline{display:inline}fieldset{min-width:0;max-width:100%;margin:1rem 0}
.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:1rem 0}
.filters label{display:flex;flex-direction:column;font-size:.9rem}
.error{background:#fde8e8;color:#7f1d1d;padding:.5rem;border-radius:.3rem}
.case-image{display:grid;grid-template-columns:minmax(0,18rem) minmax(0,1fr);gap:1rem;margin:1rem 0;
padding:1rem 0;border-top:1px solid #c9d3dd}
@media (max-width:40rem){.case-image{grid-template-columns:1fr}}
figure{margin:0}figure img{max-width:100%;height:auto;border:1px solid #c9d3dd}
figcaption{overflow-wrap:anywhere}.noimg{padding:2rem 1rem;background:#eef2f6}
.patient{color:#0b4f8a}.bot{color:#33414f}.note{border-left:3px solid #0b57a0;padding-left:.6rem}
"""


def e(value: Any) -> str:
    return escape("" if value is None else str(value))


def when(iso: str) -> str:
    return f"{iso[:16].replace('T', ' ')} UTC"


def page(title: str, body: str, hospital_name: str, doctor: dict[str, Any] | None = None) -> str:
    """A full page: skip link, header (hospital, the signed-in doctor, sign-out), main."""
    who = ""
    if doctor:
        who = (
            f"<span>Signed in as <b>{e(doctor['display_name'])}</b></span> "
            "<form class='inline' method='post' action='/signout'>"
            f"<input type='hidden' name='csrf' value='{e(doctor['csrf'])}'>"
            "<button class='secondary' type='submit'>Sign out</button></form>"
        )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>"
        "<a class='skip' href='#main'>Skip to content</a>"
        f"<header><p><a href='/'>{e(hospital_name)} — patient inbox</a></p><div>{who}</div></header>"
        f"<main id='main'>{body}</main></body></html>"
    )


def urgency_badge(urgency: str) -> str:
    if urgency == "urgent":
        return "<span class='badge urgent'>urgent — red flag</span>"
    return "<span class='badge routine'>routine</span>"


def status_badge(status: str) -> str:
    return f"<span class='badge st-{e(status)}'>{e(STATUS_WORDS.get(status, status))}</span>"


def signin_page(
    hospital_name: str, csrf: str, next_path: str, error: str = "", username: str = "", oidc_name: str = ""
) -> str:
    """The password form; with ``oidc_name`` (a configured provider) its sign-in link beside it."""
    problem = f"<p class='error' role='alert'>{e(error)}</p>" if error else ""
    provider = ""
    if oidc_name:
        provider = (
            f"<p><a href='/auth/oidc/start?next={e(quote(next_path, safe=''))}'>"
            f"Sign in with {e(oidc_name)}</a></p><p class='meta'>or with your inbox password:</p>"
        )
    body = (
        "<h1>Sign in</h1>"
        f"{problem}{provider}<form method='post' action='/signin'>"
        f"<input type='hidden' name='csrf' value='{e(csrf)}'>"
        f"<input type='hidden' name='next' value='{e(next_path)}'>"
        "<p><label for='username'>User name</label><br>"
        f"<input id='username' name='username' autocomplete='username' required value='{e(username)}'></p>"
        "<p><label for='password'>Password</label><br>"
        "<input id='password' name='password' type='password' autocomplete='current-password' required></p>"
        "<p><button type='submit'>Sign in</button></p></form>"
    )
    return page(f"Sign in — {hospital_name} inbox", body, hospital_name)


def continue_page(hospital_name: str, next_path: str) -> str:
    """After the provider's sign-in: a same-site step on to ``next_path``. The browser arrived from
    the provider (cross-site), and a redirect from there would not carry the SameSite=Strict
    session cookie just set; this page's refresh is a navigation of the inbox's own."""
    target = e(next_path)
    body = f"<h1>Signed in</h1><p><a href='{target}'>Continue to the inbox</a></p>"
    html = page(f"Signed in — {hospital_name} inbox", body, hospital_name)
    return html.replace("<title>", f"<meta http-equiv='refresh' content='0;url={target}'><title>", 1)


def _filters(status: str, q: str) -> str:
    options = "".join(
        f"<option value='{s}'{' selected' if s == status else ''}>{e(STATUS_WORDS[s])}</option>"
        for s in STATUSES
    )
    open_sel = " selected" if status == "open" else ""
    all_sel = " selected" if status == "all" else ""
    return (
        "<form class='filters' method='get' action='/' role='search'>"
        "<label for='status'>Status<select id='status' name='status'>"
        f"<option value='open'{open_sel}>not closed</option>"
        f"<option value='all'{all_sel}>all</option>{options}"
        "</select></label>"
        f"<label for='q'>Search<input id='q' name='q' type='search' value='{e(q)}'></label>"
        "<button type='submit'>Show</button></form>"
    )


def queue_page(
    hospital_name: str,
    rows: list[dict[str, Any]],
    doctor: dict[str, Any] | None,
    status: str,
    q: str,
    open_demo: bool,
) -> str:
    lines = []
    for r in rows:
        claimed = e(r["claimed_by"]) if r["claimed_by"] else "<span class='meta'>nobody</span>"
        lines.append(
            "<tr>"
            f"<td>{urgency_badge(r['urgency'])}</td><td>{status_badge(r['status'])}</td>"
            f"<td class='summary'><a href='/transcripts/{e(r['webhook_id'])}'>{e(r['summary'])}</a></td>"
            f"<td>{e(r['contact_name'] or '—')}</td><td>{claimed}</td><td>{e(when(r['received_at']))}</td>"
            "</tr>"
        )
    table = (
        "<table><caption class='meta'>Urgent cases first, then the newest.</caption><thead><tr>"
        "<th scope='col'>Urgency</th><th scope='col'>Status</th><th scope='col'>Summary</th>"
        "<th scope='col'>Patient</th><th scope='col'>Claimed by</th><th scope='col'>Received</th>"
        f"</tr></thead><tbody>{''.join(lines)}</tbody></table>"
        if lines
        else "<p>No cases match.</p>"
    )
    note = ""
    if open_demo:
        note = (
            "<p class='meta'>This inbox has no doctor accounts, so it is open and read-only. Add one with "
            "<code>python -m inbox doctors add</code> to sign in, claim cases and write notes.</p>"
        )
    body = f"<h1>Patient cases</h1>{note}{_filters(status, q)}{table}"
    return page(f"{hospital_name} inbox", body, hospital_name, doctor)
