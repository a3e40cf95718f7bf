"""The three Q&Aid APIs as fuzz targets: built in-process on throwaway state, seeded with real ids.

* the HIP on the calibrated tiny real bundle of the HIP tests, with one uploaded image;
* the hub on SQLite (migrated, demo hospitals synced, no worker) with one image and one transcript;
* a hospital inbox with one signed transcript received; its webhook route is fuzzed both unsigned
  (refused at the door) and **signed** with the hospital's secret, so hostile bodies reach the parser
  the way a buggy or compromised hub would send them.

Shared by ``tests/hardening`` (CI budget) and ``bench/fuzz_apis.py`` (≥ 10k cases per API).
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from fuzz_runner import Target, Variant
from PIL import Image
from schemathesis import Case
from schemathesis.core import NotSet

from hip_service.app import create_app as create_hip
from hip_service.config import HipConfig
from hub.app import create_app as create_hub
from inbox.app import create_app as create_inbox
from qaid import webhooks
from qaid.config import webhook_secret
from qaid.db import make_engine

_TESTS = Path(__file__).resolve().parents[1]


def _helpers(name: str, directory: str) -> ModuleType:
    """A helper module of another test package, by path: putting that package on sys.path would stop
    pytest from prepending it, and its test modules would then import the wrong ``conftest``."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _TESTS / directory / f"{name}.py")
        assert spec is not None and spec.loader is not None
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


# the calibrated tiny bundle: abstention, OOD and trained_on gates are on the fuzzed paths too
build_bundle = _helpers("hip_tiny_bundle", "hip_service").build_calibrated_bundle
make_settings = _helpers("tr_helpers", "hub").make_settings
transcript = _helpers("tr_helpers", "hub").transcript

HIP_TOKEN = "fuzz-hip-token"
INBOX_HOSPITAL = "titan"


def png(grey: int = 60, size: int = 48) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((size, size), grey, dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def hip(tmp: Path) -> Target:
    bundle = tmp / "bundle"
    if not (bundle / "manifest.json").exists():
        build_bundle(bundle)
    auth = {"Authorization": f"Bearer {HIP_TOKEN}"}
    app = create_hip(HipConfig(bundle_dir=bundle, token=HIP_TOKEN))
    with TestClient(app, headers=auth) as client:
        r = client.post("/v1/images", content=png())
        assert r.status_code == 201, r.text
        image = {"path_parameters": {"image_id": r.json()["image_id"]}}
    ops = ("analyze", "vqa", "segment")
    known = {f"POST /v1/images/{{image_id}}/{op}": [Variant("known image", image)] for op in ops}
    known["GET /v1/images/{image_id}/heatmap"] = [Variant("known image", image)]
    return Target("hip", app, auth, known)


def consent_to(body: object, hospital: str) -> None:
    """Point a generated transcript's consent at ``hospital`` (if it has that shape), so a hostile but
    valid transcript is stored and rendered instead of stopping at "not consented"."""
    data = body.get("data", body) if isinstance(body, dict) else None
    consent = data.get("consent") if isinstance(data, dict) else None
    if isinstance(consent, dict):
        consent["hospitals"] = [hospital]


def check_renderings(client: TestClient, paths: list[str], headers: dict[str, str] | None = None) -> None:
    """Every rendering of a just-stored transcript must render: a 5xx is raised (counted as a failure)."""
    for path in paths:
        r = client.get(path, headers=headers)
        if r.status_code >= 500:
            raise AssertionError(f"rendering {path} -> {r.status_code}: {r.text[:200]}")


def hub(tmp: Path) -> Target:
    settings = make_settings(tmp / "hub")
    engine = make_engine(f"sqlite:///{tmp / 'hub.sqlite3'}")
    app = create_hub(settings, engine=engine, run_worker=False)
    admin = {"Authorization": f"Bearer {settings.hub_admin_token}"}
    service = {"Authorization": f"Bearer {settings.hub_service_token}"}
    with TestClient(app) as client:
        img = client.post("/api/v1/images", content=png()).json()
        r = client.post("/api/v1/transcripts", json=transcript(["titan", "cismigiu"]), headers=service)
        assert r.status_code == 201, r.text
        tid, delivery = r.json()["id"], r.json()["deliveries"][0]["id"]
    renderer = TestClient(app, raise_server_exceptions=False)  # no lifespan: the app is already set up

    def stored_and_rendered(case: Case) -> Any:
        """Post the generated transcript consented to a known hospital, then render what was stored."""
        consent_to(case.body, "titan")
        response = case.call(headers=service)
        if response.status_code in (200, 201):
            tid = response.json()["id"]
            paths = [f"/api/v1/transcripts/{tid}?format={f}" for f in ("json", "fhir", "pdf")]
            check_renderings(renderer, paths, admin)
        return response

    image = {"path_parameters": {"image_id": img["image_id"]}, "query": {"token": img["token"]}}

    def ids(name: str, value: str) -> list[Variant]:
        return [Variant(f"known {name}", {"path_parameters": {f"{name}_id": value}})]

    known = {
        "GET /api/v1/images/{image_id}": [Variant("known image", image)],
        "GET /api/v1/transcripts/{transcript_id}": ids("transcript", tid),
        "PUT /api/v1/hospitals/{hospital_id}": ids("hospital", "herastrau"),
        "GET /api/v1/deliveries/{delivery_id}": ids("delivery", delivery),
        "POST /api/v1/deliveries/{delivery_id}/retry": ids("delivery", delivery),
        "POST /api/v1/deliveries/{delivery_id}/replay": ids("delivery", delivery),
        "POST /api/v1/transcripts": [Variant("consented, rendered", {}, stored_and_rendered)],
    }
    service_routes = ("GET /api/v1/hospitals/nearby", "POST /api/v1/transcripts")
    return Target("hub", app, admin, known, headers_for=dict.fromkeys(service_routes, service))


def inbox_app(tmp: Path) -> Target:
    settings = make_settings(tmp / "inbox")
    secret = webhook_secret(settings.webhook_secret_seed, INBOX_HOSPITAL)
    app = create_inbox(settings, INBOX_HOSPITAL, db_path=tmp / "inbox.sqlite3")
    client = TestClient(app, raise_server_exceptions=False)

    def post_signed(data: bytes, msg_id: str) -> Any:
        # Standard Webhooks signs text: bytes that are not UTF-8 get a signature that cannot match.
        headers = webhooks.headers(msg_id, [secret], data.decode("utf-8", "replace").encode())
        return client.post("/webhooks/transcripts", content=data, headers=headers)

    seed = {"type": webhooks.EVENT_TYPE, "timestamp": "2025-01-01T00:00:00+00:00"}
    r = post_signed(json.dumps(seed | {"data": transcript([INBOX_HOSPITAL])}).encode(), "msg_seed")
    assert r.status_code == 200, r.text

    def signed(case: Case) -> Any:
        """Sign the generated body with the hospital's secret (consented to it), post it, render it."""
        body = case.body
        consent_to(body, INBOX_HOSPITAL)
        data = body if isinstance(body, bytes) else b"" if isinstance(body, NotSet) else json.dumps(body)
        data = data.encode() if isinstance(data, str) else data
        msg_id = f"msg_{uuid.uuid4().hex}"
        response = post_signed(data, msg_id)
        if response.status_code == 200:
            pages = ("", ".pdf", ".fhir.json")
            check_renderings(client, [f"/transcripts/{msg_id}{p}" for p in pages] + ["/", "/api/transcripts"])
        return response

    seeded = [Variant("known transcript", {"path_parameters": {"webhook_id": "msg_seed"}})]
    pages = ("/api/transcripts/{webhook_id}", "/transcripts/{webhook_id}", "/transcripts/{webhook_id}.pdf")
    known: dict[str, list[Variant]] = {
        "POST /webhooks/transcripts": [Variant("signed, consented, rendered", {}, signed)],
        **{f"GET {path}": seeded for path in (*pages, "/transcripts/{webhook_id}.fhir.json")},
    }
    return Target("inbox", app, {}, known)
