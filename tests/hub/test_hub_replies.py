"""Replies over real HTTP: a hospital's signed reply is accepted only for a conversation delivered to
it, reaches the bot as a signed notice (retried), is read only by its own conversation, and the
patient's answer reaches the hospital signed. SQLite and PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from standardwebhooks import Webhook
from tr_helpers import SERVICE, Receiver, ServerThread, drain, make_settings, make_worker, transcript
from utils.contract import check
from utils.net import free_port

from hub.app import create_app
from hub.models import Delivery, ReplyJob
from qaid import webhooks
from qaid.config import Settings, webhook_secret
from qaid_contracts import binding, signing

SENDER = "a1b2c3-patient-session"
APPOINTMENT = {"at": "2026-12-10T09:30", "place": "Titan, building B, room 12", "bring": "your MRI",
               "time_zone": "Europe/Bucharest"}  # fmt: skip


class BotReceiver:
    """The bot's hub channel as the hub sees it: records notices, answers scripted statuses."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        self.app = FastAPI()

        @self.app.post("/webhooks/hub/webhook")
        async def _hook(request: Request) -> JSONResponse:
            body = await request.body()
            with self.lock:
                self.requests.append((dict(request.headers), body))
                status = self.statuses.pop(0) if self.statuses else 200
            return JSONResponse({}, status_code=status)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, bot_webhook_key="bot-key-for-tests", rasa_port=free_port())


@pytest.fixture
def titan(settings: Settings) -> Iterator[Receiver]:
    receiver = Receiver()
    with ServerThread(receiver.app, settings.port(settings.hospital("titan").inbox_port)):
        yield receiver


@pytest.fixture
def bot(settings: Settings) -> Iterator[BotReceiver]:
    receiver = BotReceiver(statuses=[503])  # down once: the notice must be retried
    with ServerThread(receiver.app, settings.port(settings.rasa_port)):
        yield receiver


@pytest.fixture
def hub(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine=engine, run_worker=False)) as client:
        yield client


def _delivered(hub: TestClient, settings: Settings, engine: Engine, sender: str | None = SENDER) -> str:
    """A transcript consenting to titan, posted with ``sender`` and delivered; its delivery id."""
    conversation = binding.conversation_id(settings.conversation_key, SENDER)
    headers = {**SERVICE, **({binding.SENDER_HEADER: sender} if sender else {})}
    r = hub.post("/api/v1/transcripts", json=transcript(["titan"], conversation), headers=headers)
    assert r.status_code == 201, r.text

    def done() -> bool:
        with hub.app.state.hub.sessions() as db:
            return all(d.status == "delivered" for d in db.scalars(select(Delivery)))

    drain(make_worker(settings, engine), done)
    return str(r.json()["deliveries"][0]["id"])


def _reply(settings: Settings, delivery_id: str, kind: str = "appointment", **data: Any) -> dict[str, Any]:
    return {
        "type": "reply.created",
        "timestamp": datetime.now(UTC).isoformat(),
        "data": {
            "conversation_id": binding.conversation_id(settings.conversation_key, SENDER),
            "delivery_id": delivery_id,
            "kind": kind,
            "text": "Please come and see us.",
            "appointment": APPOINTMENT if kind == "appointment" else None,
            "doctor": "Dr Ana Ionescu",
            **data,
        },
    }


def _post(hub: TestClient, settings: Settings, hospital: str, event: dict[str, Any], msg_id: str) -> Any:
    body = json.dumps(event).encode()
    headers = webhooks.headers(msg_id, [webhook_secret(settings.webhook_secret_seed, hospital)], body)
    return hub.post(f"/api/v1/hospitals/{hospital}/replies", content=body, headers=headers)


def _replies_until(worker: Any, done: Any) -> None:
    for _ in range(200):
        if done():
            return
        asyncio.run(worker.run_replies_once())
    raise AssertionError("the reply jobs did not reach the expected state")


def test_a_reply_reaches_the_bot_and_the_answer_reaches_the_hospital(
    hub: TestClient, settings: Settings, engine: Engine, titan: Receiver, bot: BotReceiver
) -> None:
    delivery_id = _delivered(hub, settings, engine)
    event = _reply(settings, delivery_id)
    first = _post(hub, settings, "titan", event, "msg_reply_1")
    assert first.status_code == 201, first.text
    check("replies.ReplyReceipt", first.json())
    again = _post(hub, settings, "titan", event, "msg_reply_1")
    assert again.status_code == 200 and again.json() == {**first.json(), "duplicate": True}
    reply_id = first.json()["id"]

    worker = make_worker(settings, engine, bot_url=settings.rasa_url, bot_secret=settings.bot_webhook_secret)
    _replies_until(worker, lambda: len(bot.requests) == 2)  # a 503, then delivered
    headers, body = bot.requests[-1]
    assert headers["webhook-id"] == bot.requests[0][0]["webhook-id"]  # the same id on the retry
    signing.verify(settings.bot_webhook_secret, body, headers)  # the bot's stdlib verification
    notice = check("replies.ReplyNoticeEvent", json.loads(body))
    assert notice["data"] == {"reply_id": reply_id, "sender": SENDER}

    conversation = event["data"]["conversation_id"]
    shown = hub.get(f"/api/v1/replies/{reply_id}", params={"conversation_id": conversation}, headers=SERVICE)
    assert shown.status_code == 200
    assert check("replies.PatientReply", shown.json())["hospital_name"] == "Titan Demo Hospital"
    assert shown.json()["appointment"] == APPOINTMENT  # the zone forwarded as the inbox sent it
    other = binding.conversation_id(settings.conversation_key, "someone-else")
    stranger = hub.get(f"/api/v1/replies/{reply_id}", params={"conversation_id": other}, headers=SERVICE)
    assert stranger.status_code == 404 and stranger.json()["error"]["code"] == "reply_not_found"

    answered = hub.post(f"/api/v1/replies/{reply_id}/answer", headers=SERVICE,
                        json={"conversation_id": conversation, "answer": "accepted"})  # fmt: skip
    assert answered.status_code == 200 and answered.json()["answer"] == "accepted"
    changed = hub.post(f"/api/v1/replies/{reply_id}/answer", headers=SERVICE,
                       json={"conversation_id": conversation, "answer": "declined"})  # fmt: skip
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "already_answered"

    transcripts = len(titan.requests)
    _replies_until(worker, lambda: len(titan.requests) == transcripts + 1)
    headers, body = titan.requests[-1]
    Webhook(webhook_secret(settings.webhook_secret_seed, "titan")).verify(body, headers)
    answer = check("replies.AnswerEvent", json.loads(body))
    assert answer["data"]["reply_webhook_id"] == "msg_reply_1" and answer["data"]["answer"] == "accepted"
    with hub.app.state.hub.sessions() as db:
        assert {j.target: j.status for j in db.scalars(select(ReplyJob))} == {
            "bot": "delivered",
            "hospital": "delivered",
        }


def test_a_hospital_cannot_write_to_a_conversation_it_never_received(
    hub: TestClient, settings: Settings, engine: Engine, titan: Receiver
) -> None:
    delivery_id = _delivered(hub, settings, engine)
    # cismigiu names titan's delivery, signed with its own secret: not its conversation
    theirs = _post(hub, settings, "cismigiu", _reply(settings, delivery_id), "msg_x")
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "conversation_not_delivered"
    # titan names its delivery with another conversation id
    other = _reply(settings, delivery_id, conversation_id="c_" + "0" * 32)
    assert _post(hub, settings, "titan", other, "msg_y").status_code == 404
    # a forged signature: titan's path, cismigiu's secret
    body = json.dumps(_reply(settings, delivery_id)).encode()
    forged = webhooks.headers("msg_z", [webhook_secret(settings.webhook_secret_seed, "cismigiu")], body)
    r = hub.post("/api/v1/hospitals/titan/replies", content=body, headers=forged)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_signature"
    # a message that claims an appointment it does not carry
    bad = _reply(settings, delivery_id, kind="message", appointment={"at": "x", "place": "y", "bring": ""})
    assert _post(hub, settings, "titan", bad, "msg_w").status_code == 422
    with hub.app.state.hub.sessions() as db:
        assert list(db.scalars(select(ReplyJob))) == []  # nothing accepted, nothing queued


def test_without_a_way_back_a_reply_is_refused_and_a_wrong_sender_is_refused_at_intake(
    hub: TestClient, settings: Settings, engine: Engine, titan: Receiver
) -> None:
    conversation = binding.conversation_id(settings.conversation_key, SENDER)
    wrong = {**SERVICE, binding.SENDER_HEADER: "not-the-sender"}
    r = hub.post("/api/v1/transcripts", json=transcript(["titan"], conversation), headers=wrong)
    assert r.status_code == 422 and r.json()["error"]["code"] == "sender_mismatch"

    delivery_id = _delivered(hub, settings, engine, sender=None)
    refused = _post(hub, settings, "titan", _reply(settings, delivery_id, kind="message"), "msg_m")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "patient_unreachable"


def test_an_appointment_in_an_unknown_zone_is_refused_and_one_without_a_zone_is_taken(
    hub: TestClient, settings: Settings, engine: Engine, titan: Receiver
) -> None:
    delivery_id = _delivered(hub, settings, engine)
    for n, zone in enumerate(["Mars/Olympus_Mons", "europe/bucharest", "posixrules", "localtime", ""]):
        bad = _reply(settings, delivery_id, appointment={**APPOINTMENT, "time_zone": zone})
        r = _post(hub, settings, "titan", bad, f"msg_tz_{n}")
        assert r.status_code == 422, (zone, r.text)
        assert r.json()["error"]["code"] == "invalid_event" and "time_zone" in r.json()["error"]["message"]
    no_such_day = _reply(settings, delivery_id, appointment={**APPOINTMENT, "at": "2026-02-30T10:00"})
    r = _post(hub, settings, "titan", no_such_day, "msg_tz_day")
    assert r.status_code == 422 and "appointment.at" in r.json()["error"]["message"]
    # an inbox older than the zone: taken, and the bot learns the zone is unknown (null)
    older = {k: v for k, v in APPOINTMENT.items() if k != "time_zone"}
    r = _post(hub, settings, "titan", _reply(settings, delivery_id, appointment=older), "msg_tz_old")
    assert r.status_code == 201, r.text
    conversation = binding.conversation_id(settings.conversation_key, SENDER)
    shown = hub.get(f"/api/v1/replies/{r.json()['id']}", params={"conversation_id": conversation},
                    headers=SERVICE)  # fmt: skip
    assert check("replies.PatientReply", shown.json())["appointment"] == {**older, "time_zone": None}
