"""Helpers the HIP tests import by name (a module named ``conftest`` is ambiguous once pytest has
loaded another directory's conftest first)."""

from __future__ import annotations

import io

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def encode(arr: np.ndarray | Image.Image, fmt: str = "PNG") -> bytes:
    img = arr if isinstance(arr, Image.Image) else Image.fromarray(arr)
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def upload(client: TestClient, data: bytes) -> str:
    r = client.post("/v1/images", content=data)
    assert r.status_code == 201, r.text
    return r.json()["image_id"]
