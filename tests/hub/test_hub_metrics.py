"""The hub's Prometheus metrics: the outbox by status and the age of the oldest waiting delivery (read
from the database, so every replica agrees), HTTP traffic by route template, refused uploads - and
never an id or a capability token."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from PIL import Image as PILImage
from sqlalchemy import Engine
from tr_helpers import SERVICE, transcript

from hub.app import create_app
from qaid.config import Settings
from qaid_contracts.ratelimit import RateLimiter


def _value(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.M)
    assert match, f"{name} not in metrics"
    return float(match.group(1))


def test_outbox_and_traffic_metrics(settings: Settings, engine: Engine) -> None:
    app = create_app(settings, engine=engine, run_worker=False, upload_limiter=RateLimiter(1, per_minute=1))
    with TestClient(app) as hub:
        empty = hub.get("/metrics")
        assert empty.status_code == 200 and empty.headers["content-type"].startswith("text/plain")
        assert _value(empty.text, 'qaid_hub_deliveries{status="pending"}') == 0
        assert _value(empty.text, "qaid_hub_oldest_waiting_delivery_seconds") == 0

        posted = hub.post("/api/v1/transcripts", json=transcript(["titan", "cismigiu"]), headers=SERVICE)
        assert posted.status_code == 201
        buf = io.BytesIO()
        PILImage.new("L", (4, 4), 7).save(buf, format="PNG")
        image = hub.post("/api/v1/images", content=buf.getvalue()).json()
        assert hub.get(image["url"]).status_code == 200
        assert hub.post("/api/v1/images", content=buf.getvalue()).status_code == 429

        text = hub.get("/metrics").text
        assert _value(text, 'qaid_hub_deliveries{status="pending"}') == 2
        assert _value(text, 'qaid_hub_deliveries{status="dead"}') == 0
        assert _value(text, "qaid_hub_oldest_waiting_delivery_seconds") >= 0
        assert _value(text, "qaid_hub_uploads_rate_limited_total") == 1
        route = 'method="POST",route="/api/v1/transcripts",status="201"'
        assert _value(text, f"qaid_hub_requests_total{{{route}}}") == 1
        assert 'route="/api/v1/images/{image_id}"' in text
        assert image["image_id"] not in text and image["token"] not in text
