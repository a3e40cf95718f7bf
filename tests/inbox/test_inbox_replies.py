"""A doctor's reply from the case page: only the claiming doctor writes, it is audited, queued in the
inbox's file and sent to the hub over real HTTP, signed, retried with the same webhook-id, refused
for good on the hub's 4xx; the patient's answer (reply.answered) shows on the case page."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from inbox_helpers import PASSWORD, csrf_of, deliver, make_settings, sign_in, transcript
from pydantic import ValidationError
from standardwebhooks import Webhook
from utils.contract import check
from utils.net import free_port

from inbox.app import create_app
from qaid import webhooks
from qaid.config import Settings, webhook_secret
from qaid.retry import RetryPolicy

CASE = "msg_case_1"


class FakeHub:
    """The hub's reply route as the inbox meets it: verifies titan's signature, answers scripted codes."""

    def __init__(self, settings: Settings, statuses: list[tuple[int, dict[str, object]]]) -> None:
        self.statuses, self.requests = statuses, []  # type: ignore[var-annotated]
        self.app = FastAPI()
        secret = webhook_secret(settings.webhook_secret_seed, "titan")

        @self.app.post("/api/v1/hospitals/titan/replies")
        async def _replies(request: Request) -> JSONResponse:
            body = await request.body()
            Webhook(secret).verify(body, dict(request.headers))  # raises (500) when unsigned
            self.requests.append((dict(request.headers), json.loads(body)))
            code, answer = self.statuses.pop(0) if self.statuses else (201, {"id": "rp_x"})
            return JSONResponse(answer, status_code=code)


@pytest.fixture
def hub_port() -> int:
    return free_port()


@pytest.fixture
def settings(tmp_path: Path, hub_port: int) -> Settings:
    return make_settings(tmp_path).model_copy(update={"hub_port": hub_port})


@pytest.fixture
def inbox(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, "titan", send_replies=False)
    app.state.workbench.accounts.add_doctor("ana", "Dr Ana Ionescu", PASSWORD)
    app.state.workbench.accounts.add_doctor("bogdan", "Dr Bogdan Radu", PASSWORD)
    with TestClient(app) as client:
        yield client


def _serve(app: FastAPI, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the fake hub did not start"
        time.sleep(0.02)
    return server


def _claimed_case(inbox: TestClient, settings: Settings) -> str:
    deliver(inbox, settings, transcript("c_conversation1"), CASE)
    sign_in(inbox)
    page = inbox.get(f"/transcripts/{CASE}").text
    inbox.post(f"/cases/{CASE}/claim", data={"csrf": csrf_of(page)})
    return csrf_of(page)


APPOINTMENT = {"kind": "appointment", "at": "2026-12-10T09:30", "place": "Building B, room 12",
               "bring": "your MRI on a disc", "text": "Please come so we can examine you."}  # fmt: skip


def test_only_the_claiming_doctor_writes_and_the_form_is_checked(
    inbox: TestClient, settings: Settings
) -> None:
    deliver(inbox, settings, transcript("c_conversation1"), CASE)
    sign_in(inbox, "bogdan")
    csrf = csrf_of(inbox.get(f"/transcripts/{CASE}").text)
    assert "Claim this case to write to the patient" in inbox.get(f"/transcripts/{CASE}").text
    r = inbox.post(f"/cases/{CASE}/replies", data={"csrf": csrf, **APPOINTMENT})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_claimed"
    inbox.post(f"/cases/{CASE}/claim", data={"csrf": csrf})
    assert inbox.post(f"/cases/{CASE}/replies", data={"csrf": "forged", **APPOINTMENT}).status_code == 403
    cross = {"Origin": "https://evil.example"}
    assert (
        inbox.post(f"/cases/{CASE}/replies", data={"csrf": csrf, **APPOINTMENT}, headers=cross).status_code
        == 403
    )
    # not a date, no such day, and a time Bucharest's clocks skip (03:00 -> 04:00 on 28 March 2027)
    for at in ("next week", "2026-1-5T9:05", "2026-02-30T10:00", "2027-03-28T03:30"):
        bad = inbox.post(f"/cases/{CASE}/replies", data={"csrf": csrf, **APPOINTMENT, "at": at})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_reply", at
    assert "does not exist in Europe/Bucharest" in bad.json()["error"]["message"]
    assert inbox.app.state.workbench.replies.of_case(CASE) == []  # nothing refused was kept


def test_a_reply_is_queued_sent_signed_retried_and_the_answer_shows(
    inbox: TestClient, settings: Settings, hub_port: int
) -> None:
    csrf = _claimed_case(inbox, settings)
    r = inbox.post(f"/cases/{CASE}/replies", data={"csrf": csrf, **APPOINTMENT}, follow_redirects=False)
    assert r.status_code == 303
    page = inbox.get(f"/transcripts/{CASE}").text
    assert "waiting to be sent" in page and "proposed an appointment" in page

    fake = FakeHub(settings, [(503, {}), (201, {"id": "rp_1", "conversation_id": "c_conversation1"})])
    server = _serve(fake.app, hub_port)
    sender = inbox.app.state.reply_sender
    sender.policy = RetryPolicy(base_s=0.0, jitter=0.0)  # the retry is due at once
    try:
        assert asyncio.run(sender.run_once()) == 1  # 503: kept, retried
        assert asyncio.run(sender.run_once()) == 1  # 201: sent
        assert asyncio.run(sender.run_once()) == 0  # nothing left
    finally:
        server.should_exit = True
    (first, event), (second, _) = fake.requests
    assert first["webhook-id"] == second["webhook-id"]
    check("replies.ReplyEvent", event)
    assert event["data"]["delivery_id"] == CASE and event["data"]["doctor"] == "Dr Ana Ionescu"
    assert event["data"]["appointment"]["place"] == "Building B, room 12"
    # titan is a demo hospital in Bucharest: its zone goes with the time, and the page says it
    assert event["data"]["appointment"]["time_zone"] == "Europe/Bucharest"
    page = inbox.get(f"/transcripts/{CASE}").text
    assert "2026-12-10 09:30 (Europe/Bucharest time) at Building B, room 12" in page
    assert "sent to the patient&#x27;s chat" in page and "reply accepted by the hub" in page

    answer = {"type": "reply.answered", "timestamp": datetime.now(UTC).isoformat(),
              "data": {"reply_id": "rp_1", "reply_webhook_id": first["webhook-id"],
                       "conversation_id": "c_conversation1", "answer": "accepted",
                       "answered_at": "2026-12-03T17:00:00+00:00"}}  # fmt: skip
    check("replies.AnswerEvent", answer)
    body = json.dumps(answer).encode()
    headers = webhooks.headers("msg_answer_1", [webhook_secret(settings.webhook_secret_seed, "titan")], body)
    got = inbox.post("/webhooks/transcripts", content=body, headers=headers)
    assert got.status_code == 200 and got.json()["status"] == "received"
    again = inbox.post("/webhooks/transcripts", content=body, headers=headers)
    assert again.json()["status"] == "duplicate"
    page = inbox.get(f"/transcripts/{CASE}").text
    assert "The patient accepted at 2026-12-03 17:00 UTC" in page
    assert page.count("patient accepted the appointment") == 1  # audited once


def test_a_reply_the_hub_refuses_is_marked_with_its_reason(
    inbox: TestClient, settings: Settings, hub_port: int
) -> None:
    csrf = _claimed_case(inbox, settings)
    inbox.post(f"/cases/{CASE}/replies", data={"csrf": csrf, "kind": "message", "text": "Call us."})
    refusal = {"error": {"code": "patient_unreachable", "message": "No way back."}}
    server = _serve(FakeHub(settings, [(409, refusal)]).app, hub_port)
    try:
        assert asyncio.run(inbox.app.state.reply_sender.run_once()) == 1
        assert asyncio.run(inbox.app.state.reply_sender.run_once()) == 0  # refused for good: not retried
    finally:
        server.should_exit = True
    page = inbox.get(f"/transcripts/{CASE}").text
    assert "refused by the hub: patient_unreachable: No way back." in page


def test_the_inbox_time_zone_is_a_checked_setting_shown_on_the_form_and_sent(
    settings: Settings, hub_port: int
) -> None:
    with pytest.raises(ValidationError, match="not an IANA time zone"):
        Settings(inbox_time_zone="Bucharest")
    secret = [webhook_secret(settings.webhook_secret_seed, "elsewhere")]
    other = create_app(settings, "elsewhere", name="Elsewhere Hospital", secrets=secret, send_replies=False)
    assert other.state.workbench.time_zone == "UTC"  # not a demo hospital, no setting: UTC
    app = create_app(settings.model_copy(update={"inbox_time_zone": "America/New_York"}), "titan",
                     send_replies=False)  # fmt: skip
    app.state.workbench.accounts.add_doctor("ana", "Dr Ana Ionescu", PASSWORD)
    with TestClient(app) as inbox:
        csrf = _claimed_case(inbox, settings)
        page = inbox.get(f"/transcripts/{CASE}").text
        assert "Date and time (America/New_York time, the hospital's clock)" in page
        inbox.post(f"/cases/{CASE}/replies", data={"csrf": csrf, **APPOINTMENT})
        [queued] = app.state.workbench.replies.of_case(CASE)
        assert queued["appointment"]["time_zone"] == "America/New_York"
        # a reply queued by an inbox older than the zone: sent without one, shown as local time
        older = {k: v for k, v in queued["appointment"].items() if k != "time_zone"}
        app.state.workbench.replies.update(queued["id"], appointment=json.dumps(older))
        page = inbox.get(f"/transcripts/{CASE}").text
        assert "2026-12-10 09:30 (the hospital&#x27;s local time)" in page
        fake = FakeHub(settings, [(201, {"id": "rp_1", "conversation_id": "c_conversation1"})])
        server = _serve(fake.app, hub_port)
        try:
            assert asyncio.run(app.state.reply_sender.run_once()) == 1
        finally:
            server.should_exit = True
        [(_, event)] = fake.requests
        assert "time_zone" not in check("replies.ReplyEvent", event)["data"]["appointment"]
