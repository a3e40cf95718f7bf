"""The operator CLI (``python -m hub.admin``) driven through main(argv), and the replay API."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tr_helpers import ADMIN, SERVICE, Receiver, ServerThread, drain, make_worker, transcript

from hub import admin
from hub.crypto import DataBox
from hub.models import Delivery, Hospital
from inbox.app import create_app as create_inbox
from qaid.config import Settings


class Run:
    def __init__(self, settings: Settings, engine: Engine, capsys: pytest.CaptureFixture[str]):
        self.settings, self.engine, self.capsys = settings, engine, capsys

    def __call__(self, *argv: str, code: int = 0) -> object:
        self.capsys.readouterr()
        got = admin.main(["--json", *argv], settings=self.settings, engine=self.engine)
        out, err = self.capsys.readouterr()
        assert got == code, (out, err)
        return json.loads(out) if code == 0 else err


@pytest.fixture
def cli(settings: Settings, engine: Engine, capsys: pytest.CaptureFixture[str], hub: TestClient) -> Run:
    return Run(settings, engine, capsys)  # ``hub`` first: it migrates and syncs the demo hospitals


def _secrets(engine: Engine, settings: Settings, hospital_id: str) -> list[str]:
    from sqlalchemy.orm import Session

    with Session(engine) as db:
        h = db.get(Hospital, hospital_id)
        return DataBox(settings.data_key).open_json(h.credentials_enc)["webhook_secrets"]


def test_hospitals_list_add_update_and_secret_rotation(cli: Run, engine: Engine, settings: Settings) -> None:
    assert [h["id"] for h in cli("hospitals", "list")] == ["cismigiu", "herastrau", "titan"]
    added = cli(
        "hospitals", "add", "--id", "floreasca", "--name", "Floreasca", "--lat", "44.46", "--lon", "26.1",
        "--hip-url", "http://127.0.0.1:9999", "--webhook-url", "http://127.0.0.1:9998/webhooks/transcripts",
        "--offers", '{"vqa": ["chest_xray"]}',
    )  # fmt: skip
    first = added["new_secret"]
    assert first.startswith("whsec_") and added["webhook_secrets_active"] == 1 and added["offers"]["vqa"]
    assert _secrets(engine, settings, "floreasca") == [first]
    assert "hospital_exists" in cli(
        "hospitals", "add", "--id", "floreasca", "--name", "x", "--lat", "1", "--lon", "1",
        "--hip-url", "http://a", "--webhook-url", "http://b", code=1,
    )  # fmt: skip

    # rotation: a second secret signs beside the first, then the old one is retired
    second = cli("hospitals", "add-secret", "floreasca")["new_secret"]
    assert _secrets(engine, settings, "floreasca") == [second, first]
    assert cli("hospitals", "retire-secrets", "floreasca")["webhook_secrets_active"] == 1
    assert _secrets(engine, settings, "floreasca") == [second]
    given = "whsec_" + "C" * 43
    assert cli("hospitals", "add-secret", "floreasca", "--secret", given)["webhook_secrets_active"] == 2
    assert "whsec_" in cli("hospitals", "add-secret", "floreasca", "--secret", "plain", code=2)

    out = cli("hospitals", "update", "floreasca", "--name", "Floreasca II", "--disable-webhook")
    assert out["name"] == "Floreasca II" and out["webhook_enabled"] is False and out["active"] is True
    assert cli("hospitals", "deactivate", "floreasca")["active"] is False
    assert cli("hospitals", "update", "floreasca", "--activate", "--enable-webhook")["active"] is True
    assert "hospital_not_found" in cli("hospitals", "update", "atlantis", "--name", "x", code=1)


def test_deliveries_status_list_show_and_retry(
    cli: Run, hub: TestClient, settings: Settings, engine: Engine
) -> None:
    for _ in range(2):
        hub.post("/api/v1/transcripts", json=transcript(["titan", "cismigiu"]), headers=SERVICE)
    receiver = Receiver(default=500)
    worker = make_worker(settings, engine)
    with ServerThread(receiver.app, settings.port(settings.hospital("titan").inbox_port)):
        drain(worker, lambda: len(receiver.requests) >= 2)
    # titan answers 500; nobody listens for cismigiu (connection refused): all four failed once
    status = {r["hospital_id"]: r for r in cli("deliveries", "status")}
    assert status["TOTAL"]["failed"] == 4 and status["titan"]["failed"] == status["cismigiu"]["failed"] == 2
    failed = cli("deliveries", "list", "--status", "failed", "--hospital", "titan")
    assert len(failed) == 2 and {d["last_status_code"] for d in failed} == {500}
    assert cli("deliveries", "list", "--status", "delivered") == []
    shown = cli("deliveries", "show", failed[0]["id"])
    assert shown["attempt_log"][0]["status_code"] == 500 and shown["attempt_log"][0]["outcome"] == "failed"
    retried = cli("retry", failed[0]["id"])
    assert retried["status"] == "pending" and retried["attempts"] == 0
    assert "delivery_not_found" in cli("retry", "msg_nope", code=1)


def test_replay_resends_with_the_same_webhook_id_and_the_inbox_dedupes(
    cli: Run, hub: TestClient, settings: Settings, engine: Engine
) -> None:
    out = hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE).json()
    delivery_id = out["deliveries"][0]["id"]
    assert "not_delivered" in cli("replay", delivery_id, code=1)
    worker = make_worker(settings, engine)
    port = settings.port(settings.hospital("titan").inbox_port)
    with ServerThread(create_inbox(settings, "titan"), port) as titan:
        drain(worker, lambda: cli("deliveries", "show", delivery_id)["status"] == "delivered")
        replayed = cli("replay", delivery_id)
        assert replayed["status"] == "pending" and replayed["attempts"] == 1
        drain(worker, lambda: cli("deliveries", "show", delivery_id)["status"] == "delivered")
        # and once more through the admin API
        assert hub.post(f"/api/v1/deliveries/{delivery_id}/replay", headers=SERVICE).status_code == 401
        r = hub.post(f"/api/v1/deliveries/{delivery_id}/replay", headers=ADMIN)
        assert r.status_code == 200 and r.json()["status"] == "pending"
        drain(worker, lambda: cli("deliveries", "show", delivery_id)["status"] == "delivered")
        listed = httpx.get(titan.url + "/api/transcripts").json()
    assert [e["webhook_id"] for e in listed] == [delivery_id]  # three sends, one transcript
    log = cli("deliveries", "show", delivery_id)["attempt_log"]
    assert [(a["attempt"], a["status_code"], a["outcome"]) for a in log] == [
        (1, 200, "delivered"),
        (2, 200, "delivered"),
        (3, 200, "delivered"),
    ]
    r = hub.post("/api/v1/deliveries/msg_nope/replay", headers=ADMIN)
    assert r.status_code == 404 and r.json()["error"]["code"] == "delivery_not_found"


def test_replay_refuses_a_disabled_endpoint(cli: Run, hub: TestClient, engine: Engine) -> None:
    out = hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE).json()
    from sqlalchemy.orm import Session

    with Session(engine) as db:
        d = db.scalars(select(Delivery)).one()
        d.status = "delivered"
        db.commit()
    cli("hospitals", "update", "titan", "--disable-webhook")
    assert "endpoint_disabled" in cli("replay", out["deliveries"][0]["id"], code=1)


def test_usage_errors_exit_2(settings: Settings, engine: Engine) -> None:
    with pytest.raises(SystemExit) as info:
        admin.main(["deliveries", "list", "--status", "lost"], settings=settings, engine=engine)
    assert info.value.code == 2
