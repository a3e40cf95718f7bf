"""Emergencies in every dialogue state, with the real trained model (bot/models/qaid.tar.gz): each
emergency and look-alike of the held-out sets (bot/tests/heldout/emergencies_v*.yml: never trained
on, each blind once and a dev set of the rules since; see the README there) is parsed
by the model's NLU pipeline and put into a conversation at the start, inside the appointment form
(each slot it asks for) and after an analysed image; the model's dialogue policies then choose the next
action, after Rasa's slot extraction has run as it does in a live conversation.

Gate (issue 15): recall >= 0.98 and false alarms <= 0.05 in every state, for each set. Run by
``make test-rasa`` (bot venv): ``.venv-bot/bin/python -m pytest tests/rasa -q -s`` prints the table.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from heldout_sets import MODEL, heldout
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

HELDOUT = heldout("emergencies")
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


Found = dict[str, dict[str, dict[str, list[tuple[str, bool]]]]]  # version -> state -> kind -> (text, fired)


async def _evaluate() -> Found:
    assert MODEL.exists(), f"{MODEL} is missing: run `make rasa-model` first"
    agent = Agent.load(str(MODEL))
    out: Found = {}
    for version, path in HELDOUT.items():
        sets = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[version] = {s: {"emergencies": [], "lookalikes": []} for s in STATES}
        for kind in ("emergencies", "lookalikes"):
            for text in (t for texts in sets[kind].values() for t in texts):
                parse = await agent.parse_message(text)
                for state, history in STATES.items():
                    fired = await _next_action(agent, history, parse) == "action_emergency"
                    out[version][state][kind].append((text, fired))
    return out


@pytest.fixture(scope="module")
def results() -> Found:
    found = asyncio.run(_evaluate())
    for version, by_state in found.items():
        print(f"\n{version}: state                  recall (n)        false alarms (n)")
        for state, r in by_state.items():
            hits = sum(f for _, f in r["emergencies"])
            alarms = sum(f for _, f in r["lookalikes"])
            n_e, n_l = len(r["emergencies"]), len(r["lookalikes"])
            print(f"{state:26s} {hits / n_e:.3f} ({hits}/{n_e})   {alarms / n_l:.3f} ({alarms}/{n_l})")
        for state, r in by_state.items():
            for text, fired in r["emergencies"]:
                if not fired:
                    print(f"missed ({version}, {state}): {text}")
            for text, fired in r["lookalikes"]:
                if fired and state == "start":
                    print(f"false alarm ({version}, start): {text}")
    return found


@pytest.mark.parametrize("version", list(HELDOUT))
def test_the_sets_are_big_enough(results: Found, version: str) -> None:
    start = results[version]["start"]
    assert len(start["emergencies"]) >= 150 and len(start["lookalikes"]) >= 150


CASES = [(v, s) for v in HELDOUT for s in STATES]


@pytest.mark.parametrize(("version", "state"), CASES)
def test_emergencies_fire_in_every_state(results: Found, version: str, state: str) -> None:
    found = results[version][state]["emergencies"]
    missed = [t for t, fired in found if not fired]
    assert 1 - len(missed) / len(found) >= MIN_RECALL, missed


@pytest.mark.parametrize(("version", "state"), CASES)
def test_lookalikes_are_not_emergencies_in_any_state(results: Found, version: str, state: str) -> None:
    found = results[version][state]["lookalikes"]
    alarms = [t for t, fired in found if fired]
    assert len(alarms) / len(found) <= MAX_FALSE_ALARMS, alarms
