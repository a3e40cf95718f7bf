"""Emergencies in every dialogue state, with the real trained model (bot/models/qaid.tar.gz): each
held-out emergency and look-alike (bot/tests/heldout/emergencies.yml) is parsed by the model's NLU
pipeline and put into a conversation at the start, inside the appointment form (each slot it asks
for) and after an analysed image; the model's dialogue policies then choose the next action, after
Rasa's slot extraction has run as it does in a live conversation.

Gate (issue 15): recall >= 0.98 and false alarms <= 0.05 in every state. Run by ``make test-rasa``
(bot venv): ``.venv-bot/bin/python -m pytest tests/rasa -q -s`` prints the table.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "bot" / "models" / "qaid.tar.gz"
HELDOUT = ROOT / "bot" / "tests" / "heldout" / "emergencies.yml"
MIN_RECALL, MAX_FALSE_ALARMS = 0.98, 0.05
LISTEN = "action_listen"
IMAGE = {"image_id": "img-1", "token": "t", "url": "/api/v1/images/img-1", "topic": "brain_mri", "at": ""}


def _user(text: str, intent: str, metadata: dict[str, Any] | None = None) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 1.0}, [], None, None, metadata or {})


def _form(slot: str, filled: dict[str, Any]) -> list[Event]:
    return [
        ActionExecuted(LISTEN),
        _user("book an appointment", "request_appointment"),
        ActionExecuted("appointment_form"),
        ActiveLoop("appointment_form"),
        *[SlotSet(k, v) for k, v in filled.items()],
        SlotSet("requested_slot", slot),
        ActionExecuted(LISTEN),
    ]


STATES: dict[str, list[Event]] = {
    "start": [ActionExecuted(LISTEN)],
    "form: asking the name": _form("contact_name", {}),
    "form: asking the contact": _form("contact", {"contact_name": "Ana Pop"}),
    "form: asking consent": _form("consent", {"contact_name": "Ana Pop", "contact": "ana@example.com"}),
    "after an image": [
        ActionExecuted(LISTEN),
        _user("/share_image", "share_image", {"image": {"image_id": "img-1"}}),
        ActionExecuted("action_analyze_image"),
        SlotSet("image", IMAGE),
        ActionExecuted(LISTEN),
    ],
}


async def _next_action(agent: Agent, history: list[Event], parse: dict[str, Any]) -> str:
    """The action Rasa runs for this message. As in a live conversation, an active form is predicted
    first and rejects a message that fills none of its requested slot (Rasa's unhappy path); the
    policies then predict again without it."""
    processor = agent.processor
    assert processor is not None
    tracker = DialogueStateTracker.from_events("heldout", [*history], slots=processor.domain.slots)
    tracker.update(UserUttered(parse["text"], parse["intent"], parse["entities"], parse))
    before = len(tracker.events)
    await processor.run_action_extract_slots(CollectingOutputChannel(), tracker)
    action = _predict(processor, tracker)
    loop = tracker.active_loop_name
    if loop and action == loop:
        requested = tracker.get_slot("requested_slot")
        extracted = list(tracker.events)[before:]
        if not any(isinstance(e, SlotSet) and e.key == requested for e in extracted):
            tracker.update(ActionExecutionRejected(loop))
            action = _predict(processor, tracker)
    return action


def _predict(processor: Any, tracker: DialogueStateTracker) -> str:
    prediction = processor._predict_next_with_tracker(tracker)
    return str(processor.domain.action_names_or_texts[prediction.max_confidence_index])


async def _evaluate() -> dict[str, dict[str, list[tuple[str, bool]]]]:
    assert MODEL.exists(), f"{MODEL} is missing: run `make rasa-model` first"
    agent = Agent.load(str(MODEL))
    sets = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    kinds = {
        "emergencies": [t for texts in sets["emergencies"].values() for t in texts],
        "lookalikes": [t for texts in sets["lookalikes"].values() for t in texts],
    }
    out: dict[str, dict[str, list[tuple[str, bool]]]] = {
        s: {"emergencies": [], "lookalikes": []} for s in STATES
    }
    for kind, texts in kinds.items():
        for text in texts:
            parse = await agent.parse_message(text)
            for state, history in STATES.items():
                fired = await _next_action(agent, history, parse) == "action_emergency"
                out[state][kind].append((text, fired))
    return out


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, list[tuple[str, bool]]]]:
    found = asyncio.run(_evaluate())
    print("\nstate                      recall (n)        false alarms (n)")
    for state, r in found.items():
        hits = sum(f for _, f in r["emergencies"])
        alarms = sum(f for _, f in r["lookalikes"])
        n_e, n_l = len(r["emergencies"]), len(r["lookalikes"])
        print(f"{state:26s} {hits / n_e:.3f} ({hits}/{n_e})   {alarms / n_l:.3f} ({alarms}/{n_l})")
    for state, r in found.items():
        for text, fired in r["emergencies"]:
            if not fired:
                print(f"missed ({state}): {text}")
        for text, fired in r["lookalikes"]:
            if fired and state == "start":
                print(f"false alarm (start): {text}")
    return found


def test_the_held_out_sets_are_big_enough(results) -> None:
    start = results["start"]
    assert len(start["emergencies"]) >= 150 and len(start["lookalikes"]) >= 150


@pytest.mark.parametrize("state", list(STATES))
def test_emergencies_fire_in_every_state(results, state: str) -> None:
    found = results[state]["emergencies"]
    missed = [t for t, fired in found if not fired]
    assert 1 - len(missed) / len(found) >= MIN_RECALL, missed


@pytest.mark.parametrize("state", list(STATES))
def test_lookalikes_are_not_emergencies_in_any_state(results, state: str) -> None:
    found = results[state]["lookalikes"]
    alarms = [t for t, fired in found if fired]
    assert len(alarms) / len(found) <= MAX_FALSE_ALARMS, alarms
