"""The inbox's PDF and FHIR Bundle carry the images and overlays: the inbox keeps them when it
receives a transcript, fetched from the hub it is configured with only, verified against the signed
transcript's SHA-256; whatever it cannot keep is "unavailable" and loses nothing else."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from test_renderings_images import (
    OVERLAY,
    SCAN_1,
    SCAN_2,
    SENDER,
    _bundle,
    case,
    images_of,
    red,
    ref,
    text_of,
)
from tr_helpers import SERVICE, ServerThread, drain, make_settings, make_worker
from utils.net import free_port

from hub.app import create_app as create_hub
from inbox.app import create_app as create_inbox
from inbox.images import CaseImages, case_images
from qaid import webhooks
from qaid.config import Settings, webhook_secret
from qaid.db import make_engine
from qaid_contracts import binding


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The hub's public URL is a real port here: the inbox fetches from it."""
    return make_settings(tmp_path, public_hub_url=f"http://127.0.0.1:{free_port()}")


def _hub_port(settings: Settings) -> int:
    return int(urlsplit(settings.hub_public_url).port or 0)


def _upload(hub: TestClient, data: bytes) -> dict[str, Any]:
    """An image uploaded as the patient's conversation: its id, sha256, ref and capability link."""
    r = hub.post("/api/v1/images", content=data, headers={binding.SENDER_HEADER: SENDER})
    assert r.status_code in (200, 201)
    return dict(r.json())


def _deliver(inbox: TestClient, settings: Settings, data: dict[str, Any], links: dict[str, str]) -> str:
    """A signed delivery of ``data`` with ``links``, as the hub's worker sends it; its webhook-id."""
    event = {"type": "transcript.created", "timestamp": datetime.now(UTC).isoformat(), "data": data,
             "links": {"images": links}}  # fmt: skip
    body, wid = json.dumps(event).encode(), f"msg_{uuid.uuid4().hex}"
    headers = webhooks.headers(wid, [webhook_secret(settings.webhook_secret_seed, "titan")], body)
    r = inbox.post("/webhooks/transcripts", content=body, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "received", r.text
    return wid


def _until(done: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout  # a bound for a hang, not a timing assertion
    while not done():
        assert time.monotonic() < deadline, "the inbox did not keep the images in time"
        time.sleep(0.05)


def _media(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["identifier"][0]["value"]: m["content"] for m in _bundle(bundle)["Media"]}


def _trail(inbox: Any, wid: str) -> list[str]:
    return [a["detail"] for a in inbox.state.workbench.accounts.trail(wid) if a["action"] == "images"]


def test_images_kept_at_receipt_are_in_the_pdf_and_fhir_after_the_hub_is_gone(
    hub: TestClient, engine: Engine, settings: Settings
) -> None:
    scan, overlay = _upload(hub, SCAN_1), _upload(hub, OVERLAY)
    body = case([SCAN_1], {k: overlay[k] for k in ("image_id", "sha256", "ref")})
    body["conversation_id"] = binding.conversation_id(settings.conversation_key, SENDER)
    body["images"] = [{k: scan[k] for k in ("image_id", "sha256", "ref")}]
    hub.post("/api/v1/transcripts", json=body, headers=SERVICE)
    app = create_inbox(settings, "titan")
    with ServerThread(app, settings.port(settings.hospital("titan").inbox_port)) as titan:
        with ServerThread(create_hub(settings, engine=engine, run_worker=False), _hub_port(settings)):
            worker = make_worker(settings, engine, public_url=settings.hub_public_url)
            drain(worker, lambda: bool(httpx.get(titan.url + "/api/transcripts").json()))
            wid = httpx.get(titan.url + "/api/transcripts").json()[0]["webhook_id"]
            _until(lambda: len(app.state.case_images.held(wid)) == 2)
        # the hub is down now (as after its retention purge): the doctor's copies lose nothing
        document = httpx.get(f"{titan.url}/transcripts/{wid}.pdf").content
        drawn = images_of(document)
        assert len(drawn) == 2 and sum(red(i) for i in drawn) == 1  # the scan and the overlay
        assert "Image unavailable" not in text_of(document)
        media = _media(httpx.get(f"{titan.url}/transcripts/{wid}.fhir.json").json())
        for image, raw in ((scan, SCAN_1), (overlay, OVERLAY)):
            content = media[image["image_id"]]
            assert base64.b64decode(content["data"]) == raw and "url" not in content  # no expiring link
        assert _trail(app, wid) == ["2 kept (sha256 verified)"]
        assert "images fetched from the hub" in httpx.get(f"{titan.url}/transcripts/{wid}").text

        # a kept copy changed in the inbox's file is not drawn either: checked again when read
        with app.state.store.engine.begin() as conn:
            conn.execute(
                update(case_images).where(case_images.c.image_id == scan["image_id"]).values(data=SCAN_2)
            )
        document = httpx.get(f"{titan.url}/transcripts/{wid}.pdf").content
        assert [red(i) for i in images_of(document)] == [True]
        assert "Image unavailable: the inbox holds no verified copy" in text_of(document).replace("\n", " ")


def test_images_the_hub_could_not_give_at_receipt_are_fetched_when_the_pdf_is_asked_for(
    hub: TestClient, engine: Engine, settings: Settings
) -> None:
    scan = _upload(hub, SCAN_1)
    body = case([SCAN_1], None)
    body["images"] = [{k: scan[k] for k in ("image_id", "sha256")}]
    app = create_inbox(settings, "titan")
    with TestClient(app) as inbox:
        wid = _deliver(inbox, settings, body, {scan["image_id"]: scan["url"]})  # the hub is not listening
        [failed] = _trail(app, wid)
        assert f"{scan['image_id']} not kept: the hub could not be reached" in failed
        document = inbox.get(f"/transcripts/{wid}.pdf").content
        assert images_of(document) == []
        text = text_of(document)
        assert "Image unavailable: the inbox holds no verified copy" in text.replace("\n", " ")
        assert "Question 1 about image 1? yes" in text and "Ana Pop" in text  # the rest is all there
        with ServerThread(create_hub(settings, engine=engine, run_worker=False), _hub_port(settings)):
            document = inbox.get(f"/transcripts/{wid}.pdf").content
        assert len(images_of(document)) == 1 and "Image unavailable" not in text_of(document)
        assert app.state.case_images.held(wid) == {scan["image_id"]: SCAN_1}


def test_bytes_that_do_not_hash_to_the_transcripts_sha256_are_refused(
    hub: TestClient, engine: Engine, settings: Settings
) -> None:
    scan = _upload(hub, SCAN_1)
    body = case([SCAN_2], None)  # the signed transcript says the image is other bytes than the hub's
    body["images"] = [{"image_id": scan["image_id"], "sha256": hashlib.sha256(SCAN_2).hexdigest()}]
    app = create_inbox(settings, "titan")
    with (
        ServerThread(create_hub(settings, engine=engine, run_worker=False), _hub_port(settings)),
        TestClient(app) as inbox,
    ):
        wid = _deliver(inbox, settings, body, {scan["image_id"]: scan["url"]})
        assert _trail(app, wid) == [
            f"0 kept (sha256 verified); {scan['image_id']} not kept: refused: the bytes do not hash to "
            "the transcript's sha256"
        ]
        assert app.state.case_images.held(wid) == {}
        document = inbox.get(f"/transcripts/{wid}.pdf").content
        assert images_of(document) == [] and "Image unavailable" in text_of(document)
        content = _media(inbox.get(f"/transcripts/{wid}.fhir.json").json())[scan["image_id"]]
        assert "data" not in content and "size" not in content


class _Recorder:
    """A real HTTP server that records every request; ``answer`` says what it sends back."""

    def __init__(self, answer: Callable[[Request], Response]) -> None:
        self.paths: list[str] = []
        self.lock = threading.Lock()
        self.app = FastAPI()

        @self.app.get("/{path:path}")
        async def _any(request: Request, path: str) -> Response:
            with self.lock:
                self.paths.append(request.url.path)
            return answer(request)


def test_links_off_the_hub_origin_or_path_are_never_fetched_and_redirects_are_not_followed(
    tmp_path: Path,
) -> None:
    t = case([SCAN_1, SCAN_2], ref(OVERLAY))
    image_1, image_2 = (i["image_id"] for i in t["images"])
    overlay_id = ref(OVERLAY)["image_id"]
    other = _Recorder(lambda _: Response(SCAN_1, media_type="image/png"))  # would give the right bytes
    with ServerThread(other.app, free_port()) as elsewhere:
        to_other = _Recorder(lambda r: RedirectResponse(f"{elsewhere.url}{r.url.path}?token=t", 302))
        with ServerThread(to_other.app, free_port()) as hub_origin:
            settings = make_settings(tmp_path, public_hub_url=hub_origin.url)
            other_netloc = urlsplit(elsewhere.url).netloc
            links = {
                image_1: f"{elsewhere.url}/api/v1/images/{image_1}?token=t",  # another origin
                image_2: f"{hub_origin.url}/api/v1/images/{image_2}?token=t",  # the hub redirects
                overlay_id: f"http://{urlsplit(hub_origin.url).netloc}@{other_netloc}/api/v1/images/"
                f"{overlay_id}?token=t",  # the hub's address as a user name: the host is the other
            }
            app = create_inbox(settings, "titan")
            with TestClient(app) as inbox:
                wid = _deliver(inbox, settings, t, links)
                document = inbox.get(f"/transcripts/{wid}.pdf").content
    assert other.paths == []  # never asked, not even through the redirect
    assert to_other.paths == [f"/api/v1/images/{image_2}"] * 2  # at receipt and for the PDF
    assert _trail(app, wid)[0] == f"0 kept (sha256 verified); {image_2} not kept: the hub answered HTTP 302"
    assert images_of(document) == [] and text_of(document).count("Image unavailable") == 2
    assert "Outline unavailable" in text_of(document).replace("\n", " ")


def test_only_the_hubs_image_link_for_that_id_is_rebuilt_on_the_configured_origin(tmp_path: Path) -> None:
    kept = CaseImages(make_engine(f"sqlite:///{tmp_path / 'inbox.sqlite3'}"), "https://hub.example/qaid/")
    image_id = "img_" + "0" * 32
    good = f"https://HUB.example:443/qaid/api/v1/images/{image_id}?token=abc-_1"
    assert kept.url_for(image_id, good) == f"https://hub.example/qaid/api/v1/images/{image_id}?token=abc-_1"
    for bad in (
        f"http://hub.example/qaid/api/v1/images/{image_id}?token=abc",  # plain http
        f"https://hub.example:8443/qaid/api/v1/images/{image_id}?token=abc",  # another port
        f"https://hub.example.evil/qaid/api/v1/images/{image_id}?token=abc",
        f"https://hub.example/api/v1/images/{image_id}?token=abc",  # outside the hub's path
        f"https://hub.example/qaid/api/v1/images/{'img_' + '1' * 32}?token=abc",  # another image
        f"https://hub.example/qaid/api/v1/images/{image_id}/../../admin?token=abc",
        f"https://hub.example/qaid/api/v1/images/{image_id}?token=abc&url=https://x",
        f"https://hub.example/qaid/api/v1/images/{image_id}?token=a/b",
        f"https://hub.example:notaport/qaid/api/v1/images/{image_id}?token=abc",
    ):
        assert kept.url_for(image_id, bad) is None, bad
    assert kept.url_for("../admin", good) is None


def test_a_body_past_the_limit_is_cut_off_and_nothing_is_kept(tmp_path: Path) -> None:
    huge = _Recorder(lambda _: Response(b"\x89PNG" + b"\0" * 5000, media_type="image/png"))
    t = case([SCAN_1], None)
    image_id = t["images"][0]["image_id"]
    with ServerThread(huge.app, free_port()) as hub_origin:
        kept = CaseImages(
            make_engine(f"sqlite:///{tmp_path / 'inbox.sqlite3'}"), hub_origin.url, max_bytes=1000
        )
        links = {image_id: f"{hub_origin.url}/api/v1/images/{image_id}?token=t"}
        got = kept.fetch("msg_1", t, links, budget_s=30)
        assert got.failed == {image_id: "refused: larger than 1000 bytes"} and kept.held("msg_1") == {}
        assert kept.fetch("msg_1", t, links, budget_s=-1).failed == {
            image_id: "not asked: the time for fetching ran out"
        }
