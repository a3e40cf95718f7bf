"""Anonymous image uploads are rate limited per client address (429 in the one error shape, with
Retry-After); the bot and the channels, with the service token, are not; behind a trusted proxy the
limit follows the real client (X-Forwarded-For through uvicorn's proxy headers)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image as PILImage
from sqlalchemy import Engine
from tr_helpers import SERVICE, ServerThread
from utils.net import free_port

from hub.app import create_app
from hub.db import migrate
from qaid.config import Settings
from qaid.db import make_engine
from qaid_contracts.ratelimit import RateLimiter, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _png(shade: int = 0) -> bytes:
    buf = io.BytesIO()
    PILImage.new("L", (4, 4), shade).save(buf, format="PNG")
    return buf.getvalue()


def test_a_bucket_bursts_then_refills_at_its_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(3, per_minute=60, clock=clock)  # one token per second
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0.0  # senders are independent
    clock.now += 0.5
    assert limiter.take("a") == pytest.approx(0.5)  # a refused request does not cost a token
    clock.now += 0.5
    assert limiter.take("a") == 0.0
    clock.now += 3600
    assert [limiter.take("a") for _ in range(4)][-1] > 0  # refills up to the burst, no further
    assert retry_after(0.2) == "1" and retry_after(2.1) == "3"


def test_a_zero_rate_is_no_limit_and_memory_is_bounded() -> None:
    assert all(RateLimiter(1, per_minute=0).take("a") == 0.0 for _ in range(100))
    limiter = RateLimiter(1, per_minute=1, max_keys=100)
    for i in range(1000):
        limiter.take(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._buckets) == 100
    with pytest.raises(ValueError):
        RateLimiter(0, 1)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    migrate(engine)
    yield engine
    engine.dispose()


def test_the_hub_answers_429_per_address_and_spares_the_service(
    settings: Settings, sqlite_engine: Engine
) -> None:
    clock = Clock()
    limiter = RateLimiter(2, per_minute=6, clock=clock)  # one upload per 10 s after the burst
    app = create_app(settings, engine=sqlite_engine, run_worker=False, upload_limiter=limiter)
    with TestClient(app) as hub:
        assert [hub.post("/api/v1/images", content=_png(i)).status_code for i in range(2)] == [201, 201]
        refused = hub.post("/api/v1/images", content=_png(9))
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_requests"
        assert refused.headers["retry-after"] == "10"
        # the bot / channels: many patients behind one address, limited per sender on their side
        for i in range(5):
            assert hub.post("/api/v1/images", content=_png(20 + i), headers=SERVICE).status_code == 201
        # a wrong token is just an anonymous caller
        bad = {"Authorization": "Bearer not-the-service-token"}
        assert hub.post("/api/v1/images", content=_png(30), headers=bad).status_code == 429
        # other routes are not limited
        assert hub.get("/api/v1/hospitals").status_code == 200
        clock.now += 10
        assert hub.post("/api/v1/images", content=_png(31)).status_code == 201
        spec = hub.get("/openapi.json").json()
        assert "429" in spec["paths"]["/api/v1/images"]["post"]["responses"]


def _serve(settings: Settings, engine: Engine, limiter: RateLimiter) -> ServerThread:
    """The hub on a free port with uvicorn's proxy settings exactly as ``python -m hub`` sets them."""
    server = ServerThread(
        create_app(settings, engine=engine, run_worker=False, upload_limiter=limiter), free_port()
    )
    for name, value in settings.proxy_options().items():
        setattr(server.server.config, name, value)
    return server


def test_behind_a_trusted_proxy_the_limit_follows_the_forwarded_client(
    settings: Settings, sqlite_engine: Engine
) -> None:
    """With the local TLS proxy configured as trusted (QAID_TRUSTED_PROXIES), uvicorn takes the
    client from X-Forwarded-For, so one patient cannot starve another behind the same proxy."""
    trusting = settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    with _serve(trusting, sqlite_engine, RateLimiter(1, per_minute=1)) as server:
        with httpx.Client(base_url=server.url, timeout=10) as client:

            def upload(ip: str, shade: int) -> int:
                headers = {"X-Forwarded-For": ip, "X-Forwarded-Proto": "https"}
                return client.post("/api/v1/images", content=_png(shade), headers=headers).status_code

            assert upload("203.0.113.5", 1) == 201
            assert upload("203.0.113.5", 2) == 429
            assert upload("203.0.113.6", 3) == 201  # another patient behind the same proxy
            # links name the configured public origin, whatever the forwarded headers say
            url = client.post("/api/v1/images", content=_png(4), headers=SERVICE).json()["url"]
            assert url.startswith(settings.hub_public_url + "/")


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(
    settings: Settings, sqlite_engine: Engine
) -> None:
    """Issue 16: uvicorn's default trusted X-Forwarded-For from any local client, so rotating the
    header escaped the per-address limit. By default no proxy is trusted now."""
    assert settings.proxy_options() == {"proxy_headers": False, "forwarded_allow_ips": ""}
    with _serve(settings, sqlite_engine, RateLimiter(1, per_minute=1)) as server:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            statuses = [
                client.post(
                    "/api/v1/images", content=_png(i), headers={"X-Forwarded-For": f"198.51.100.{i}"}
                ).status_code
                for i in range(3)
            ]
    assert statuses == [201, 429, 429]


def test_public_urls_for_a_deployment_behind_tls(tmp_path: Path, sqlite_engine: Engine) -> None:
    from tr_helpers import make_settings

    settings = make_settings(
        tmp_path, public_hub_url="https://hub.example.org/", public_rasa_url="https://chat.example.org"
    )
    assert settings.hub_public_url == "https://hub.example.org"
    with TestClient(create_app(settings, engine=sqlite_engine, run_worker=False)) as hub:
        assert hub.get("/api/v1/webchat-config").json()["rasa_url"] == "https://chat.example.org"
