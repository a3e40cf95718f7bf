"""Prometheus metrics, one registry per app (so tests can build many apps in one process).

Routes are labelled by their template (``/v1/images/{image_id}/vqa``), never the raw path, so image
ids cannot explode the label cardinality.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.requests import Request
from starlette.responses import Response


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hip_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "hip_request_seconds", "HTTP request latency", ["method", "route"], registry=self.registry
        )
        self.inference = Histogram(
            "hip_inference_seconds",
            "ONNX Runtime latency per model (models sharing one file are one pass)",
            ["model", "version"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        self.reloads = Counter(
            "hip_bundle_reloads_total", "bundle reloads", ["outcome"], registry=self.registry
        )
        self.bundle_info = Gauge(
            "hip_bundle_loaded_timestamp",
            "when the serving bundle was loaded",
            ["version"],
            registry=self.registry,
        )

    def observe_inference(self, model: str, version: str, seconds: float) -> None:
        self.inference.labels(model, version).observe(seconds)

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.requests.labels(request.method, template, str(status)).inc()
            self.latency.labels(request.method, template).observe(time.perf_counter() - start)
