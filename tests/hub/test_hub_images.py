"""Image store: magic-byte sniffing, limits, content addressing, sealed storage, capability tokens."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image as PILImage
from sqlalchemy import Engine

from hub.app import create_app
from hub.images import sniff
from hub.models import Image
from qaid.config import Settings


def _png(colour: tuple[int, int, int] = (10, 20, 30)) -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGB", (8, 8), colour).save(buf, format="PNG")
    return buf.getvalue()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    PILImage.new("L", (8, 8), 128).save(buf, format="JPEG")
    return buf.getvalue()


DICOM = b"\x00" * 128 + b"DICM" + b"\x02\x00\x00\x00UL\x04\x00" + b"\x00" * 16


def test_sniffing_by_magic_bytes() -> None:
    assert sniff(_png()) == "image/png"
    assert sniff(_jpeg()) == "image/jpeg"
    assert sniff(DICOM) == "application/dicom"
    assert sniff(b"<html>not an image</html>") is None
    assert sniff(b"\x00" * 200) is None


def test_upload_then_download_with_token(hub: TestClient) -> None:
    data = _png()
    r = hub.post("/api/v1/images", content=data, headers={"content-type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["url"].endswith(f"/api/v1/images/{body['image_id']}?token={body['token']}")

    got = hub.get(f"/api/v1/images/{body['image_id']}", params={"token": body["token"]})
    assert got.status_code == 200
    assert got.content == data and got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"

    # same bytes: same id, not stored twice
    again = hub.post("/api/v1/images", content=data)
    assert again.status_code == 200 and again.json()["image_id"] == body["image_id"]
    with hub.app.state.hub.sessions() as db:
        rows = db.query(Image).all()
        assert len(rows) == 1
        assert data not in rows[0].data_enc  # sealed at rest


def test_a_different_image_gets_another_id_and_token(hub: TestClient) -> None:
    a = hub.post("/api/v1/images", content=_png((1, 2, 3))).json()
    b = hub.post("/api/v1/images", content=_jpeg()).json()
    assert a["image_id"] != b["image_id"] and a["token"] != b["token"]
    # a token opens only its own image
    r = hub.get(f"/api/v1/images/{b['image_id']}", params={"token": a["token"]})
    assert r.status_code == 403


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_download_without_a_valid_token_is_forbidden(hub: TestClient, token: str | None) -> None:
    image_id = hub.post("/api/v1/images", content=_png()).json()["image_id"]
    params = {} if token is None else {"token": token}
    r = hub.get(f"/api/v1/images/{image_id}", params=params)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "invalid_image_token"


def test_unknown_image_with_a_valid_token_is_404(hub: TestClient) -> None:
    box = hub.app.state.hub.box
    r = hub.get("/api/v1/images/img_missing", params={"token": box.image_token("img_missing")})
    assert r.status_code == 404 and r.json()["error"]["code"] == "image_not_found"


def test_empty_and_non_image_uploads_are_refused(hub: TestClient) -> None:
    r = hub.post("/api/v1/images", content=b"")
    assert r.status_code == 400 and r.json()["error"]["code"] == "empty_body"
    # a lying Content-Type does not help: the bytes decide
    r = hub.post("/api/v1/images", content=b"%PDF-1.7 not an image", headers={"content-type": "image/png"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_image_type"


@pytest.fixture
def small_hub(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine=engine, run_worker=False, image_limit=1000)) as client:
        yield client


def test_images_over_the_limit_are_refused(small_hub: TestClient) -> None:
    big = _png() + b"\x00" * 2000
    r = small_hub.post("/api/v1/images", content=big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "image_too_large"

    def chunked() -> Iterator[bytes]:  # no Content-Length: refused while streaming
        yield big[:600]
        yield big[600:]

    r = small_hub.post("/api/v1/images", content=chunked())
    assert r.status_code == 413
    assert small_hub.post("/api/v1/images", content=_png()).status_code == 201
