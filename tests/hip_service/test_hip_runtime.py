"""Hot swap, overload shedding and the bounded image cache."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hip_helpers import encode, upload
from hip_tiny_bundle import brain_like
from PIL import Image

from hip_service import analysis
from hip_service.image_store import ImageStore
from hip_service.runtime import InferenceGate
from qaid.api_errors import ApiError
from qaid.bundle import read_manifest, write_manifest


def set_version(directory: Path, version: str) -> None:
    manifest = read_manifest(directory)
    write_manifest(directory, manifest.model_copy(update={"bundle_version": version}))


def test_hot_swap_while_requests_run_fails_no_request(
    bundle_copy: Path, make_client: Callable[..., TestClient]
) -> None:
    c = make_client(bundle_copy, max_concurrency=2, max_queue=64)
    image_id = upload(c, encode(brain_like()))
    stop = threading.Event()

    def hammer() -> list[tuple[int, str]]:
        seen = []
        while not stop.is_set():
            r = c.post(f"/v1/images/{image_id}/analyze")
            v = c.post(f"/v1/images/{image_id}/vqa", json={"question": "is this image abnormal?"})
            seen += [
                (r.status_code, r.json().get("bundle_version")),
                (v.status_code, v.json().get("bundle_version")),
            ]
        return seen

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(hammer) for _ in range(4)]
        for i in range(6):
            set_version(bundle_copy, f"2.0.{i}")
            r = c.post("/v1/admin/reload")
            assert r.status_code == 200 and r.json()["bundle_version"] == f"2.0.{i}", r.text
            time.sleep(0.05)
        stop.set()
        results = [item for f in futures for item in f.result()]
    assert results and all(status == 200 for status, _ in results), results
    assert len({version for _, version in results}) >= 2  # requests really ran across swaps
    assert c.get("/ready").json()["bundle_version"] == "2.0.5"


def test_broken_new_bundle_is_rejected_and_the_old_one_keeps_serving(
    bundle_copy: Path, make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    c = make_client(bundle_copy)
    image_id = upload(c, encode(brain_like()))
    (bundle_copy / "segmentation.onnx").write_bytes(b"broken")
    set_version(bundle_copy, "9.9.9")
    r = c.post("/v1/admin/reload")
    assert r.status_code == 422 and r.json()["error"]["code"] == "bundle_invalid"
    assert "segmentation.onnx: sha256" in r.json()["error"]["message"]
    assert c.get("/v1/capabilities").json()["bundle_version"] == "1.0.0"
    body = c.post(f"/v1/images/{image_id}/segment").json()
    assert body["bundle_version"] == "1.0.0" and body["components"] == 1
    assert 'hip_bundle_reloads_total{outcome="rejected"} 1.0' in c.get("/metrics").text
    # the operator sees why in the HIP's log, not only the caller in the answer
    rejected = [r for r in caplog.records if r.getMessage().startswith("bundle reload rejected")]
    assert len(rejected) == 1 and "segmentation.onnx: sha256" in rejected[0].reason  # type: ignore[attr-defined]


def test_manifest_watcher_swaps_on_change(bundle_copy: Path, make_client: Callable[..., TestClient]) -> None:
    c = make_client(bundle_copy, watch_interval_s=0.05)
    set_version(bundle_copy, "3.0.0")
    deadline = time.monotonic() + 60  # a bound for a hang; ends at the swap
    while c.get("/ready").json()["bundle_version"] != "3.0.0":
        assert time.monotonic() < deadline, "watcher did not swap the bundle"
        time.sleep(0.05)


def test_admin_token_can_differ_from_the_service_token(make_client: Callable[..., TestClient]) -> None:
    c = make_client(admin_token="admin-secret")
    assert c.post("/v1/admin/reload").status_code == 401
    assert c.post("/v1/admin/reload", headers={"Authorization": "Bearer admin-secret"}).status_code == 200


def test_gate_sheds_load_beyond_slots_plus_queue() -> None:
    gate = InferenceGate(workers=1, queue=1, retry_after_s=7)
    release = threading.Event()

    async def scenario() -> list[object]:
        first = asyncio.create_task(gate.run(release.wait, 5))
        second = asyncio.create_task(gate.run(lambda: "queued"))
        await asyncio.sleep(0.05)
        with pytest.raises(ApiError) as info:
            await gate.run(lambda: "third")
        assert (info.value.status, info.value.code, info.value.headers) == (
            503,
            "overloaded",
            {"Retry-After": "7"},
        )
        release.set()
        return [await first, await second, await gate.run(lambda: "after")]

    assert asyncio.run(scenario()) == [True, "queued", "after"]
    assert gate.admitted == 0


def test_overload_is_503_with_retry_after_over_http(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    c = make_client(max_concurrency=1, max_queue=0, retry_after_s=2)
    image_id = upload(c, encode(brain_like()))
    release, started = threading.Event(), threading.Event()
    real = analysis.analyze

    def slow(*args: object) -> object:
        started.set()
        release.wait(10)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "analyze", slow)
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(c.post, f"/v1/images/{image_id}/analyze")
        assert started.wait(10)
        r = c.post(f"/v1/images/{image_id}/segment")
        assert r.status_code == 503 and r.headers["retry-after"] == "2"
        assert r.json()["error"]["code"] == "overloaded"
        release.set()
        assert pending.result().status_code == 200


def _img(side: int) -> Image.Image:
    return Image.fromarray(np.zeros((side, side), np.uint8))


def test_image_store_is_bounded_by_count_bytes_and_age() -> None:
    store = ImageStore(max_items=2, max_bytes=9_000, ttl_s=60)
    a, b = store.put(_img(10), "a", "png"), store.put(_img(10), "b", "png")
    assert store.get(a) is not None  # a is now most recently used
    c = store.put(_img(10), "c", "png")
    assert store.get(b) is None and store.get(a) is not None and store.get(c) is not None
    big = store.put(_img(95), "big", "png")  # 9025 bytes: alone above the limit, kept; others out
    assert store.get(big) is not None and len(store) == 1
    old = ImageStore(max_items=5, max_bytes=10_000, ttl_s=0.0)
    oid = old.put(_img(4), "x", "png")
    time.sleep(0.01)
    assert old.get(oid) is None
