"""Privacy jobs: data-key rotation (MultiFernet + rotate-keys) and the retention purge, which empties
transcripts and deletes images past the period while the delivery audit trail (ids, times,
statuses) remains."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from tr_helpers import ADMIN, SERVICE, Receiver, ServerThread, drain, make_settings, make_worker, transcript

from hub import admin, retention
from hub.crypto import PREVIOUS_KEYS_ENV, DataBox
from hub.models import Delivery, DeliveryAttempt, Hospital, Image, TranscriptRow
from hub.outbox import PURGED_ERROR, RetryPolicy, claim
from qaid.config import Settings
from qaid.db import session_factory, utcnow

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40


def _admin(settings: Settings, engine: Engine, capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    capsys.readouterr()
    assert admin.main(["--json", *argv], settings=settings, engine=engine) == 0
    return json.loads(capsys.readouterr().out)


def test_databox_opens_data_sealed_with_a_previous_key() -> None:
    old, new = DataBox("key-a", []), DataBox("key-b", ["key-a"])
    token = old.seal(b"health data")
    assert new.open(token) == b"health data"
    with pytest.raises(ValueError):
        DataBox("key-b", []).open(token)
    rotated = new.rotate(token)
    assert DataBox("key-b", []).open(rotated) == b"health data"
    # image links made before the rotation keep working; new ones are made with the new key
    assert new.check_image_token("img_1", old.image_token("img_1"))
    assert new.image_token("img_1") == DataBox("key-b", []).image_token("img_1")
    assert not DataBox("key-c", []).check_image_token("img_1", old.image_token("img_1"))


def test_previous_keys_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    token = DataBox("key-a", []).seal(b"x")
    monkeypatch.setenv(PREVIOUS_KEYS_ENV, " key-z , key-a,")
    box = DataBox("key-b")
    assert box.key_count == 3 and box.open(token) == b"x"


def test_rotate_keys_reseals_every_row(
    hub: TestClient, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path, capsys
) -> None:
    hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE)
    image_id = hub.post("/api/v1/images", content=PNG).json()["image_id"]
    monkeypatch.setenv(PREVIOUS_KEYS_ENV, settings.data_key)
    rotated_settings = make_settings(tmp_path, data_key="a-brand-new-data-key")
    out = _admin(rotated_settings, engine, capsys, "rotate-keys")
    assert out == {"keys_configured": 2, "transcripts": 1, "images": 1, "hospitals": 3}

    only_new, only_old = DataBox("a-brand-new-data-key", []), DataBox(settings.data_key, [])
    with Session(engine) as db:
        row = db.scalars(select(TranscriptRow)).one()
        assert json.loads(only_new.open(row.body_enc))["contact"]["name"] == "Ana Pop"
        assert only_new.open(db.get(Image, image_id).data_enc) == PNG
        for h in db.scalars(select(Hospital)):
            assert only_new.open_json(h.credentials_enc)["hip_token"] == settings.hip_token
        with pytest.raises(ValueError):
            only_old.open(row.body_enc)


def _age(engine: Engine, days: float, transcript_id: str | None = None, image_id: str | None = None) -> None:
    then = utcnow() - timedelta(days=days)
    with Session(engine) as db:
        if transcript_id:
            db.execute(
                update(TranscriptRow).where(TranscriptRow.id == transcript_id).values(received_at=then)
            )
        if image_id:
            db.execute(update(Image).where(Image.id == image_id).values(created_at=then))
        db.commit()


def test_purge_removes_old_data_and_keeps_a_minimal_audit_trail(
    hub: TestClient, engine: Engine, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    old = hub.post("/api/v1/transcripts", json=transcript(["titan", "cismigiu"]), headers=SERVICE).json()
    fresh = hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE).json()
    old_img = hub.post("/api/v1/images", content=PNG).json()["image_id"]
    new_img = hub.post("/api/v1/images", content=PNG + b"\x02").json()["image_id"]
    # titan answers 500 with an error text, then 200: titan's deliveries carry error text in the audit
    receiver = Receiver(statuses=[500, 500], default=200)
    with ServerThread(receiver.app, settings.port(settings.hospital("titan").inbox_port)):
        policy = RetryPolicy(max_attempts=5, base_s=0.01, cap_s=0.02, jitter=0.1, lease_s=30)
        worker = make_worker(settings, engine, policy=policy)
        ids = {d["id"] for d in old["deliveries"] + fresh["deliveries"] if d["hospital_id"] == "titan"}

        def titan_done() -> bool:
            with Session(engine) as db:
                return {d.status for d in db.scalars(select(Delivery).where(Delivery.id.in_(ids)))} == {
                    "delivered"
                }

        drain(worker, titan_done)
    _age(engine, 40, transcript_id=old["id"], image_id=old_img)

    out = _admin(settings, engine, capsys, "purge", "--days", "30")
    assert out == {"retention_days": 30.0, "transcripts": 1, "images": 1, "deliveries_closed": 1}

    with Session(engine) as db:
        row = db.get(TranscriptRow, old["id"])
        assert row.body_enc == b"" and row.body_sha256 == "" and row.purged_at is not None
        assert row.urgency == "purged" and row.conversation_id  # ids and times remain
        assert db.get(Image, old_img) is None and db.get(Image, new_img) is not None
        deliveries = {
            d.hospital_id: d for d in db.scalars(select(Delivery).where(Delivery.transcript_id == old["id"]))
        }
        assert deliveries["titan"].status == "delivered" and deliveries["titan"].delivered_at is not None
        assert deliveries["titan"].last_error is None
        # cismigiu's inbox never answered: its delivery is closed, not left to send nothing
        assert deliveries["cismigiu"].status == "dead" and deliveries["cismigiu"].last_error == PURGED_ERROR
        attempts = db.scalars(
            select(DeliveryAttempt).where(
                DeliveryAttempt.delivery_id.in_([d.id for d in deliveries.values()])
            )
        ).all()
        assert attempts and all(a.error is None for a in attempts)
        assert {a.status_code for a in attempts if a.delivery_id == deliveries["titan"].id} <= {500, 200}
        assert db.get(TranscriptRow, fresh["id"]).body_enc != b""  # within retention: untouched

    r = hub.get(f"/api/v1/transcripts/{old['id']}", headers=ADMIN)
    assert r.status_code == 410 and r.json()["error"]["code"] == "transcript_purged"
    assert hub.get(f"/api/v1/transcripts/{fresh['id']}", headers=ADMIN).status_code == 200
    r = hub.post(f"/api/v1/deliveries/{deliveries['titan'].id}/replay", headers=ADMIN)
    assert r.status_code == 409 and r.json()["error"]["code"] == "transcript_purged"
    audit = hub.get(f"/api/v1/deliveries/{deliveries['titan'].id}", headers=ADMIN).json()
    assert [a["status_code"] for a in audit["attempt_log"]][-1] == 200
    # idempotent: nothing more to purge
    assert _admin(settings, engine, capsys, "purge", "--days", "30")["transcripts"] == 0


def test_a_purged_transcript_is_never_sent(hub: TestClient, engine: Engine, settings: Settings) -> None:
    out = hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE).json()
    _age(engine, 40, transcript_id=out["id"])
    sessions = session_factory(engine)
    assert retention.purge(sessions, timedelta(days=30)).deliveries_closed == 1
    with Session(engine) as db:  # even if something re-opens the delivery, the worker closes it
        db.execute(update(Delivery).values(status="pending", next_attempt_at=utcnow()))
        db.commit()
    assert claim(sessions, DataBox(settings.data_key), "w", RetryPolicy(), 10) == []
    with Session(engine) as db:
        assert db.scalars(select(Delivery)).one().status == "dead"


def test_the_worker_loop_purges_periodically(
    hub: TestClient, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = hub.post("/api/v1/transcripts", json=transcript(["titan"]), headers=SERVICE).json()
    _age(engine, 10, transcript_id=out["id"])
    monkeypatch.setenv(retention.RETENTION_ENV, "7")
    assert retention.retention_days() == 7
    worker = make_worker(
        settings, engine, retention=timedelta(days=retention.retention_days()), purge_every_s=3600
    )
    assert asyncio.run(worker.maybe_purge()).transcripts == 1
    assert asyncio.run(worker.maybe_purge()) is None  # not due again for an hour
    assert make_worker(settings, engine).retention is None  # no period given: the loop never purges


def test_retention_days_defaults_and_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(retention.RETENTION_ENV, raising=False)
    assert retention.retention_days() == 30
    monkeypatch.setenv(retention.RETENTION_ENV, "0")
    with pytest.raises(ValueError):
        retention.retention_days()


def test_reuploading_an_image_restarts_its_retention(hub: TestClient, engine: Engine) -> None:
    image_id = hub.post("/api/v1/images", content=PNG).json()["image_id"]
    _age(engine, 40, image_id=image_id)
    assert hub.post("/api/v1/images", content=PNG).status_code == 200
    assert retention.purge(session_factory(engine), timedelta(days=30)).images == 0
