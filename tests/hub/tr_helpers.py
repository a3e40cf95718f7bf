"""Helpers for the transcripts tests: settings with test secrets, real HTTP servers (uvicorn in a
thread on a free port), a scripted webhook receiver, worker driving and a transcript factory.

(A uniquely named module, not conftest.py, so test modules can import it unambiguously beside the
other packages' conftest files.)"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from utils.net import free_port

from hub.crypto import DataBox
from hub.outbox import RetryPolicy
from hub.worker import Worker
from qaid.config import DEMO_HOSPITALS, Settings
from qaid_contracts import binding

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ADMIN = {"Authorization": "Bearer admin-token-for-tests"}
SERVICE = {"Authorization": "Bearer service-token-for-tests"}
# Fast retries so "receiver down, then back" and dead-lettering finish in a test's time.
FAST_POLICY = RetryPolicy(max_attempts=4, base_s=0.05, cap_s=0.2, jitter=0.1, lease_s=30.0)


def make_settings(var_dir: Path, **overrides: Any) -> Settings:
    """Demo hospitals with their inboxes moved to free ports; test secrets, never the real ones."""
    hospitals = [h.model_copy(update={"inbox_port": free_port()}) for h in DEMO_HOSPITALS]
    values: dict[str, Any] = {
        "var_dir": var_dir,
        "hospitals": hospitals,
        "hub_admin_token": "admin-token-for-tests",
        "hub_service_token": "service-token-for-tests",
        "hip_token": "hip-token-for-tests",
        "webhook_secret_seed": "seed-for-tests",
        "data_key": "data-key-for-tests",
        "conversation_key": "conversation-key-for-tests",
    }
    values.update(overrides)
    return Settings(**values)


def make_worker(settings: Settings, engine: Engine, **kw: Any) -> Worker:
    kw.setdefault("timeout_s", 3.0)
    kw.setdefault("conversation_key", settings.conversation_key)
    return Worker(engine, DataBox(settings.data_key), kw.pop("policy", FAST_POLICY), **kw)


def drain(worker: Worker, done: Callable[[], bool], timeout: float = 20.0) -> None:
    """Run worker iterations until ``done()`` holds (fails the test after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("worker did not reach the expected state in time")
        if asyncio.run(worker.run_once()) == 0:
            time.sleep(0.05)


class ServerThread:
    """A real uvicorn server on 127.0.0.1:port in a background thread."""

    def __init__(self, app: FastAPI, port: int):
        self.port = port
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 60  # a bound for a hang; ends as soon as it is up
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Receiver:
    """A webhook endpoint that records every request and answers with scripted status codes."""

    def __init__(self, statuses: list[int] | None = None, default: int = 200):
        self.statuses = list(statuses or [])
        self.default = default
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        self.app = FastAPI()

        @self.app.post("/webhooks/transcripts")
        async def _hook(request: Request) -> JSONResponse:
            body = await request.body()
            with self.lock:
                self.requests.append((dict(request.headers), body))
                status = self.statuses.pop(0) if self.statuses else self.default
            return JSONResponse({"ok": status < 300}, status_code=status)

    def ids(self) -> list[str]:
        with self.lock:
            return [h["webhook-id"] for h, _ in self.requests]


def with_bound_image(
    client: Any, settings: Settings, body: dict[str, Any], data: bytes, sender: str = "patient-session"
) -> dict[str, Any]:
    """Upload ``data`` to the hub as the conversation of ``sender`` (as the web page does) and make
    ``body`` that conversation's transcript naming the image with its reference. The stored image."""
    stored = client.post("/api/v1/images", content=data, headers={binding.SENDER_HEADER: sender}).json()
    body["conversation_id"] = binding.conversation_id(settings.conversation_key, sender)
    body["images"] = [{"image_id": stored["image_id"], "sha256": stored["sha256"], "ref": stored["ref"]}]
    body["findings"][0]["image_id"] = stored["image_id"]
    body["messages"][0]["image_id"] = stored["image_id"]
    return dict(stored)


def transcript(
    hospitals: list[str], conversation_id: str | None = None, urgency: str = "routine", given: bool = True
) -> dict[str, Any]:
    """A complete, valid transcript (as JSON) consenting to ``hospitals``."""
    now = datetime.now(UTC).isoformat()
    return {
        "schema_version": 1,
        "conversation_id": conversation_id or f"conv-{uuid.uuid4().hex[:12]}",
        "created_at": now,
        "ended_reason": "patient_finished",
        "urgency": urgency,
        "consent": {
            "given": given,
            "at": now,
            "hospitals": hospitals,
            "statement": "I agree to share this conversation with the hospitals I chose.",
        },
        "contact": {"name": "Ana Pop", "phone": "+40 700 000 000", "email": "ana@example.org"},
        "messages": [
            {"at": now, "sender": "patient", "text": "I have headaches, here is my MRI", "image_id": "img_1"},
            {"at": now, "sender": "bot", "text": "Two hospitals looked at it."},
        ],
        "images": [{"image_id": "img_1", "sha256": "a" * 64}],
        "findings": [
            {
                "hospital_id": "cismigiu",
                "hospital_name": "Cismigiu Demo Hospital",
                "image_id": "img_1",
                "kind": "vqa",
                "question": "Is there a tumor?",
                "answer": "yes",
                "confidence": 0.91,
                "model_version": "vqa-1.0",
                "detail": {"topic": "brain_mri"},
            }
        ],
        "consensus": [
            {"kind": "vqa", "question": "Is there a tumor?", "answer": "yes", "agree": 2, "total": 2}
        ],
        "symptoms": ["headache"],
        "definitions": ["MRI: magnetic resonance imaging"],
        "location": {"lat": 44.4268, "lon": 26.1025, "name": "Bucharest"},
    }
