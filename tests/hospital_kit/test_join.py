"""Joining with one checked step, over real HTTP: the hub, the new hospital's HIP (a real tiny ONNX
bundle) and its inbox are real uvicorn servers; the hub's checks call them as they would in the field."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, redirect_stdout
from pathlib import Path
from typing import Any

import httpx
import pytest
from kit_helpers import HOSPITAL, helpers, make_bundle
from utils.net import free_port

from hip_service.app import create_app as create_hip
from hip_service.config import HipConfig
from hub import admin
from hub.app import create_app as create_hub
from inbox.app import create_app as create_inbox
from qaid.db import make_engine
from qaid.webhooks import new_secret

tr = helpers("tr_helpers", "hub")
fakes = helpers("net_fakes", "hub")
HIP_TOKEN = "floreasca-hip-token-0123456789"
SECRET = new_secret()


class Network:
    """The hub plus the joining hospital's HIP and inbox, each on its own port."""

    def __init__(self, stack: ExitStack, tmp: Path, bundle: Path, **settings: Any):
        self.settings = tr.make_settings(tmp, **settings)
        engine = self.engine = make_engine(f"sqlite:///{tmp / 'hub.sqlite3'}")
        hub_app = create_hub(self.settings, engine=engine, worker_poll_s=0.05)
        self.hub = stack.enter_context(tr.ServerThread(hub_app, free_port()))
        # what reaches the HIP and the inbox, by Host header
        self.hip_hits = fakes.Counted(create_hip(HipConfig(bundle_dir=bundle, token=HIP_TOKEN)))
        self.hip = stack.enter_context(tr.ServerThread(self.hip_hits, free_port()))
        inbox = create_inbox(self.settings, HOSPITAL, name="Floreasca Hospital", secrets=[SECRET],
                             db_path=tmp / "inbox.sqlite3", access_token="")  # fmt: skip
        self.inbox_hits = fakes.Counted(inbox)
        self.inbox = stack.enter_context(tr.ServerThread(self.inbox_hits, free_port()))
        self.http = stack.enter_context(httpx.Client(base_url=self.hub.url, timeout=30))

    def body(self, **changes: Any) -> dict[str, Any]:
        return {
            "id": HOSPITAL, "name": "Floreasca Hospital", "lat": 44.465, "lon": 26.105,
            "hip_url": self.hip.url, "hip_token": HIP_TOKEN,
            "webhook_url": f"{self.inbox.url}/webhooks/transcripts", "webhook_secrets": [SECRET],
        } | changes  # fmt: skip

    def join(self, **changes: Any) -> dict[str, Any]:
        r = self.http.post("/api/v1/hospitals/join", json=self.body(**changes), headers=tr.ADMIN)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def hospital_token(self, hospital_id: str = HOSPITAL, *args: str) -> str:
        """What the operator runs: ``python -m hub.admin hospitals token ID``."""
        out = io.StringIO()
        with redirect_stdout(out):
            code = admin.main(["--json", "hospitals", "token", hospital_id, *args], settings=self.settings,
                              engine=self.engine)  # fmt: skip
        assert code == 0
        return str(json.loads(out.getvalue())["token"])

    def public_ids(self) -> set[str]:
        return {h["id"] for h in self.http.get("/api/v1/hospitals").json()["hospitals"]}


@pytest.fixture
def net(tmp_path: Path, bundle: Path) -> Iterator[Network]:
    with ExitStack() as stack:
        yield Network(stack, tmp_path, bundle)


@pytest.fixture
def lan(tmp_path: Path, bundle: Path) -> Iterator[Network]:
    """A hub whose operator lets hospitals join from private addresses (here: loopback)."""
    with ExitStack() as stack:
        yield Network(stack, tmp_path, bundle, join_allow_private=True)


@pytest.fixture
def following(tmp_path: Path, bundle: Path) -> Iterator[Network]:
    """The network with the hub re-reading the HIPs' capabilities every 0.2 s (hub.offers)."""
    with ExitStack() as stack:
        yield Network(stack, tmp_path, bundle, offers_refresh_s=0.2)


def _failed(report: dict[str, Any]) -> list[str]:
    return [c["name"] for c in report["checks"] if not c["ok"]]


def test_a_checked_join_goes_live_with_the_hips_own_offers(net: Network) -> None:
    report = net.join()
    assert report["active"] and report["reason"] is None and _failed(report) == []
    names = [c["name"] for c in report["checks"]]
    assert names == ["hip_reachable", "hip_requires_token", "hip_token", "hip_identity", "webhook_signed",
                     "webhook_verifies"]  # fmt: skip
    caps = httpx.get(
        f"{net.hip.url}/v1/capabilities", headers={"Authorization": f"Bearer {HIP_TOKEN}"}
    ).json()
    h = report["hospital"]
    assert (
        h["offers"] == caps["offers"] == {"segmentation": ["brain_mri"], "vqa": ["brain_mri", "chest_xray"]}
    )
    assert h["bundle_version"] == "1.0.0" and h["verified_at"] and h["status_reason"] is None
    assert HOSPITAL in net.public_ids()
    nearby = net.http.get("/api/v1/hospitals/nearby", params={"lat": 44.46, "lon": 26.1, "k": 1},
                          headers=tr.SERVICE).json()["hospitals"]  # fmt: skip
    assert nearby[0]["id"] == HOSPITAL and nearby[0]["hip_token"] == HIP_TOKEN


@pytest.mark.parametrize(
    ("changes", "check", "words"),
    [
        ({"hip_token": "not-the-hip-token-at-all"}, "hip_token", "refused the registered token"),
        ({"webhook_secrets": [new_secret()]}, "webhook_signed", "answered 401"),
        ({"hip_url": "http://127.0.0.1:1"}, "hip_reachable", "is the HIP running"),
        (
            {"webhook_url": "http://127.0.0.1:1/webhooks/transcripts"},
            "webhook_signed",
            "is the inbox running",
        ),
    ],
)
def test_a_failed_check_keeps_the_hospital_offline_with_the_reason(
    net: Network, changes: dict[str, Any], check: str, words: str
) -> None:
    report = net.join(**changes)
    assert not report["active"] and _failed(report) == [check]
    assert report["reason"].startswith(f"{check}: ") and words in report["reason"]
    assert report["hospital"]["status_reason"] == report["reason"]
    assert HOSPITAL not in net.public_ids()
    fixed = net.join()  # joining again with the setup fixed
    assert fixed["active"] and HOSPITAL in net.public_ids()


def test_an_endpoint_that_accepts_anything_does_not_join(net: Network) -> None:
    with tr.ServerThread(tr.Receiver().app, free_port()) as lax:
        report = net.join(webhook_url=f"{lax.url}/webhooks/transcripts")
    assert _failed(report) == ["webhook_verifies"] and "must verify signatures" in report["reason"]


def test_a_bundle_of_another_hospital_is_caught(net: Network, tmp_path: Path) -> None:
    other = make_bundle(tmp_path / "local", hip_id="local")
    with tr.ServerThread(create_hip(HipConfig(bundle_dir=other, token=HIP_TOKEN)), free_port()) as hip:
        report = net.join(hip_url=hip.url)
    assert _failed(report) == ["hip_identity"] and "--hip-id floreasca" in report["reason"]


def test_offers_follow_a_hot_swap_and_the_registration_can_be_deleted(net: Network, bundle: Path) -> None:
    assert net.join()["active"]
    make_bundle(bundle, version="2.0.0", vqa_topics=["chest_xray"])  # the new bundle, manifest last
    admin = {"Authorization": f"Bearer {HIP_TOKEN}"}  # no separate admin token: the service token
    assert httpx.post(f"{net.hip.url}/v1/admin/reload", headers=admin).json()["bundle_version"] == "2.0.0"
    refreshed = net.http.post(f"/api/v1/hospitals/{HOSPITAL}/verify", headers=tr.ADMIN).json()
    assert refreshed["active"] and refreshed["hospital"]["bundle_version"] == "2.0.0"
    assert refreshed["hospital"]["offers"] == {"segmentation": ["brain_mri"], "vqa": ["chest_xray"]}
    public = net.http.get("/api/v1/hospitals").json()["hospitals"]
    assert next(h for h in public if h["id"] == HOSPITAL)["offers"]["vqa"] == ["chest_xray"]

    # A transcript waiting for it (its inbox down), then the hospital leaves.
    net.http.put(
        f"/api/v1/hospitals/{HOSPITAL}", json={"webhook_url": "http://127.0.0.1:1/x"}, headers=tr.ADMIN
    )
    r = net.http.post("/api/v1/transcripts", json=tr.transcript([HOSPITAL]), headers=tr.SERVICE)
    assert r.status_code == 201
    gone = net.http.delete(f"/api/v1/hospitals/{HOSPITAL}", headers=tr.ADMIN)
    # pending or failed (the default policy retries seconds later): queued, so cancelled
    assert gone.status_code == 200
    assert gone.json() == {"id": HOSPITAL, "deliveries_cancelled": 1, "deliveries_removed": 1}
    assert HOSPITAL not in net.public_ids()
    assert net.http.get(f"/api/v1/transcripts/{r.json()['id']}", headers=tr.ADMIN).status_code == 200
    assert net.http.delete(f"/api/v1/hospitals/{HOSPITAL}", headers=tr.ADMIN).json()["error"]["code"] == (
        "hospital_not_found"
    )
    assert net.join()["active"]  # the id is free again


def test_small_api_fixes(net: Network) -> None:
    r = net.http.get("/api/v1/deliveries?status=", headers=tr.ADMIN)
    assert r.status_code == 200 and "deliveries" in r.json()
    bad = net.http.get("/api/v1/deliveries?status=lost", headers=tr.ADMIN)
    assert bad.status_code == 422 and "pending" in bad.json()["error"]["message"]
    wrong_method = net.http.patch("/api/v1/hospitals")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"
    unauth = net.http.post("/api/v1/hospitals/join", json=net.body())
    assert unauth.status_code == 401


def _entry(net: Network) -> dict[str, Any]:
    r = net.http.get(f"/api/v1/hospitals/{HOSPITAL}", headers=tr.ADMIN)
    return dict(r.json())


def _until(net: Network, done: Any, what: str) -> dict[str, Any]:
    """The hospital's admin entry once ``done(entry)`` holds; the refresh runs every 0.2 s, so a
    deadline of a minute only ends a test that would otherwise hang (no speed is asserted)."""
    deadline = time.monotonic() + 60
    while not done(entry := _entry(net)):
        assert time.monotonic() < deadline, f"{what} never happened: {entry}"
        time.sleep(0.1)
    return entry


@contextmanager
def _refresh_log() -> Iterator[list[str]]:
    """The messages hub.offers logs meanwhile (the hub runs in this process, in a thread)."""
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    logger, handler = logging.getLogger("hub.offers"), Keep(logging.INFO)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _reload(net: Network) -> str:
    admin = {"Authorization": f"Bearer {HIP_TOKEN}"}
    return str(httpx.post(f"{net.hip.url}/v1/admin/reload", headers=admin).json()["bundle_version"])


def test_offers_follow_a_hot_swap_without_anyone_asking(following: Network, bundle: Path) -> None:
    net = following
    assert net.join()["active"]
    make_bundle(bundle, version="2.0.0", vqa_topics=["chest_xray"])
    assert _reload(net) == "2.0.0"  # the hospital swaps its bundle and tells nobody
    entry = _until(net, lambda e: e["bundle_version"] == "2.0.0", "the directory following the swap")
    assert entry["active"] and entry["offers"] == {"segmentation": ["brain_mri"], "vqa": ["chest_xray"]}
    public = net.http.get("/api/v1/hospitals").json()["hospitals"]
    assert next(h for h in public if h["id"] == HOSPITAL)["offers"]["vqa"] == ["chest_xray"]


def test_a_hip_that_is_down_keeps_its_offers_and_one_serving_another_bundle_leaves(
    following: Network, bundle: Path, tmp_path: Path
) -> None:
    net = following
    joined = net.join()["hospital"]
    other = make_bundle(tmp_path / "other", hip_id="local", version="3.0.0")
    # The HIP is down for a while: the directory keeps what it had (the bot says who did not answer).
    with tr.ServerThread(create_hip(HipConfig(bundle_dir=other, token=HIP_TOKEN)), free_port()) as wrong:
        net.http.put(
            f"/api/v1/hospitals/{HOSPITAL}", json={"hip_url": "http://127.0.0.1:1"}, headers=tr.ADMIN
        )
        with _refresh_log() as seen:  # wait for refreshes that met the closed port
            deadline = time.monotonic() + 60
            while sum(f"offers of {HOSPITAL} not refreshed" in m for m in seen) < 2:
                assert time.monotonic() < deadline, "no refresh met the closed port"
                time.sleep(0.1)
        kept = _entry(net)
        assert kept["active"] and kept["offers"] == joined["offers"]
        # Then its URL serves someone else's bundle: out of the directory, with the reason.
        net.http.put(f"/api/v1/hospitals/{HOSPITAL}", json={"hip_url": wrong.url}, headers=tr.ADMIN)
        gone = _until(net, lambda e: not e["active"], "the deactivation")
    assert gone["status_reason"].startswith("hip_identity: ") and "'local'" in gone["status_reason"]
    assert gone["offers"] == joined["offers"] and HOSPITAL not in net.public_ids()


def test_a_hospital_joins_and_leaves_with_its_own_token_and_nothing_more(lan: Network) -> None:
    net = lan
    token = net.hospital_token()
    own = {"Authorization": f"Bearer {token}"}
    r = net.http.post("/api/v1/hospitals/join", json=net.body(), headers=own)
    assert r.status_code == 200 and r.json()["active"]
    assert net.http.post(f"/api/v1/hospitals/{HOSPITAL}/verify", headers=own).json()["active"]
    assert net.http.get(f"/api/v1/hospitals/{HOSPITAL}", headers=own).json()["bundle_version"] == "1.0.0"
    # another hospital's registration, the operator's paths, patients' data: refused
    other = net.body(id="titan")
    assert net.http.post("/api/v1/hospitals/join", json=other, headers=own).status_code == 403
    refused = [("GET", "/api/v1/hospitals/titan"), ("DELETE", "/api/v1/hospitals/titan"),
               ("POST", "/api/v1/hospitals/titan/verify"), ("PUT", f"/api/v1/hospitals/{HOSPITAL}"),
               ("GET", "/api/v1/deliveries"), ("GET", "/api/v1/hospitals/nearby?lat=44&lon=26")]  # fmt: skip
    for method, path in refused:
        assert net.http.request(method, path, headers=own, json={}).status_code in (401, 403), (method, path)
    # stored as a hash only
    with net.engine.connect() as c:
        stored = [row[0] for row in c.exec_driver_sql("SELECT token_sha256 FROM hospital_tokens")]
    assert stored and token not in stored and token[6:] not in json.dumps(stored)
    # a new token replaces the old; leaving removes it (rejoining takes a new one)
    newer = {"Authorization": f"Bearer {net.hospital_token()}"}
    assert net.http.get(f"/api/v1/hospitals/{HOSPITAL}", headers=own).status_code == 401
    assert net.http.delete(f"/api/v1/hospitals/{HOSPITAL}", headers=newer).status_code == 200
    assert net.http.post("/api/v1/hospitals/join", json=net.body(), headers=newer).status_code == 401


def test_an_expired_hospital_token_is_refused(net: Network) -> None:
    token = net.hospital_token(HOSPITAL, "--days", "0.000001")  # expired a tenth of a second later
    time.sleep(0.2)
    r = net.http.post("/api/v1/hospitals/join", json=net.body(), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "hub.admin hospitals token" in r.json()["error"]["message"]


def test_a_hospital_token_cannot_point_the_hub_at_private_addresses(net: Network) -> None:
    own = {"Authorization": f"Bearer {net.hospital_token()}"}
    for url in ("http://127.0.0.1:8000/api", "http://10.0.0.5/x", "http://169.254.169.254/latest"):
        for field in ("hip_url", "webhook_url"):
            r = net.http.post("/api/v1/hospitals/join", json=net.body(**{field: url}), headers=own)
            assert r.status_code == 422 and "not a public address" in r.json()["error"]["message"], (
                field,
                url,
            )
    assert net.join()["active"]  # the operator's own registration is not limited


def test_an_operator_deactivation_cannot_be_undone_by_the_hospital(lan: Network) -> None:
    own = {"Authorization": f"Bearer {lan.hospital_token()}"}
    assert lan.http.post("/api/v1/hospitals/join", json=lan.body(), headers=own).json()["active"]
    off = lan.http.put(f"/api/v1/hospitals/{HOSPITAL}", json={"active": False}, headers=tr.ADMIN)
    assert off.status_code == 200 and not off.json()["active"]
    assert lan.http.post(f"/api/v1/hospitals/{HOSPITAL}/verify", headers=own).status_code == 401
    assert HOSPITAL not in lan.public_ids()
