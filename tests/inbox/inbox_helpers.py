"""Helpers for the inbox tests: an inbox app on a temporary SQLite file, a realistic transcript
(two images; analysis, outline and visual answers from two hospitals), signed deliveries over HTTP
and a doctor's sign-in through the real form.

(A uniquely named module, not conftest.py, so the browser test's server script can import it too.)
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from qaid import webhooks
from qaid.config import DEMO_HOSPITALS, Settings, webhook_secret
from qaid.transcript.schema import Transcript

PASSWORD = "correct horse battery staple"


def make_settings(var_dir: Path) -> Settings:
    return Settings(var_dir=var_dir, hospitals=list(DEMO_HOSPITALS), webhook_secret_seed="seed-for-tests")


def _finding(
    hospital: str, image: str, kind: str, answer: str, confidence: float, **kw: Any
) -> dict[str, Any]:
    names = {"cismigiu": "Cismigiu Demo Hospital", "titan": "Titan Demo Hospital"}
    return {"hospital_id": hospital, "hospital_name": names[hospital], "image_id": image, "kind": kind,
            "answer": answer, "confidence": confidence, "model_version": f"{kind}-1.0", **kw}  # fmt: skip


def transcript(
    conversation_id: str | None = None, urgency: str = "routine", ask: str = "Is this a tumour?"
) -> dict[str, Any]:
    """A valid transcript consenting to titan, checked against the schema (the contract)."""
    now = datetime.now(UTC).isoformat()
    label = {"name": "brain", "topic": "brain_mri", "confidence": 0.87}
    findings = [
        _finding(h, "img_1", "analyze", "a brain MRI; possible abnormality", 0.87, detail={"label": label})
        for h in ("cismigiu", "titan")
    ]
    findings += [
        _finding("titan", "img_1", "segment", "lesion outlined, on the left, about 2% of the brain", 0.01),
        _finding(
            "cismigiu",
            "img_1",
            "vqa",
            "yes",
            0.91,
            question="Is there a tumor?",
            detail={"topic": "brain_mri"},
        ),  # fmt: skip
        _finding(
            "titan", "img_1", "vqa", "no", 0.62, question="Is there a tumor?", detail={"topic": "brain_mri"}
        ),
        _finding(
            "titan",
            "img_2",
            "analyze",
            "a chest X-ray; nothing abnormal",
            0.93,
            detail={"label": {"name": "chest", "topic": "chest_xray", "confidence": 0.93}},
        ),  # fmt: skip
    ]
    data = {
        "schema_version": 1,
        "conversation_id": conversation_id or f"conv-{uuid.uuid4().hex[:12]}",
        "created_at": now,
        "ended_reason": "patient_finished",
        "urgency": urgency,
        "consent": {
            "given": True,
            "at": now,
            "hospitals": ["titan"],
            "statement": "I agree to share this conversation with the hospitals I chose.",
        },  # fmt: skip
        "contact": {"name": "Ana Pop", "phone": "+40 700 000 000"},
        "messages": [
            {"at": now, "sender": "patient", "text": "hi"},
            {"at": now, "sender": "patient", "text": "[image]", "image_id": "img_1"},
            {"at": now, "sender": "patient", "text": ask},
            {"at": now, "sender": "bot", "text": "Two hospitals looked at it."},
        ],
        "images": [{"image_id": "img_1", "sha256": "a" * 64}, {"image_id": "img_2", "sha256": "b" * 64}],
        "findings": findings,
        "consensus": [
            {"kind": "vqa", "question": "Is there a tumor?", "answer": "yes", "agree": 1, "total": 2}
        ],
        "symptoms": ["headache"],
    }
    Transcript.model_validate(data)
    return data


def deliver(client: TestClient, settings: Settings, data: dict[str, Any], msg_id: str) -> None:
    """A signed transcript.created delivery, as the hub sends it."""
    event = {"type": "transcript.created", "timestamp": datetime.now(UTC).isoformat(), "data": data}
    body = json.dumps(event).encode()
    headers = webhooks.headers(msg_id, [webhook_secret(settings.webhook_secret_seed, "titan")], body)
    r = client.post("/webhooks/transcripts", content=body, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "received", r.text


def csrf_of(html: str) -> str:
    found = re.search(r"name='csrf' value='([^']+)'", html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, username: str = "ana", password: str = PASSWORD) -> Any:
    form = client.get("/signin")
    return client.post(
        "/signin",
        data={"csrf": csrf_of(form.text), "username": username, "password": password, "next": "/"},
        follow_redirects=False,
    )
