"""The delivery worker over real HTTP: signatures, stable webhook-ids, retries, 410, dead letters."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from tr_helpers import ADMIN, SERVICE, Receiver, ServerThread, drain, make_worker, transcript

from hub.app import create_app
from hub.models import Delivery, DeliveryAttempt
from hub.outbox import RetryPolicy
from inbox.app import create_app as create_inbox
from qaid.config import Settings, webhook_secret


def _statuses(hub: TestClient) -> dict[str, str]:
    with hub.app.state.hub.sessions() as db:
        return {d.hospital_id: d.status for d in db.scalars(select(Delivery))}


def _all(hub: TestClient, status: str) -> bool:
    found = _statuses(hub)
    return bool(found) and set(found.values()) == {status}


def _port(settings: Settings, hospital_id: str) -> int:
    return settings.port(settings.hospital(hospital_id).inbox_port)


@pytest.fixture
def inboxes(settings: Settings) -> Iterator[dict[str, ServerThread]]:
    """A real inbox per demo hospital, each at the webhook URL the hub registered for it."""
    servers = {}
    try:
        for h in settings.hospitals:
            servers[h.id] = ServerThread(create_inbox(settings, h.id), _port(settings, h.id)).__enter__()
        yield servers
    finally:
        for s in servers.values():
            s.__exit__(None, None, None)


def test_worker_delivers_to_real_inboxes(
    hub: TestClient, engine: Engine, settings: Settings, inboxes: dict[str, ServerThread]
) -> None:
    body = transcript(["cismigiu", "titan"], urgency="urgent")
    tid = hub.post("/api/v1/transcripts", json=body, headers=SERVICE).json()["id"]
    drain(make_worker(settings, engine), lambda: _all(hub, "delivered"))

    for hid in ("cismigiu", "titan"):
        listed = httpx.get(inboxes[hid].url + "/api/transcripts").json()
        assert len(listed) == 1
        entry = listed[0]
        assert entry["verified"] is True and entry["urgency"] == "urgent"
        assert entry["conversation_id"] == body["conversation_id"]
        assert entry["transcript"]["findings"][0]["answer"] == "yes"
        assert entry["webhook_id"].startswith("msg_")
    assert httpx.get(inboxes["herastrau"].url + "/api/transcripts").json() == []

    detail = hub.get(f"/api/v1/transcripts/{tid}", headers=ADMIN).json()
    assert {d["status"] for d in detail["deliveries"]} == {"delivered"}
    assert all(d["attempts"] == 1 for d in detail["deliveries"])
    audit = hub.get(f"/api/v1/deliveries/{detail['deliveries'][0]['id']}", headers=ADMIN).json()
    assert [(a["attempt"], a["status_code"], a["outcome"]) for a in audit["attempt_log"]] == [
        (1, 200, "delivered")
    ]


def test_signature_verifies_with_the_library_and_webhook_id_is_stable_across_retries(
    hub: TestClient, engine: Engine, settings: Settings
) -> None:
    receiver = Receiver(statuses=[500, 503])  # fails twice, then 200
    hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE)
    with ServerThread(receiver.app, _port(settings, "titan")):
        drain(make_worker(settings, engine), lambda: _all(hub, "delivered"))

    assert len(receiver.requests) == 3
    with hub.app.state.hub.sessions() as db:
        delivery = db.scalars(select(Delivery)).one()
        attempts = db.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert receiver.ids() == [delivery.id] * 3
    assert [a.status_code for a in attempts] == [500, 503, 200]
    assert [a.outcome for a in attempts] == ["failed", "failed", "delivered"] and delivery.attempts == 3

    secret = webhook_secret(settings.webhook_secret_seed, "titan")
    bodies = set()
    for headers, raw in receiver.requests:
        event = Webhook(secret).verify(raw, headers)  # raises if the signature is wrong
        assert event["type"] == "transcript.created" and event["data"]["consent"]["hospitals"] == ["titan"]
        datetime.fromisoformat(event["timestamp"])
        assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
        bodies.add(raw)
    assert len(bodies) == 1  # the body is byte-identical across retries
    with pytest.raises(WebhookVerificationError):
        Webhook(webhook_secret(settings.webhook_secret_seed, "cismigiu")).verify(raw, headers)


def test_receiver_down_then_back_gets_everything(hub: TestClient, engine: Engine, settings: Settings) -> None:
    for _ in range(5):
        hub.post("/api/v1/transcripts", json=transcript(["titan", "cismigiu"]), headers=SERVICE)
    worker = make_worker(settings, engine)
    # nobody listens on the inbox ports: every first attempt fails with a connection error
    drain(worker, lambda: _all(hub, "failed"))
    with hub.app.state.hub.sessions() as db:
        errors = [d.last_error for d in db.scalars(select(Delivery))]
    assert all(e and "Connect" in e for e in errors)

    with (
        ServerThread(create_inbox(settings, "titan"), _port(settings, "titan")) as titan,
        ServerThread(create_inbox(settings, "cismigiu"), _port(settings, "cismigiu")) as cismigiu,
    ):
        drain(worker, lambda: _all(hub, "delivered"))
        assert len(httpx.get(titan.url + "/api/transcripts").json()) == 5
        assert len(httpx.get(cismigiu.url + "/api/transcripts").json()) == 5


def test_410_disables_the_endpoint_until_an_admin_re_enables_it(
    hub: TestClient, engine: Engine, settings: Settings
) -> None:
    receiver = Receiver(default=410)
    first = hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE).json()
    worker = make_worker(settings, engine)
    with ServerThread(receiver.app, _port(settings, "titan")):
        drain(worker, lambda: _all(hub, "disabled"))
        assert len(receiver.requests) == 1  # no retries after 410

        # later transcripts for that hospital are parked, not sent
        second = hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE).json()
        assert second["deliveries"][0]["status"] == "disabled"
        assert asyncio.run(worker.run_once()) == 0 and len(receiver.requests) == 1

        delivery_id = first["deliveries"][0]["id"]
        r = hub.post(f"/api/v1/deliveries/{delivery_id}/retry", headers=ADMIN)
        assert r.status_code == 409 and r.json()["error"]["code"] == "endpoint_disabled"

        receiver.default = 200
        assert (
            hub.put("/api/v1/hospitals/titan", json={"webhook_enabled": True}, headers=ADMIN).status_code
            == 200
        )
        for d in (first, second):
            r = hub.post(f"/api/v1/deliveries/{d['deliveries'][0]['id']}/retry", headers=ADMIN)
            assert r.status_code == 200 and r.json()["status"] == "pending"
        drain(worker, lambda: _all(hub, "delivered"))
        r = hub.post(f"/api/v1/deliveries/{delivery_id}/retry", headers=ADMIN)
        assert r.status_code == 409 and r.json()["error"]["code"] == "already_delivered"


def test_exhausted_retries_dead_letter(hub: TestClient, engine: Engine, settings: Settings) -> None:
    receiver = Receiver(default=500)
    hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE)
    policy = RetryPolicy(max_attempts=3, base_s=0.02, cap_s=0.05, jitter=0.1, lease_s=30)
    with ServerThread(receiver.app, _port(settings, "titan")):
        drain(make_worker(settings, engine, policy=policy), lambda: _all(hub, "dead"))
    assert len(receiver.requests) == 3
    dead = hub.get("/api/v1/deliveries", params={"status": "dead"}, headers=ADMIN).json()["deliveries"]
    assert len(dead) == 1 and dead[0]["attempts"] == 3 and dead[0]["last_status_code"] == 500
    # an admin retry gives it a fresh budget
    assert hub.post(f"/api/v1/deliveries/{dead[0]['id']}/retry", headers=ADMIN).json()["status"] == "pending"


def test_default_policy_spreads_about_a_day() -> None:
    policy = RetryPolicy(jitter=0)
    total = sum(policy.delay_after(n) for n in range(1, policy.max_attempts))
    assert policy.max_attempts == 15 and 20 * 3600 < total < 28 * 3600
    jittered = RetryPolicy()
    assert len({round(jittered.delay_after(3), 6) for _ in range(20)}) > 1


def test_in_process_worker_delivers_within_seconds(settings: Settings, engine: Engine) -> None:
    app = create_app(settings, engine=engine, run_worker=True, worker_poll_s=0.05)
    with (
        ServerThread(create_inbox(settings, "titan"), _port(settings, "titan")) as titan,
        TestClient(app) as hub,
    ):
        hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE)
        deadline = time.monotonic() + 5
        while not httpx.get(titan.url + "/api/transcripts").json():
            assert time.monotonic() < deadline, "not delivered within 5 s"
            time.sleep(0.05)
        # the inbox answers before the worker records the outcome: give the record a moment
        while _statuses(hub) != {"titan": "delivered"}:
            assert time.monotonic() < deadline + 2, _statuses(hub)
            time.sleep(0.02)
