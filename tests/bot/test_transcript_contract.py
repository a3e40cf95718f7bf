"""The transcript the bot builds passes the hub's own schema (qaid/transcript/schema.py, pydantic 2).

The fake hub already checks it against the generated JSON Schema; the pydantic model also checks
what JSON Schema cannot say (consent given, agree <= total, unique hospitals), and it lives in the
platform venv (Python 3.11), so that check runs there in a subprocess. `make test` installs both
venvs, so a missing one fails here rather than skipping the check.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conversation_image import image_metadata
from tracker_helpers import bot_event, make_tracker, slot_events, user_event

from qaid_bot.actions.appointment import ActionAskConsent, ValidateAppointmentForm
from qaid_bot.actions.emergency import ActionEmergency
from qaid_bot.actions.follow_up import ActionSegment
from qaid_bot.actions.image_flow import ActionAnalyzeImage
from qaid_bot.actions.questions import ActionAnswerQuestion
from qaid_bot.actions.transcript import ActionEndConversation

REPO = Path(__file__).resolve().parents[2]
PLATFORM_PY = REPO / ".venv" / "bin" / "python"

pytestmark = pytest.mark.asyncio


def validate_with_hub_schema(transcript: dict) -> None:
    code = (
        "import sys; from qaid.transcript.schema import Transcript; "
        "Transcript.model_validate_json(sys.stdin.read()); print('ok')"
    )
    out = subprocess.run(
        [str(PLATFORM_PY), "-c", code],
        input=json.dumps(transcript),
        text=True,
        capture_output=True,
        cwd=REPO,
        timeout=60,
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]


async def test_full_conversation_transcript_is_accepted(network, dispatcher):
    slots: dict = {}
    meta = image_metadata(network.hub.url)
    for action, text in [
        (ActionAnalyzeImage(), "/share_image"),
        (ActionAnswerQuestion(), "is there a lesion?"),
        (ActionSegment(), "outline the lesion"),
        (ActionEmergency(), "I have chest pain"),
    ]:
        events = await action.run(dispatcher, make_tracker(text, metadata=meta, slots=slots), {})
        slots.update(slot_events(events))
    slots.update(slot_events(await ActionAskConsent().run(dispatcher, make_tracker(slots=slots), {})))
    form = ValidateAppointmentForm()
    slots.update(form.validate_contact_name("ana popescu", dispatcher, make_tracker(), {}))
    slots.update(form.validate_contact("+40 (721) 234-567", dispatcher, make_tracker(), {}))
    slots.update(form.validate_consent(True, dispatcher, make_tracker(slots=slots), {}))
    history = [
        {"event": "session_started", "timestamp": 1.7e9},
        user_event("hi"),
        bot_event("Hello"),
        user_event("/share_image", metadata=meta),
        bot_event(None, image="http://x/o.png"),
        user_event("bye", intent="goodbye"),
    ]
    tracker = make_tracker("bye", "goodbye", slots=slots, events=history, sender_id="e2e-3f2a9c")
    await ActionEndConversation().run(dispatcher, tracker, {})
    [transcript] = network.hub.transcripts
    assert {f["kind"] for f in transcript["findings"]} == {"analyze", "vqa", "segment"}
    assert transcript["urgency"] == "urgent"
    validate_with_hub_schema(transcript)
