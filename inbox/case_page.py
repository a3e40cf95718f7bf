"""One case for a doctor: the workbench actions, each image beside its findings and the hospitals'
agreement on it, the conversation, doctors' notes and the case's audit trail."""

from __future__ import annotations

from typing import Any

from inbox import summary
from inbox.cases import STATUS_WORDS, TRANSITIONS
from inbox.pages import e, page, status_badge, urgency_badge, when

ACTION_WORDS = {
    "received": "transcript received",
    "images": "images fetched from the hub",
    "viewed": "opened the case",
    "claimed": "claimed the case",
    "status": "changed the status",
    "note": "added a note",
    "pdf": "downloaded the PDF",
    "fhir": "downloaded the FHIR bundle",
    "reply": "wrote to the patient",
    "appointment": "proposed an appointment",
    "reply_sent": "reply accepted by the hub",
    "reply_refused": "reply refused by the hub",
    "reply_dead": "reply could not be sent",
    "appointment_accepted": "patient accepted the appointment",
    "appointment_declined": "patient declined the appointment",
}
REPLY_STATUS = {
    "queued": "waiting to be sent",
    "sent": "sent to the patient's chat",
    "refused": "refused by the hub",
    "dead": "could not be sent",
}


def _form(action: str, csrf: str, fields: dict[str, str], label: str, secondary: bool = False) -> str:
    hidden = "".join(f"<input type='hidden' name='{e(k)}' value='{e(v)}'>" for k, v in fields.items())
    cls = " class='secondary'" if secondary else ""
    return (
        f"<form class='inline' method='post' action='{e(action)}'>"
        f"<input type='hidden' name='csrf' value='{e(csrf)}'>{hidden}"
        f"<button type='submit'{cls}>{e(label)}</button></form>"
    )


def _actions(wid: str, state: dict[str, Any], doctor: dict[str, Any] | None) -> str:
    claimed = state["claimed_by"]
    head = (
        f"<p>Status: {status_badge(state['status'])} · claimed by {e(claimed) if claimed else 'nobody'}</p>"
    )
    if doctor is None:
        return head + "<p class='meta'>Sign in to claim this case, change its status or write a note.</p>"
    buttons = []
    if claimed != doctor["username"]:
        buttons.append(_form(f"/cases/{wid}/claim", doctor["csrf"], {}, "Claim this case"))
    for to in TRANSITIONS[state["status"]]:
        label = "Re-open for review" if to == "in_review" else f"Mark as {STATUS_WORDS[to]}"
        buttons.append(_form(f"/cases/{wid}/status", doctor["csrf"], {"to": to}, label, secondary=True))
    return head + "<p>" + " ".join(buttons) + "</p>"


def _figure(image: dict[str, Any] | None, url: str | None, n: int) -> str:
    if image is None:
        return "<div class='noimg'>These findings name an image the transcript does not list.</div>"
    if url:
        alt = f"Image {n} the patient shared"
        img = f"<a href='{e(url)}'><img src='{e(url)}' alt='{e(alt)}' loading='lazy'></a>"
    else:
        img = "<div class='noimg'>The image is not available here.</div>"
    caption = f"{e(image['image_id'])}<br><span class='meta'>sha256 {e(image['sha256'][:16])}…</span>"
    return f"<figure>{img}<figcaption>{caption}</figcaption></figure>"


def _overlays(n: int, findings: list[dict[str, Any]], urls: dict[str, str]) -> str:
    """The outlines the patient was shown for image ``n`` (only those the hub linked: verified)."""
    out, seen = [], set()
    for f in findings:
        overlay = summary.overlay_of(f)
        url = urls.get(overlay["image_id"]) if overlay else None
        if overlay is None or url is None or overlay["image_id"] in seen:
            continue
        seen.add(overlay["image_id"])
        caption = f"Outline by {f['hospital_name']}, as the patient saw it"
        out.append(
            f"<figure><a href='{e(url)}'><img src='{e(url)}' alt='{e(caption)} (image {n})' "
            f"loading='lazy'></a><figcaption>{e(caption)}</figcaption></figure>"
        )
    return "".join(out)


def _image_section(
    n: int, image: dict[str, Any] | None, findings: list[dict[str, Any]], urls: dict[str, str]
) -> str:
    url = urls.get(image["image_id"]) if image else None
    title = f"Image {n}" if image else "Findings about another image"
    agreed = "".join(
        f"<li>{e(summary.question_of(a))} <b>{e(a['answer'])}</b> — {e(summary.agreement_words(a))}</li>"
        for a in summary.agreement(findings)
    )
    rows = "".join(
        f"<tr><td>{e(summary.question_of(f))}</td><td>{e(f['answer'])}</td>"
        f"<td>{e(summary.confidence_words(f) or '—')}</td><td>{e(f['hospital_name'])}"
        f"<br><span class='meta'>{e(f.get('model_version') or '')}</span></td></tr>"
        for f in findings
    )
    table = (
        "<table><thead><tr><th scope='col'>Question</th><th scope='col'>Answer</th>"
        "<th scope='col'>How sure the model was</th><th scope='col'>Hospital and model</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if rows
        else "<p>No hospital answered about this image.</p>"
    )
    heading = f"<h3>Hospitals' agreement on image {n}</h3><ul>{agreed}</ul>" if agreed else ""
    return (
        f"<section class='case-image' aria-labelledby='img-{n}'>"
        f"<div>{_figure(image, url, n)}{_overlays(n, findings, urls)}</div>"
        f"<div><h2 id='img-{n}'>{e(title)}</h2>{heading}"
        f"<h3>Each hospital's answer</h3>{table}</div></section>"
    )


def _patient(t: dict[str, Any]) -> str:
    contact = t.get("contact") or {}
    items = [f"<li>{e(k)}: {e(v)}</li>" for k, v in contact.items() if v]
    if loc := t.get("location"):
        items.append(f"<li>location: {e(loc.get('name') or '')} ({e(loc['lat'])}, {e(loc['lon'])})</li>")
    if t.get("symptoms"):
        items.append(f"<li>symptoms: {e(', '.join(t['symptoms']))}</li>")
    consent = t["consent"]
    return (
        f"<h2>Patient</h2><ul>{''.join(items) or '<li>no contact details shared</li>'}</ul>"
        f"<p class='meta'>Consent given {e(when(consent['at']))} for {e(', '.join(consent['hospitals']))}: "
        f"“{e(consent['statement'])}”</p>"
    )


def _told(t: dict[str, Any]) -> str:
    """The agreement the patient was told, as the bot counted it (over every hospital it asked, some of
    which this hospital does not see): the transcript's consensus entries carry no image id."""
    items = "".join(
        f"<li>{e(c.get('question') or c['kind'])} <b>{e(c['answer'])}</b> — {c['agree']} of {c['total']} "
        f"hospital{'s' if c['total'] != 1 else ''} {'agree' if c['total'] != 1 else 'answered'}</li>"
        for c in t.get("consensus", [])
    )
    return f"<h2>What the patient was told about agreement</h2><ul>{items}</ul>" if items else ""


def _conversation(t: dict[str, Any]) -> str:
    messages = "".join(
        f"<p class='{e(m['sender'])}'><b>{e(m['sender'])}</b> "
        f"<span class='meta'>{e(when(m['at']))}</span><br>"
        f"{e(m['text'])}{' [image ' + e(m['image_id']) + ']' if m.get('image_id') else ''}</p>"
        for m in t.get("messages", [])
    )
    definitions = "".join(f"<li>{e(d)}</li>" for d in t.get("definitions", []))
    extra = f"<h3>Definitions shown to the patient</h3><ul>{definitions}</ul>" if definitions else ""
    return f"<h2>Conversation</h2>{messages or '<p>(no messages)</p>'}{extra}"


def _notes(wid: str, notes: list[dict[str, Any]], doctor: dict[str, Any] | None, limit: int) -> str:
    shown = "".join(
        f"<div class='note'><p class='meta'>{e(n['author_name'])} ({e(n['author'])}), {e(when(n['at']))}</p>"
        f"<p>{e(n['text'])}</p></div>"
        for n in notes
    )
    form = ""
    if doctor:
        form = (
            f"<form method='post' action='/cases/{e(wid)}/notes'>"
            f"<input type='hidden' name='csrf' value='{e(doctor['csrf'])}'>"
            f"<p><label for='note'>Add a note (seen by the hospital's doctors only)</label><br>"
            f"<textarea id='note' name='text' rows='3' cols='60' maxlength='{limit}' required></textarea></p>"
            "<p><button type='submit'>Save note</button></p></form>"
        )
    return f"<h2>Doctors' notes</h2>{shown or '<p>No notes yet.</p>'}{form}"


def _zone_words(zone: str | None) -> str:
    """The clock an appointment's time is on; a reply written before the inbox knew its zone names none."""
    return f"{zone} time" if zone else "the hospital's local time"


def _reply_item(r: dict[str, Any]) -> str:
    appt = r["appointment"]
    what = (
        f"<p><b>Appointment</b> {e(appt['at'].replace('T', ' '))} "
        f"({e(_zone_words(appt.get('time_zone')))}) at {e(appt['place'])}"
        f"{' · bring: ' + e(appt['bring']) if appt['bring'] else ''}</p>"
        if appt
        else ""
    )
    status = REPLY_STATUS.get(r["status"], r["status"])
    if r["status"] in ("refused", "dead") and r["last_error"]:
        status += f": {r['last_error']}"
    answer = ""
    if r["answer"]:
        answer = f"<p class='answer'><b>The patient {e(r['answer'])} at {e(when(r['answered_at']))}</b></p>"
    elif appt and r["status"] == "sent":
        answer = "<p class='meta'>No answer from the patient yet.</p>"
    return (
        f"<div class='note'><p class='meta'>{e(r['author_name'])} ({e(r['author'])}), "
        f"{e(when(r['written_at']))} · {e(status)}</p>{what}<p>{e(r['text'])}</p>{answer}</div>"
    )


def _reply_forms(wid: str, csrf: str, time_zone: str) -> str:
    hidden = f"<input type='hidden' name='csrf' value='{e(csrf)}'>"
    return (
        f"<form method='post' action='/cases/{e(wid)}/replies'>{hidden}"
        "<input type='hidden' name='kind' value='message'>"
        "<p><label for='reply-text'>Message to the patient (shown in their chat with the hospital's name)"
        "</label><br><textarea id='reply-text' name='text' rows='3' cols='60' maxlength='2000' required>"
        "</textarea></p><p><button type='submit'>Send message</button></p></form>"
        f"<form method='post' action='/cases/{e(wid)}/replies'>{hidden}"
        "<input type='hidden' name='kind' value='appointment'>"
        "<fieldset><legend>Propose an appointment</legend>"
        f"<p><label for='appt-at'>Date and time ({e(_zone_words(time_zone))}, the hospital's clock)"
        "</label><br>"
        "<input id='appt-at' name='at' type='datetime-local' required></p>"
        "<p><label for='appt-place'>Place</label><br>"
        "<input id='appt-place' name='place' maxlength='200' size='50' required></p>"
        "<p><label for='appt-bring'>What to bring</label><br>"
        "<input id='appt-bring' name='bring' maxlength='500' size='50'></p>"
        "<p><label for='appt-text'>Message</label><br>"
        "<textarea id='appt-text' name='text' rows='2' cols='60' maxlength='2000' required></textarea></p>"
        "<p><button type='submit'>Propose appointment</button></p></fieldset></form>"
    )


def replies_section(
    wid: str, replies: list[dict[str, Any]], state: dict[str, Any], doctor: dict[str, Any] | None,
    time_zone: str,
) -> str:  # fmt: skip
    shown = "".join(_reply_item(r) for r in replies) or "<p>No reply to the patient yet.</p>"
    if doctor is None:
        form = ""
    elif state["claimed_by"] != doctor["username"]:
        form = "<p class='meta'>Claim this case to write to the patient.</p>"
    else:
        form = _reply_forms(wid, doctor["csrf"], time_zone)
    return f"<h2 id='replies'>Replies to the patient</h2>{shown}{form}"


def _trail(trail: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{e(when(a['at']))}</td><td>{e(a['actor'])}</td>"
        f"<td>{e(ACTION_WORDS.get(a['action'], a['action']))}</td><td>{e(a['detail'])}</td></tr>"
        for a in trail
    )
    return (
        "<h2>Audit trail</h2><table><thead><tr><th scope='col'>When</th><th scope='col'>Who</th>"
        f"<th scope='col'>What</th><th scope='col'>Detail</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def case_page(hospital_name: str, entry: dict[str, Any], view: dict[str, Any]) -> str:
    """``view``: state, notes, trail, doctor (or None), note_limit, replies, time_zone."""
    t, wid = entry["transcript"], entry["webhook_id"]
    urls = (entry.get("links") or {}).get("images", {})
    images = "".join(
        _image_section(n, image, findings, urls)
        for n, (image, findings) in enumerate(summary.per_image(t), start=1)
    )
    parts = [
        f"<h1>{urgency_badge(t['urgency'])} {e(summary.one_line(t))}</h1>",
        f"<p class='meta'>Conversation {e(t['conversation_id'])} · started {e(when(t['created_at']))} · "
        f"ended: {e(t['ended_reason'])} · received {e(when(entry['received_at']))} · signature verified</p>",
        _actions(wid, view["state"], view["doctor"]),
        f"<p><a href='/transcripts/{e(wid)}.pdf'>Download PDF</a> · "
        f"<a href='/transcripts/{e(wid)}.fhir.json'>FHIR R4 Bundle (JSON)</a></p>",
        _patient(t),
        f"<p class='meta'>{e(summary.CONFIDENCE_NOTE)}</p>",
        images or "<p>No images were shared.</p>",
        _told(t),
        _conversation(t),
        replies_section(wid, view["replies"], view["state"], view["doctor"], view["time_zone"]),
        _notes(wid, view["notes"], view["doctor"], view["note_limit"]),
        _trail(view["trail"]),
    ]
    return page(f"Case {t['conversation_id']}", "".join(parts), hospital_name, view["doctor"])
