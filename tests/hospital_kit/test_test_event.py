""" "Send test event" with the hospital's own token (POST /api/v1/hospitals/{id}/test-event), over real
HTTP: the hub, the hospital's HIP and inbox are real servers (test_join.Network) and the inbox's
requests are counted. Status codes only come back; one event per hospital per period across hub
processes (a database lease), so a token cannot make the hub hammer someone's URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from kit_helpers import HOSPITAL, helpers
from sqlalchemy import delete
from test_join import Network
from utils.net import free_port

from hub.app import create_app as create_hub
from hub.models import Lease

tr = helpers("tr_helpers", "hub")
FIELDS = {"hospital_id", "webhook_url", "ok", "status_code", "verifies_signatures", "forged_status_code",
          "checks"}  # fmt: skip


@pytest.fixture
def lan(tmp_path: Path, bundle: Path) -> Iterator[Network]:
    with ExitStack() as stack:
        yield Network(stack, tmp_path, bundle, join_allow_private=True, test_event_every_s=3600)


def _own(net: Network) -> dict[str, str]:
    own = {"Authorization": f"Bearer {net.hospital_token()}"}
    assert net.http.post("/api/v1/hospitals/join", json=net.body(), headers=own).json()["active"]
    return own


def _next_period(net: Network) -> None:
    with net.engine.begin() as conn:
        conn.execute(delete(Lease))


def test_a_hospital_sends_itself_a_test_event_and_sees_status_codes_only(lan: Network) -> None:
    own = _own(lan)
    before = len(lan.inbox_hits.hosts)
    r = lan.http.post(f"/api/v1/hospitals/{HOSPITAL}/test-event", headers=own)
    assert r.status_code == 200, r.text
    report = r.json()
    assert set(report) == FIELDS  # no response bodies
    assert report["ok"] and report["verifies_signatures"] and report["hospital_id"] == HOSPITAL
    assert 200 <= report["status_code"] < 300 and report["forged_status_code"] == 401
    assert [c["name"] for c in report["checks"]] == ["webhook_signed", "webhook_verifies"]
    assert len(lan.inbox_hits.hosts) == before + 2  # the signed event and the wrongly signed copy
    assert lan.http.get(f"/api/v1/hospitals/{HOSPITAL}", headers=own).json()["active"]  # nothing changed


def test_test_events_are_spaced_per_hospital_across_hub_processes(lan: Network) -> None:
    own = _own(lan)
    assert lan.http.post(f"/api/v1/hospitals/{HOSPITAL}/test-event", headers=own).status_code == 200
    sent = len(lan.inbox_hits.hosts)
    again = lan.http.post(f"/api/v1/hospitals/{HOSPITAL}/test-event", headers=own)
    assert again.status_code == 429 and again.json()["error"]["code"] == "too_many_requests"
    assert 3500 <= int(again.headers["retry-after"]) <= 3600
    # a second hub process on the same database refuses as well
    other = create_hub(lan.settings, engine=lan.engine, run_worker=False)
    with tr.ServerThread(other, free_port()) as hub2:
        refused = httpx.post(f"{hub2.url}/api/v1/hospitals/{HOSPITAL}/test-event", headers=own, timeout=30)
    assert refused.status_code == 429
    assert len(lan.inbox_hits.hosts) == sent  # neither refusal sent anything
    _next_period(lan)
    assert lan.http.post(f"/api/v1/hospitals/{HOSPITAL}/test-event", headers=own).status_code == 200


def test_an_endpoint_that_accepts_anything_is_reported(lan: Network) -> None:
    _own(lan)
    with tr.ServerThread(tr.Receiver().app, free_port()) as lax:
        url = f"{lax.url}/webhooks/transcripts"
        lan.http.put(f"/api/v1/hospitals/{HOSPITAL}", json={"webhook_url": url}, headers=tr.ADMIN)
        report = lan.http.post(f"/api/v1/hospitals/{HOSPITAL}/test-event", headers=tr.ADMIN).json()
    assert not report["ok"] and not report["verifies_signatures"]
    assert report["status_code"] == 200 and report["forged_status_code"] == 200
    _next_period(lan)
    lan.http.put(f"/api/v1/hospitals/{HOSPITAL}", json={"webhook_url": "http://127.0.0.1:1/x"},
                 headers=tr.ADMIN)  # fmt: skip
    down = lan.http.post(f"/api/v1/hospitals/{HOSPITAL}/test-event", headers=tr.ADMIN).json()
    assert not down["ok"] and down["status_code"] is None and down["forged_status_code"] is None
    assert "is the inbox running" in down["checks"][0]["detail"]


def test_only_the_hospital_itself_or_the_operator(lan: Network) -> None:
    own = _own(lan)
    assert lan.http.post("/api/v1/hospitals/titan/test-event", headers=own).status_code == 403
    assert lan.http.post(f"/api/v1/hospitals/{HOSPITAL}/test-event").status_code == 401
    missing = lan.http.post("/api/v1/hospitals/nobody/test-event", headers=tr.ADMIN)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "hospital_not_found"
