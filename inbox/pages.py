"""The doctor's HTML pages of a hospital inbox: the list (urgent first) and one transcript's detail.

Every value shown comes from a patient conversation or a model and is escaped (``html.escape``):
a patient typing ``<script>`` must not run code in a doctor's browser. No template engine and no
JavaScript are needed for two read-only pages.
"""

from __future__ import annotations

from html import escape
from typing import Any

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2733}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dde3ea;padding:.4rem;text-align:left}
.urgent{background:#c62828;color:#fff;padding:.1rem .4rem;border-radius:.3rem}
.routine{background:#e0e7ef;padding:.1rem .4rem;border-radius:.3rem}
.images{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;max-width:18rem}
figure img{max-width:18rem;max-height:18rem;border:1px solid #dde3ea}.noimg{padding:2rem;background:#f2f5f8}
.patient{color:#0b4f8a}.bot{color:#4a5a6a}.meta{color:#5b6b7c;font-size:.9rem}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )


def _badge(urgency: str) -> str:
    cls = "urgent" if urgency == "urgent" else "routine"
    return f"<span class='{cls}'>{_e(urgency)}</span>"


def list_page(hospital_name: str, entries: list[dict[str, Any]]) -> str:
    rows = []
    for e in entries:
        t = e["transcript"]
        symptoms = ", ".join(t.get("symptoms", [])[:4])
        rows.append(
            "<tr>"
            f"<td>{_badge(e['urgency'])}</td>"
            f"<td><a href='/transcripts/{_e(e['webhook_id'])}'>{_e(e['conversation_id'])}</a></td>"
            f"<td>{_e(e['received_at'][:19].replace('T', ' '))} UTC</td>"
            f"<td>{_e(symptoms)}</td>"
            f"<td>{len(t.get('findings', []))}</td>"
            "</tr>"
        )
    table = (
        "<table><tr><th>urgency</th><th>conversation</th><th>received</th><th>symptoms</th><th>findings</th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else "<p>No transcripts yet.</p>"
    )
    return _page(f"{hospital_name} inbox", f"<h1>{_e(hospital_name)} — patient transcripts</h1>{table}")


def _image(i: dict[str, Any], urls: dict[str, str]) -> str:
    """A figure per image: the picture from the hub when the delivery carried its URL."""
    caption = f"{_e(i['image_id'])}<br><span class='meta'>sha256 {_e(i['sha256'][:16])}…</span>"
    url = urls.get(i["image_id"])
    if url:
        img = f"<a href='{_e(url)}'><img src='{_e(url)}' alt='{_e(i['image_id'])}' loading='lazy'></a>"
    else:
        img = "<div class='noimg'>image not available here</div>"
    return f"<figure>{img}<figcaption>{caption}</figcaption></figure>"


def detail_page(hospital_name: str, e: dict[str, Any]) -> str:
    t = e["transcript"]
    contact = t.get("contact") or {}
    consent = t["consent"]
    loc = t.get("location")
    where = ""
    if loc:
        where = f"<li>location: {_e(loc.get('name') or '')} ({_e(loc['lat'])}, {_e(loc['lon'])})</li>"
    parts = [
        f"<p><a href='/'>&larr; {_e(hospital_name)} inbox</a></p>",
        f"<h1>Conversation {_e(t['conversation_id'])} {_badge(t['urgency'])}</h1>",
        f"<p class='meta'>started {_e(t['created_at'])} · ended: {_e(t['ended_reason'])} · "
        f"received {_e(e['received_at'])} · webhook-id {_e(e['webhook_id'])} · signature verified</p>",
        f"<p><a href='/transcripts/{_e(e['webhook_id'])}.pdf'>Download PDF</a> · "
        f"<a href='/transcripts/{_e(e['webhook_id'])}.fhir.json'>FHIR R4 Bundle (JSON)</a></p>",
        "<h2>Patient</h2><ul>"
        + "".join(f"<li>{_e(k)}: {_e(v)}</li>" for k, v in contact.items() if v)
        + where
        + "</ul>",
        f"<p class='meta'>Consent given {_e(consent['at'])} for {_e(', '.join(consent['hospitals']))}: "
        f"“{_e(consent['statement'])}”</p>",
    ]
    if t.get("symptoms"):
        parts.append("<h2>Symptoms</h2><ul>" + "".join(f"<li>{_e(s)}</li>" for s in t["symptoms"]) + "</ul>")
    findings = t.get("findings", [])
    if findings:
        rows = "".join(
            f"<tr><td>{_e(f['hospital_name'])}</td><td>{_e(f['kind'])}</td><td>{_e(f.get('question'))}</td>"
            f"<td>{_e(f['answer'])}</td><td>{float(f['confidence']):.0%}</td><td>{_e(f.get('model_version'))}</td>"
            f"<td>{_e(f['image_id'])}</td></tr>"
            for f in findings
        )
        parts.append(
            "<h2>Findings</h2><table><tr><th>hospital</th><th>kind</th><th>question</th><th>answer</th>"
            f"<th>confidence</th><th>model</th><th>image</th></tr>{rows}</table>"
        )
    if t.get("consensus"):
        items = "".join(
            f"<li>{_e(c.get('question') or c['kind'])}: <b>{_e(c['answer'])}</b> "
            f"({_e(c['agree'])} of {_e(c['total'])} hospitals agree)</li>"
            for c in t["consensus"]
        )
        parts.append(f"<h2>Consensus</h2><ul>{items}</ul>")
    if t.get("images"):
        urls = (e.get("links") or {}).get("images", {})
        parts.append(
            "<h2>Images</h2><div class='images'>" + "".join(_image(i, urls) for i in t["images"]) + "</div>"
        )
    if t.get("definitions"):
        parts.append(
            "<h2>Definitions shown</h2><ul>"
            + "".join(f"<li>{_e(d)}</li>" for d in t["definitions"])
            + "</ul>"
        )
    messages = "".join(
        f"<p class='{_e(m['sender'])}'><b>{_e(m['sender'])}</b> <span class='meta'>{_e(m['at'])}</span><br>"
        f"{_e(m['text'])}{' [image ' + _e(m['image_id']) + ']' if m.get('image_id') else ''}</p>"
        for m in t.get("messages", [])
    )
    parts.append(f"<h2>Conversation</h2>{messages or '<p>(no messages)</p>'}")
    return _page(f"Transcript {t['conversation_id']}", "".join(parts))
