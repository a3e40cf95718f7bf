"""A patient who says they are worried hears it acknowledged in plain words, what the bot can do,
and where real help is: their doctor, and the emergency number if it becomes urgent."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from ..settings import settings
from .message_parts import WORRY_ACK


class ActionAcknowledgeWorry(Action):
    def name(self) -> str:
        return "action_acknowledge_worry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        number = settings().emergency_number
        dispatcher.utter_message(
            text=f"{WORRY_ACK} Waiting and not knowing is hard. I can't replace a doctor, but I can "
            "look at your image with nearby hospitals' models, explain the words in your report, or "
            'ask a nearby hospital to contact you (say "book an appointment"). If you feel unsafe '
            f"or something changes suddenly, call {number} now."
        )
        return []
