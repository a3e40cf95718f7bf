"""The walking skeleton: one patient conversation across every real process of the network.

Over Rasa's REST channel: greet; share a brain MRI by reference → medical, body part, how many
hospitals can analyse it; ask a yes/no question → the answer and how many hospitals agreed; consent
and say goodbye → every consented hospital's inbox holds the transcript with a signature that the
``standardwebhooks`` library verifies with that hospital's secret.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from demo.faults import Patient, inbox_auth
from qaid.config import Settings, webhook_secret
from qaid.transcript.reading import image_refs
from qaid_contracts import binding


def test_patient_conversation_reaches_every_consented_hospital(network: Settings) -> None:
    settings = network
    patient = Patient(settings, prefix="e2e-patient")
    sender = patient.sender
    # Anonymously, as the web page uploads (the drills use the service token), naming the session.
    sample = settings.bundles_dir / "samples" / "brain_lesion.png"
    bind = {binding.SENDER_HEADER: sender}
    ref = httpx.post(
        f"{settings.hub_url}/api/v1/images", content=sample.read_bytes(), headers=bind, timeout=10
    )
    assert ref.status_code in (200, 201), ref.text  # 200: the same bytes were stored before

    assert patient.say("hi").strip()

    analysis = patient.say("/share_image", {"image": ref.json()})
    assert "medical" in analysis.lower(), analysis
    assert "brain" in analysis.lower(), analysis
    # Two of the three demo hospitals (Herastrau, Cismigiu) offer brain-MRI models.
    assert re.search(r"\b2 of 3\b", analysis), analysis
    assert "not a diagnosis" in analysis.lower(), analysis

    answer = patient.say("is there a lesion?")
    assert re.search(r"\b(yes|no)\b", answer.lower()), answer
    assert re.search(r"\b\d of 2\b", answer), answer
    assert "not a diagnosis" in answer.lower(), answer

    # The appointment form: name, contact, then explicit consent naming the hospitals; yes; bye.
    prompt = patient.consent_and_leave()
    patient.close()
    assert "Herastrau" in prompt and "Cismigiu" in prompt, prompt

    for hospital_id in ("herastrau", "cismigiu"):
        entry = _wait_for_transcript(settings, hospital_id, patient.conversation_id)
        transcript = entry["transcript"]
        # Hospitals never see the sender id (the chat credential); the image is linked, then the
        # overlays its segmentation findings say the patient was shown (qaid.transcript.reading).
        assert sender not in json.dumps(entry)
        expected = [ref.json()["image_id"]] + [i["image_id"] for i in image_refs(transcript)[1:]]
        assert list(entry["links"]["images"]) == list(dict.fromkeys(expected))
        assert transcript["contact"]["email"] == "ana.popescu@example.org"
        assert hospital_id in transcript["consent"]["hospitals"]
        # The findings came from the real HIPs, at least from both brain-capable hospitals.
        analysed = {f["hospital_id"] for f in transcript["findings"] if f["kind"] == "analyze"}
        assert analysed >= {"herastrau", "cismigiu"}, transcript["findings"]
        # Verify the signature as a hospital would, with its own secret.
        signed = entry["signed_original"]
        secret = webhook_secret(settings.webhook_secret_seed, hospital_id)
        event = Webhook(secret).verify(base64.b64decode(signed["body_b64"]), signed["headers"])
        assert event["data"]["conversation_id"] == transcript["conversation_id"]


def _wait_for_transcript(settings: Settings, hospital_id: str, conversation_id: str) -> dict[str, Any]:
    url = f"{settings.inbox_url(settings.hospital(hospital_id))}/api/transcripts"
    deadline = time.monotonic() + 30
    entries: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        # Other tests (the fault drills) deliver their own conversations to the same inboxes.
        found = httpx.get(url, headers=inbox_auth(settings), timeout=5).json()
        entries = [e for e in found if e["conversation_id"] == conversation_id]
        if entries:
            assert len(entries) == 1, json.dumps(entries)[:2000]
            return httpx.get(
                f"{url}/{entries[0]['webhook_id']}", headers=inbox_auth(settings), timeout=5
            ).json()
        time.sleep(0.5)
    pytest.fail(f"no transcript reached {hospital_id}'s inbox within 30 s")
