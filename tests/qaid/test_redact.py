"""Secrets and patient data never reach a log line: the redaction rules, the filter on real handlers
(the hub's uvicorn access log, the HIP's JSON log) and what must stay readable."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import uvicorn

from qaid import redact
from qaid.redact import MASK, RedactingFilter


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('"GET /api/v1/images/img_1?token=Zm9vYmFyYmF6 HTTP/1.1" 200', "Zm9vYmFyYmF6"),
        # issue 16: image ids are out of the logs too (they were in the world-readable hub log)
        (
            '"GET /api/v1/images/img_0123456789abcdef0123456789abcdef?token=x HTTP/1.1" 200',
            "0123456789abcdef",
        ),
        ("GET /api/v1/hospitals/nearby?lat=44.4268&lon=26.1025&k=5", "44.4268"),
        ("GET /api/v1/hospitals/nearby?lat=44.4268&lon=26.1025&k=5", "26.1025"),
        ('{"contact": {"name": "Ana Pop", "phone": "+40 721 234 567"}}', "Ana Pop"),
        ('{"contact": {"name": "Ana Pop", "phone": "+40 721 234 567"}}', "721 234"),
        ('{"email": "ana.pop@example.ro"}', "ana.pop"),
        ("{'text': 'I have chest pain since \\'yesterday\\''}", "chest pain"),
        ('{"location": {"lat": 46.77, "lon": 23.62}}', "46.77"),
        ('{"hip_token": "tok-123456"}', "tok-123456"),
        ("upstream said 401 for Authorization: Bearer s3cr3t-t0ken", "s3cr3t-t0ken"),
        ("secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        ("token qhosp_Xo3-kT9_pL2mQ7vR8sW1uY4zA6bC0dE5fG", "Xo3-kT9_pL2mQ7vR8sW1uY4zA6bC0dE5fG"),
        ("webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=", "K5oZfzN95Z9UVu1E"),
        ("POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getFile", "AAHdq"),
        ("slack token xoxb-1234-5678-abcdefgh leaked", "xoxb-1234"),
        ("reach me at ana@example.com", "ana@example.com"),
        ("call 0721 234 567 please", "0721 234 567"),
        ("call +40721234567 please", "+40721234567"),
    ],
)
def test_secrets_and_pii_are_masked(line: str, secret: str) -> None:
    out = redact.redact(line)
    assert secret not in out
    assert "[redacted]" in out or "[email]" in out or "[phone]" in out


@pytest.mark.parametrize(
    "line",
    [
        "2026-11-23 13:18:34,123 hub.worker INFO worker h-12345-ab12cd delivering",
        "released 3 deliveries; took 0.25 s on port 8000; conversation 4567890123",
        '127.0.0.1:53422 - "POST /api/v1/transcripts HTTP/1.1" 201',
        "GET /api/v1/hospitals/nearby?radius_km=25&k=5",
        "retention purge: PurgeResult(transcripts=2, images=1)",
    ],
)
def test_operational_facts_stay_readable(line: str) -> None:
    assert redact.redact(line) == line


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("qaid.test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_the_filter_redacts_arguments_tracebacks_and_keeps_format_types(captured) -> None:
    logger, stream = captured
    logger.warning("hub refused %s (%d attempts)", {"text": "my head hurts"}, 3)
    try:
        raise ValueError("could not post to https://hub/api/v1/images/i?token=abcdef123 for ana@example.ro")
    except ValueError:
        logger.exception("delivery failed")
    out = stream.getvalue()
    assert "my head hurts" not in out and "(3 attempts)" in out
    assert "abcdef123" not in out and "ana@example.ro" not in out
    assert "ValueError" in out and "Traceback" in out  # the traceback itself is kept


def test_install_covers_the_hub_access_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """What `redact.serve` does for the hub and the inboxes: uvicorn's own handlers get the filter."""
    config = uvicorn.Config(lambda scope, receive, send: None, log_level="info")  # configures logging
    assert config.log_level == "info"
    redact.install()
    access = logging.getLogger("uvicorn.access")
    stream = io.StringIO()
    for handler in access.handlers:
        assert any(isinstance(f, RedactingFilter) for f in handler.filters)
        monkeypatch.setattr(handler, "stream", stream)
    redact.install()  # idempotent: one filter per handler
    assert all(sum(isinstance(f, RedactingFilter) for f in h.filters) == 1 for h in access.handlers)
    # The record exactly as uvicorn's access logger emits it.
    path = "/api/v1/images/img_0123?token=Q2FwYWJpbGl0eS10b2tlbg"
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200)
    line = stream.getvalue()
    assert "Q2FwYWJpbGl0eS10b2tlbg" not in line
    assert f"/api/v1/images/img_0123?token={MASK}" in line and "200" in line


def test_the_hip_json_log_redacts_extra_fields() -> None:
    from hip_service.logs import configure

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure("INFO")
        stream = io.StringIO()
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
        logging.getLogger("hip_service").info("request", extra={"route": "/x?token=abcdef123", "status": 200})
        record = json.loads(stream.getvalue())
        assert record["route"] == f"/x?token={MASK}" and record["status"] == 200
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False
