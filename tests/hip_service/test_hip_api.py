"""The HIP API end to end over the tiny real bundle (FastAPI TestClient, ONNX Runtime underneath)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hip_helpers import encode, upload
from hip_tiny_bundle import brain_like, build_bundle, gray
from PIL import Image
from test_hip_imaging import dicom_bytes, png_with_header


def error(r) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return r.status_code, body["error"]["code"]


def test_open_endpoints_need_no_token(client: TestClient) -> None:
    bare = {"Authorization": ""}
    assert client.get("/health", headers=bare).json() == {"status": "ok"}
    assert client.get("/ready", headers=bare).json() == {"status": "ready", "bundle_version": "1.0.0"}
    assert client.get("/metrics", headers=bare).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic dGVzdA==", "Bearer "])
def test_v1_requires_the_bearer_token(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    with TestClient(client.app, headers=headers) as bare:
        for method, path in [
            ("get", "/v1/capabilities"),
            ("post", "/v1/images"),
            ("post", "/v1/admin/reload"),
        ]:
            r = getattr(bare, method)(path)
            assert error(r) == (401, "unauthorized")
            assert r.headers["www-authenticate"] == "Bearer"


def test_capabilities(client: TestClient) -> None:
    body = client.get("/v1/capabilities").json()
    assert body["hip_id"] == "testhip" and body["bundle_version"] == "1.0.0"
    assert body["offers"] == {"segmentation": ["brain_mri"], "vqa": ["brain_mri", "chest_xray"]}
    assert body["labels"][:2] == ["brain", "chest"] and body["label_topics"]["brain"] == "brain_mri"
    assert {m["name"]: m["task"] for m in body["models"]} == {
        "filter": "filter", "labeler": "labeler", "seg": "segmentation", "vqa": "vqa",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("data", "fmt", "size"),
    [
        (encode(gray(0.5)), "png", (64, 48)),
        (encode(np.full((20, 30, 3), 120, np.uint8), "JPEG"), "jpeg", (30, 20)),
        (dicom_bytes(np.tile(np.arange(100, dtype=np.uint16), (10, 1))), "dicom", (100, 10)),
    ],
)
def test_upload_sniffs_format_ignoring_content_type(client: TestClient, data: bytes, fmt: str, size) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/v1/images", content=data, headers={"Content-Type": "text/plain"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["format"], body["width"], body["height"]) == (fmt, *size)
    assert len(body["image_id"]) >= 16 and len(body["sha256"]) == 64


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 400, "empty_body"),
        (b"not an image at all" * 20, 415, "unsupported_media_type"),
        (encode(gray(0.3))[:60], 422, "corrupt_image"),
        (png_with_header(100_000, 100_000), 413, "image_too_many_pixels"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (21 * 1024 * 1024), 413, "image_too_large"),
    ],
)
def test_bad_uploads_are_4xx_in_the_error_shape(
    client: TestClient, data: bytes, status: int, code: str
) -> None:
    assert error(client.post("/v1/images", content=data)) == (status, code)


def test_upload_limit_is_enforced_while_streaming(make_client: Callable[..., TestClient]) -> None:
    c = make_client(max_image_bytes=1000)

    def chunks():  # no Content-Length: the limit must hold on the stream itself
        for _ in range(10):
            yield b"\x89PNG\r\n\x1a\n" + b"\0" * 200

    assert error(c.post("/v1/images", content=chunks())) == (413, "image_too_large")


def test_analyze_brain_uses_segmentation_and_reports_the_patients_side(client: TestClient) -> None:
    image_id = upload(client, encode(brain_like(blob_on_image_left=True)))
    body = client.post(f"/v1/images/{image_id}/analyze").json()
    assert body["medical"]["is_medical"] is True and body["medical"]["confidence"] > 0.5
    assert body["label"]["name"] == "brain" and body["label"]["topic"] == "brain_mri"
    assert body["tasks"] == ["vqa", "segmentation"]
    anomaly = body["anomaly"]
    assert anomaly["abnormal"] is True
    assert anomaly["side"] == "right"  # image left = patient right
    assert anomaly["source"] == {"task": "segmentation", "model": "seg", "version": "s-1"}
    assert body["model_versions"] == {"filter": "c-1", "labeler": "c-1", "seg": "s-1"}
    assert body["bundle_version"] == "1.0.0" and body["image_id"] == image_id

    other = upload(client, encode(brain_like(blob_on_image_left=False)))
    assert client.post(f"/v1/images/{other}/analyze").json()["anomaly"]["side"] == "left"
    clean = upload(client, encode(gray(0.0)))
    assert client.post(f"/v1/images/{clean}/analyze").json()["anomaly"]["abnormal"] is False


def test_analyze_chest_falls_back_to_vqa(client: TestClient) -> None:
    image_id = upload(client, encode(gray(0.9)))
    body = client.post(f"/v1/images/{image_id}/analyze").json()
    assert body["label"]["name"] == "chest" and body["tasks"] == ["vqa"]
    assert body["anomaly"]["source"]["task"] == "vqa"
    assert body["anomaly"]["abnormal"] is True and body["anomaly"]["side"] == "right"


def test_non_medical_image_stops_after_the_filter(client: TestClient) -> None:
    red = np.zeros((32, 32, 3), np.uint8)
    red[..., 0] = 255
    image_id = upload(client, encode(red))
    body = client.post(f"/v1/images/{image_id}/analyze").json()
    assert body["medical"]["is_medical"] is False and body["medical"]["confidence"] > 0.9
    assert body["label"] is None and body["tasks"] == [] and body["anomaly"] is None
    r = client.post(f"/v1/images/{image_id}/vqa", json={"question": "is this image abnormal?"})
    assert error(r) == (409, "task_not_offered")


def test_vqa_answers_with_type_topic_and_versions(client: TestClient) -> None:
    image_id = upload(client, encode(brain_like()))
    body = client.post(f"/v1/images/{image_id}/vqa", json={"question": "Which SIDE is the lesion on?"}).json()
    assert body == {
        "answer": "right", "confidence": pytest.approx(1.0, abs=1e-3), "answer_type": "closed",
        "topic": "brain_mri", "model_version": "v-1", "bundle_version": "1.0.0",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"json": {"question": ""}}, 422, "invalid_request"),
        ({"json": {"question": "   "}}, 422, "invalid_request"),
        ({"json": {"question": "x" * 501}}, 422, "invalid_request"),
        ({"json": {}}, 422, "invalid_request"),
        ({"json": {"question": 5}}, 422, "invalid_request"),
        ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, "malformed_json"),
        ({"content": b"question=hi", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 422,
         "invalid_request"),
    ],
)  # fmt: skip
def test_vqa_rejects_bad_bodies(client: TestClient, kwargs: dict, status: int, code: str) -> None:
    image_id = upload(client, encode(brain_like()))
    assert error(client.post(f"/v1/images/{image_id}/vqa", **kwargs)) == (status, code)


def test_vqa_accepts_a_500_char_question(client: TestClient) -> None:
    image_id = upload(client, encode(brain_like()))
    question = "please " * 67 + "is this image abnormal?"
    assert len(question) == 492
    assert client.post(f"/v1/images/{image_id}/vqa", json={"question": question}).json()["answer"] == "yes"
    padding = {"question": "a " * 250}  # as long, but nothing the model was trained for is asked
    assert error(client.post(f"/v1/images/{image_id}/vqa", json=padding)) == (422, "unsupported_question")


def _png(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def test_segment_returns_mask_overlay_and_measurements(client: TestClient) -> None:
    arr = brain_like(size=(64, 64), blob_on_image_left=True)
    image_id = upload(client, encode(arr))
    body = client.post(f"/v1/images/{image_id}/segment").json()
    mask = np.asarray(_png(body["mask_png_b64"]))
    assert mask.shape == (64, 64) and body["lesion_area_px"] == int((mask > 0).sum())
    truth = int((arr > 0).sum())  # the blob: 10 x 10 pixels
    assert abs(body["lesion_area_px"] - truth) <= 0.3 * truth
    assert body["lesion_fraction"] == pytest.approx(body["lesion_area_px"] / (64 * 64))
    assert body["components"] == 1 and body["side"] == "right"
    assert _png(body["overlay_png_b64"]).size == (64, 64)
    assert body["model_version"] == "s-1"


def test_segment_is_not_offered_for_chest(client: TestClient) -> None:
    image_id = upload(client, encode(gray(0.9)))
    assert error(client.post(f"/v1/images/{image_id}/segment")) == (409, "task_not_offered")


def test_heatmap_is_a_png_of_the_image_size(client: TestClient) -> None:
    image_id = upload(client, encode(brain_like(size=(80, 60))))
    r = client.get(f"/v1/images/{image_id}/heatmap")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(r.content)).size == (80, 60)


@pytest.mark.parametrize(
    ("method", "suffix"), [("post", "analyze"), ("post", "segment"), ("get", "heatmap"), ("post", "vqa")]
)
def test_unknown_image_is_404(client: TestClient, method: str, suffix: str) -> None:
    kwargs = {"json": {"question": "hi"}} if suffix == "vqa" else {}
    r = getattr(client, method)(f"/v1/images/nope/{suffix}", **kwargs)
    assert error(r) == (404, "image_not_found")


def test_expired_image_is_404(make_client: Callable[..., TestClient]) -> None:
    c = make_client(cache_ttl_s=0.0)
    image_id = upload(c, encode(brain_like()))
    assert error(c.post(f"/v1/images/{image_id}/analyze")) == (404, "image_not_found")


def test_unknown_route_and_method_use_the_error_shape(client: TestClient) -> None:
    assert error(client.get("/v1/nothing")) == (404, "not_found")
    assert error(client.delete("/v1/capabilities")) == (405, "method_not_allowed")


def test_bundle_without_vqa_has_no_anomaly_for_chest(tmp_path: Path, make_client) -> None:  # type: ignore[no-untyped-def]
    build_bundle(tmp_path / "b", vqa_topics=[])
    c = make_client(tmp_path / "b")
    assert c.get("/v1/capabilities").json()["offers"] == {"segmentation": ["brain_mri"]}
    image_id = upload(c, encode(gray(0.9)))
    body = c.post(f"/v1/images/{image_id}/analyze").json()
    assert body["label"]["topic"] == "chest_xray" and body["tasks"] == [] and body["anomaly"] is None
    assert error(c.post(f"/v1/images/{image_id}/vqa", json={"question": "what?"})) == (
        409,
        "task_not_offered",
    )


def test_metrics_count_routes_by_template_and_inference_per_model(client: TestClient) -> None:
    image_id = upload(client, encode(brain_like()))
    client.post(f"/v1/images/{image_id}/analyze")
    text = client.get("/metrics").text
    assert 'route="/v1/images/{image_id}/analyze"' in text and image_id not in text
    assert 'hip_inference_seconds_count{model="filter+labeler",version="c-1"} 1.0' in text
    assert 'hip_inference_seconds_count{model="seg",version="s-1"} 1.0' in text


def test_openapi_documents_every_route_with_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    image = "/v1/images/{image_id}"
    for path in ["/v1/capabilities", "/v1/images", f"{image}/analyze", f"{image}/vqa", f"{image}/segment",
                 f"{image}/heatmap", "/v1/admin/reload"]:  # fmt: skip
        assert path in paths
    analyze = paths["/v1/images/{image_id}/analyze"]["post"]["responses"]
    assert analyze["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AnalyzeOut")
    assert analyze["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
