"""The shared error contract (qaid.api_errors) on a bare app: every failure is ``{"error": {...}}``."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel
from pydantic_core import PydanticCustomError

from qaid.api_errors import ApiError, install_error_handlers, read_limited_body
from qaid.imaging import ImageError


class Seven(BaseModel):
    a: int
    b: int
    c: int
    d: int
    e: int
    f: int
    g: int


class Agreed(BaseModel):
    ok: bool

    def model_post_init(self, _: object) -> None:
        if not self.ok:
            raise PydanticCustomError("consent_required", "Consent is required.")


def _app(**kwargs: object) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app, **kwargs)  # type: ignore[arg-type]

    @app.post("/seven")
    def seven(body: Seven) -> dict:
        return {}

    @app.post("/agreed")
    def agreed(body: Agreed) -> dict:
        return {}

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError("database password is hunter2")

    @app.get("/image")
    def image() -> dict:
        raise ImageError("image_too_large", "Too large.", 413)

    @app.get("/model")
    def model() -> dict:
        Seven.model_validate({})
        return {}

    @app.get("/api")
    def api() -> dict:
        raise ApiError(503, "unavailable", "Later.", headers={"Retry-After": "5"})

    @app.post("/raw")
    async def raw(request: Request) -> dict:
        data = await read_limited_body(request, 10, ApiError(413, "too_big", "Over 10 bytes."))
        return {"size": len(data)}

    return app


def _err(r) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return r.status_code, body["error"]["code"], body["error"]["message"]


@pytest.fixture
def client() -> Iterator[TestClient]:
    to_api = {ImageError: lambda e: ApiError(e.status, e.code, e.message)}
    app = _app(extra=to_api, coded_types={"consent_required"})
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_validation_lists_five_problems_then_counts_the_rest(client: TestClient) -> None:
    status, code, message = _err(client.post("/seven", json={}))
    assert (status, code) == (422, "invalid_request")
    assert message.startswith("a: Field required; b: Field required") and message.endswith("(and 2 more)")
    assert "f:" not in message


def test_malformed_json_is_400(client: TestClient) -> None:
    r = client.post("/seven", content=b"{not json", headers={"Content-Type": "application/json"})
    assert _err(r)[:2] == (400, "malformed_json")


def test_a_coded_validation_type_is_its_own_code(client: TestClient) -> None:
    r = client.post("/agreed", json={"ok": False})
    assert _err(r) == (422, "consent_required", "Consent is required.")


def test_framework_errors_have_the_shape(client: TestClient) -> None:
    assert _err(client.get("/nowhere"))[:2] == (404, "not_found")
    assert _err(client.delete("/boom"))[:2] == (405, "method_not_allowed")
    r = client.get("/api")
    assert _err(r) == (503, "unavailable", "Later.") and r.headers["retry-after"] == "5"


def test_extra_maps_a_service_exception(client: TestClient) -> None:
    assert _err(client.get("/image")) == (413, "image_too_large", "Too large.")


def test_unexpected_error_logs_the_traceback_and_tells_the_client_nothing(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="qaid.api"):
        r = client.get("/boom")
    assert _err(r) == (500, "internal_error", "An internal error occurred.")
    assert "hunter2" not in r.text and "RuntimeError" not in r.text
    logged = [rec for rec in caplog.records if rec.name == "qaid.api"]
    assert logged and logged[0].exc_info and "hunter2" in str(logged[0].exc_info[1])


def test_a_pydantic_error_inside_a_route_is_a_500_unless_opted_in(client: TestClient) -> None:
    assert _err(client.get("/model"))[:2] == (500, "internal_error")
    with TestClient(_app(model_validation=True), raise_server_exceptions=False) as opted:
        assert _err(opted.get("/model"))[:2] == (422, "invalid_request")


def test_read_limited_body(client: TestClient) -> None:
    assert client.post("/raw", content=b"x" * 10).json() == {"size": 10}
    assert _err(client.post("/raw", content=b"x" * 11))[:2] == (413, "too_big")

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused while streaming
        yield b"x" * 6
        yield b"x" * 6

    assert _err(client.post("/raw", content=chunks()))[:2] == (413, "too_big")
