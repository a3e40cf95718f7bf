"""Red flags: the emergency number first, always; the conversation is marked urgent.

The NLU side (``addons/red_flags.py``) turns red-flag keywords into the ``emergency`` intent even
inside the appointment form, so this action is the single place that answers them.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from ..settings import settings
from .common import SYMPTOMS, URGENT, slot_list


class ActionEmergency(Action):
    def name(self) -> str:
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        number = settings().emergency_number
        dispatcher.utter_message(
            text=f"Call {number} now if this may be an emergency, or go to the nearest emergency "
            f"department. Don't wait for a chat answer: I'm a bot and cannot help in an emergency."
        )
        text = str((tracker.latest_message or {}).get("text") or "").strip()
        events: list[EventType] = [SlotSet(URGENT, True)]
        if text and not text.startswith("/"):
            events.append(SlotSet(SYMPTOMS, slot_list(tracker, SYMPTOMS) + [text]))
        if tracker.active_loop.get("name"):
            dispatcher.utter_message(text="When you are safe, we can continue where we left off.")
        return events
