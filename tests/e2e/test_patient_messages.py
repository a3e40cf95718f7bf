"""Messages as patients write them (issue 15), through every real process: Rasa's NLU and policies
with the trained model, the action server, the hub and the HIPs' real models.

One conversation over Rasa's REST channel: "near me" gets the location button (the REST body carries
``request_location`` for the web page); a brain MRI; a long, worried question with context whose
answer comes from the hospitals' models (the HIPs would refuse the patient's 600 characters with 422:
only the canonical question is sent); an unsupported question answered honestly with no "yes"; a
chest X-ray and "is there a nodule?" answered by the models; an emergency typed inside the appointment
form gets the emergency number first and the form goes on.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from demo.faults import Patient
from qaid.config import Settings
from qaid_contracts.limits import MAX_QUESTION_CHARS

LONG_QUESTION = (
    "Good evening. Sorry for the long message, I don't really know how this works. I had this MRI two "
    "weeks ago because my left hand keeps going numb and I sometimes feel dizzy when I stand up, and "
    "the clinic said the neurologist would call but nobody has, and the report is full of words I do "
    "not understand. My aunt has MS and I keep reading things online at night that make it worse, and "
    "my partner says to stop reading and wait, but I can't sleep. The clinic is closed until Monday "
    "and I just want some idea before then, even if it's only a rough one. Is there a lesion on it?"
)


def _raw(patient: Patient, text: str) -> list[dict[str, Any]]:
    body = {"sender": patient.sender, "message": text}
    url = f"{patient.settings.rasa_url}/webhooks/rest/webhook"
    r = httpx.post(url, json=body, headers=patient.rest_auth, timeout=60)
    r.raise_for_status()
    return list(r.json())


def test_realistic_patient_messages_end_to_end(network: Settings) -> None:
    patient = Patient(network, prefix="e2e-messages")
    try:
        near_me = _raw(patient, "which hospitals are near me?")
        assert any(m.get("custom") == {"request_location": True} for m in near_me), near_me
        assert "share your location" in " ".join(m.get("text", "") for m in near_me)

        analysis = patient.share_image("brain_lesion.png")
        assert "brain" in analysis.lower(), analysis

        assert len(LONG_QUESTION) > MAX_QUESTION_CHARS
        answer = patient.say(LONG_QUESTION)
        assert "sorry this is worrying you" in answer.lower(), answer
        # the two brain-MRI hospitals' models answer (or disagree, which is said as such)
        assert re.search(r"Is there a lesion\? (Answer: (yes|no)\.|The hospitals disagree\.)", answer), answer
        assert re.search(r"\b\d of 2 hospitals answered\b|\(of 2\)", answer), answer
        assert "unreachable" not in answer and "refused" not in answer, answer

        unsupported = patient.say("is there a fracture?")
        assert "can't tell whether a bone is broken" in unsupported, unsupported
        assert "Answer:" not in unsupported and not re.search(r"\byes\b", unsupported.lower())
        assert "I can check whether there is a lesion" in unsupported, unsupported

        # the chest model's own question, which the NLU once read as a definition of "nodule": the
        # hospitals' models answer it, not the glossary (whose definitions name their source)
        assert "chest" in patient.share_image("chest_xray.png").lower()
        nodule = patient.say("is there a nodule?")
        assert "hospital" in nodule.lower() and "(Source:" not in nodule, nodule

        ask_name = patient.say("I'd like a doctor to call me about this")
        assert "name" in ask_name.lower(), ask_name
        emergency = patient.say("my chest hurts badly and my left arm is numb")
        lines = emergency.splitlines()
        assert lines[0].startswith("Call "), emergency
        assert "name" in emergency.lower(), emergency  # the form asks again once the patient is safe
    finally:
        patient.close()
