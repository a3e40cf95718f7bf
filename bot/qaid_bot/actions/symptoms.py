"""Symptoms the patient describes: noted for the transcript, never interpreted."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from ..settings import settings
from .common import SYMPTOMS, slot_list
from .message_parts import other_parts


class ActionNoteSymptoms(Action):
    def name(self) -> str:
        return "action_note_symptoms"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "").strip()
        parts = other_parts(tracker)
        noted = (
            "Thank you, I've noted that. I can't tell what causes it (I don't give diagnoses), but if you "
            "choose to send this conversation to a hospital, your description goes with it. "
            f"If it gets suddenly worse, call {settings().emergency_number}."
        )
        dispatcher.utter_message(text=" ".join(p for p in (parts.text, noted) if p))
        events: list[EventType] = [*parts.events]
        if text:
            events.append(SlotSet(SYMPTOMS, slot_list(tracker, SYMPTOMS) + [text]))
        return events
