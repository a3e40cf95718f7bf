"""The queue and the case page: urgent first, status and claim, summary, filters; findings grouped
per image with the hospitals' agreement and plain confidence words; notes and the audit trail. The
inbox without accounts stays a plain, read-only webhook receiver."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from inbox_helpers import csrf_of, deliver, sign_in, transcript

from inbox import summary
from qaid.config import Settings


def _seed(client: TestClient, settings: Settings) -> None:
    deliver(
        client, settings, transcript("conv-urgent", urgency="urgent", ask="Is it a stroke?"), "msg_urgent"
    )
    deliver(client, settings, transcript("conv-old"), "msg_old")
    deliver(client, settings, transcript("conv-new", ask="Can you look at my knee please"), "msg_new")


def _queue_ids(client: TestClient, query: str = "") -> list[str]:
    return re.findall(r"href='/transcripts/([^']+)'", client.get("/" + query).text)


def test_the_one_line_summary_says_what_was_asked_found_and_where() -> None:
    line = summary.one_line(transcript(ask="Is this a tumour?"))
    assert line == (
        "Asked: “Is this a tumour?” · Found: a brain MRI; possible abnormality; lesion outlined, on the "
        "left, about 2% of the brain; Is there a tumor? yes · Body part: brain · Symptoms: headache"
    )


def test_the_queue_lists_urgent_first_then_newest_with_status_and_summary(
    inbox: TestClient, settings: Settings
) -> None:
    _seed(inbox, settings)
    sign_in(inbox)
    assert _queue_ids(inbox) == ["msg_urgent", "msg_new", "msg_old"]
    page = inbox.get("/").text
    assert "urgent — red flag" in page and page.count(">new</span>") == 3
    assert "Asked: “Can you look at my knee please”" in page and "conv-" not in page


def test_a_doctor_claims_moves_and_notes_a_case_and_the_trail_records_it(
    inbox: TestClient, settings: Settings
) -> None:
    _seed(inbox, settings)
    sign_in(inbox)
    csrf = csrf_of(inbox.get("/transcripts/msg_old").text)
    assert inbox.post("/cases/msg_old/claim", data={"csrf": csrf}).status_code == 200  # back on the case
    inbox.post("/cases/msg_old/status", data={"csrf": csrf, "to": "contacted"})
    r = inbox.post("/cases/msg_old/status", data={"csrf": csrf, "to": "new"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "status_conflict"
    inbox.post("/cases/msg_old/notes", data={"csrf": csrf, "text": "Called <b>her</b>, MRI booked."})
    page = inbox.get("/transcripts/msg_old").text
    assert "patient contacted</span> · claimed by ana" in page
    assert "Called &lt;b&gt;her&lt;/b&gt;, MRI booked." in page and "Dr Ana Ionescu (ana)" in page
    trail = inbox.app.state.workbench.accounts.trail("msg_old")  # type: ignore[attr-defined]
    done = [(a["actor"], a["action"]) for a in trail if a["action"] != "viewed"]
    assert done == [("ana", "note"), ("ana", "status"), ("ana", "claimed"), ("hub", "received")]
    shown = page.split("<h2>Audit trail</h2>")[1]
    assert "<td>ana</td><td>changed the status</td><td>in review → patient contacted</td>" in shown
    assert "<td>hub</td><td>transcript received</td><td>signature verified</td>" in shown

    assert _queue_ids(inbox, "?status=contacted") == ["msg_old"]
    assert _queue_ids(inbox, "?status=new") == ["msg_urgent", "msg_new"]
    assert _queue_ids(inbox, "?status=all&q=KNEE") == ["msg_new"]
    assert _queue_ids(inbox, "?q=stroke") == ["msg_urgent"]


def test_another_doctor_can_take_over_a_claim_and_closed_cases_leave_the_default_queue(
    inbox: TestClient, settings: Settings
) -> None:
    _seed(inbox, settings)
    sign_in(inbox)
    csrf = csrf_of(inbox.get("/").text)
    inbox.post("/cases/msg_new/claim", data={"csrf": csrf})
    inbox.post("/cases/msg_new/status", data={"csrf": csrf, "to": "closed"})
    assert _queue_ids(inbox) == ["msg_urgent", "msg_old"]
    assert _queue_ids(inbox, "?status=closed") == ["msg_new"]
    inbox.post("/signout", data={"csrf": csrf})
    sign_in(inbox, username="bogdan")
    csrf = csrf_of(inbox.get("/").text)
    inbox.post("/cases/msg_new/status", data={"csrf": csrf, "to": "in_review"})
    inbox.post("/cases/msg_new/claim", data={"csrf": csrf})
    trail = [a for a in inbox.app.state.workbench.accounts.trail("msg_new") if a["action"] != "viewed"]  # type: ignore[attr-defined]
    assert (trail[0]["actor"], trail[0]["action"], trail[0]["detail"]) == ("bogdan", "claimed", "from ana")


def test_every_case_form_needs_the_session_csrf_token_and_the_same_origin(
    inbox: TestClient, settings: Settings
) -> None:
    _seed(inbox, settings)
    sign_in(inbox)
    csrf = csrf_of(inbox.get("/").text)
    for path, extra in [("claim", {}), ("status", {"to": "in_review"}), ("notes", {"text": "x"})]:
        url = f"/cases/msg_old/{path}"
        assert inbox.post(url, data=extra).json()["error"]["code"] == "csrf_failed"
        assert inbox.post(url, data={"csrf": "forged", **extra}).status_code == 403
        cross = inbox.post(url, data={"csrf": csrf, **extra}, headers={"Origin": "https://evil.example"})
        assert cross.status_code == 403 and cross.json()["error"]["code"] == "cross_origin"
        # no-referrer pages make a browser send "Origin: null"; Sec-Fetch-Site still tells the truth
        hidden = {"Origin": "null", "Sec-Fetch-Site": "cross-site"}
        assert inbox.post(url, data={"csrf": csrf, **extra}, headers=hidden).status_code == 403
    assert inbox.post("/cases/msg_old/notes", data={"csrf": csrf, "text": " "}).status_code == 422
    assert inbox.post("/cases/msg_nope/claim", data={"csrf": csrf}).status_code == 404
    assert [a for a in inbox.app.state.workbench.cases.states()] == []  # type: ignore[attr-defined]
    own = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert inbox.post("/cases/msg_old/claim", data={"csrf": csrf}, headers=own).status_code < 400


def test_the_case_page_puts_each_image_beside_its_findings_in_plain_words(
    inbox: TestClient, settings: Settings
) -> None:
    _seed(inbox, settings)
    sign_in(inbox)
    page = inbox.get("/transcripts/msg_old").text
    first, second = page.split("<h2 id='img-1'>")[1], page.split("<h2 id='img-2'>")[1]
    first = first.split("<h2 id='img-2'>")[0]
    assert "Hospitals' agreement on image 1" in first and "Hospitals' agreement on image 2" in second
    assert "What is this image? <b>a brain MRI; possible abnormality</b> — 2 of 2 hospitals agree" in first
    assert "Is there a tumor? <b>yes</b> — 1 of 2 hospitals agree" in first
    assert (
        "chest X-ray" not in first
        and "a chest X-ray; nothing abnormal</b> — 1 of 1 hospital answered" in second
    )
    assert "high — the model rated itself 87% sure of the body part it named" in first
    assert "moderate — the model rated itself 62% sure of this answer" in first
    # the outline's number is the share of the image outlined, not a confidence: not shown as one
    outline_row = first.split("Where is the lesion?</td>")[1].split("</tr>")[0]
    assert "1%" not in outline_row and "<td>—</td>" in outline_row


def test_without_accounts_the_inbox_stays_an_open_read_only_receiver(
    open_inbox: TestClient, settings: Settings
) -> None:
    _seed(open_inbox, settings)
    assert _queue_ids(open_inbox) == ["msg_urgent", "msg_new", "msg_old"]
    page = open_inbox.get("/transcripts/msg_old").text
    assert "Sign in to claim this case" in page and "<form" not in page
    r = open_inbox.post("/cases/msg_old/claim", data={"csrf": "x"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "doctor_required"
    assert "python -m inbox doctors add" in open_inbox.get("/").text
    trail = open_inbox.app.state.workbench.accounts.trail("msg_old")  # type: ignore[attr-defined]
    assert trail[0]["actor"] == "open inbox" and trail[0]["action"] == "viewed"
