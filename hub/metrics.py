"""Prometheus metrics of the hub: HTTP traffic, refused uploads and the delivery outbox.

The outbox figures are read from the database at scrape time (one grouped COUNT and one MIN), so
every hub replica reports the same shared truth and nothing has to be kept in step in memory; they
are what to alert on: deliveries piling up (``pending``/``failed`` growing, the oldest one getting
old) or dead letters appearing. Routes are labelled by template, never the raw path (no ids, no
capability tokens, bounded cardinality). One registry per app so tests can build many apps.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from hub.models import DELIVERY_STATES, FAILED, PENDING, Delivery
from qaid.db import utcnow

WAITING = (PENDING, FAILED)


class OutboxCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.sessions() as db:
            counts = dict(db.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
            oldest = db.scalar(select(func.min(Delivery.created_at)).where(Delivery.status.in_(WAITING)))
        by_status = GaugeMetricFamily("qaid_hub_deliveries", "Outbox deliveries by status", labels=["status"])
        for status in DELIVERY_STATES:
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status
        age = 0.0
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=utcnow().tzinfo)
            age = max(0.0, (utcnow() - oldest).total_seconds())
        yield GaugeMetricFamily(
            "qaid_hub_oldest_waiting_delivery_seconds",
            "Age of the oldest pending or failed delivery (0 when none waits)",
            value=age,
        )


class HubMetrics:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "qaid_hub_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "qaid_hub_request_seconds", "HTTP request latency", ["method", "route"], registry=self.registry
        )
        self.uploads_limited = Counter(
            "qaid_hub_uploads_rate_limited_total", "Anonymous uploads refused (429)", registry=self.registry
        )
        self.registry.register(OutboxCollector(sessions))

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start, status = time.perf_counter(), 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            template = getattr(request.scope.get("route"), "path", None) or "unmatched"
            self.requests.labels(request.method, template, str(status)).inc()
            self.latency.labels(request.method, template).observe(time.perf_counter() - start)
