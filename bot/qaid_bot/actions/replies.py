"""A doctor's reply reaches the patient, and the patient accepts or declines an appointment.

The hub's notice (``EXTERNAL_doctor_reply`` with entity ``reply_id``, triggered by
:mod:`qaid_bot.channels.hub`) names a reply; nothing in it is trusted: the reply is fetched from the
hub for *this* conversation's id (the hub refuses any other), and its conversation id is checked
again here. Each reply is shown once (the notice may come again when the hub retries) and kept in
the ``doctor_replies`` slot, which the answer and the web page's notice on resume read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from qaid_contracts import binding, errors
from qaid_contracts.replies import Answer, PatientReply, is_time_zone

from ..clients import HubClient, ServiceError
from ..settings import settings
from .common import conversation, slot_list

__all__ = ["REPLIES", "ActionDoctorReply", "ActionAnswerAppointment", "reply_text", "when"]

logger = logging.getLogger(__name__)
REPLIES = "doctor_replies"
REPLY_INTENT = "EXTERNAL_doctor_reply"
_REPLY_ID = re.compile(r"^rp_[0-9a-f]{32}$")
ACCEPT, DECLINE = "/accept_appointment", "/decline_appointment"
NOTHING_TO_ANSWER = "There is no appointment waiting for your answer."
# what a plain yes or no gets when nothing waits for it (bot/data/rules.yml "plain yes" / "plain no")
PLAIN_ANSWERS = {"affirm": "utter_how_can_help", "deny": "utter_ok"}
HUB_DOWN = "Sorry, I couldn't pass your answer on just now. Please try again in a minute."
# An appointment from an inbox older than the time zone field: its time is on the hospital's clock.
LOCAL_TIME = "hospital's local time"
# English names, not strftime's %A/%B: those follow the process's locale.
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip


def _offset(local: datetime, zone: str) -> str:
    """The zone's offset from UTC on that date and time, summer time included (``", UTC+02:00"``);
    empty when this machine's tz database does not know the zone (the name alone is still true)."""
    if not is_time_zone(zone):
        return ""
    offset = local.replace(tzinfo=ZoneInfo(zone)).utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    hours, rest = divmod(abs(minutes), 60)
    return f", UTC{'-' if minutes < 0 else '+'}{hours:02d}:{rest:02d}"


def when(appointment: Mapping[str, Any]) -> str:
    """An appointment's date and time in plain words and the clock they are on: "Tuesday 8 December
    2026, 10:30 (Europe/Bucharest time, UTC+02:00)", or "(hospital's local time)" without a zone."""
    at, zone = str(appointment.get("at") or ""), appointment.get("time_zone")
    try:
        local = datetime.strptime(at, "%Y-%m-%dT%H:%M")
    except ValueError:  # the hub checks the shape; said as written rather than not at all
        return at
    words = f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"
    if not isinstance(zone, str) or not zone:
        return f"{words} ({LOCAL_TIME})"
    return f"{words} ({zone} time{_offset(local, zone)})"


def reply_text(reply: PatientReply) -> str:
    """What the patient reads: who replied, the doctor's words, and the appointment if any."""
    text = f"{reply['hospital_name']} replied ({reply['doctor']}): {reply['text']}"
    appointment = reply.get("appointment")
    if appointment:
        text += f"\nAppointment: {when(appointment)}, {appointment['place']}."
        if appointment.get("bring"):
            text += f"\nPlease bring: {appointment['bring']}."
        if not reply.get("answer"):
            text += "\nWould you like to accept this appointment?"
    return text


def _brief(reply: PatientReply) -> dict[str, Any]:
    """What the slot keeps: enough to answer and to show the reply again (web page on resume, which
    says the appointment's time in the bot's words: ``when``)."""
    keys = ("id", "hospital_name", "doctor", "kind", "text", "appointment", "answer", "created_at")
    appointment = reply.get("appointment")
    return {**{k: reply.get(k) for k in keys}, "when": when(appointment) if appointment else None}


def _reply_id(tracker: Tracker) -> str | None:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == "reply_id":
            value = entity.get("value")
            return value if isinstance(value, str) and _REPLY_ID.match(value) else None
    return None


class ActionDoctorReply(Action):
    def name(self) -> str:
        return "action_doctor_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reply_id, cfg = _reply_id(tracker), settings()
        shown = [r for r in slot_list(tracker, REPLIES) if isinstance(r, dict)]
        if reply_id is None or any(r.get("id") == reply_id for r in shown):
            return []  # not a reply id, or shown already (the hub's notice came again)
        own = conversation(tracker, cfg)
        try:
            async with aiohttp.ClientSession() as session:
                reply = await HubClient(session, cfg).get_reply(reply_id, own)
        except ServiceError as exc:  # the channel answers the hub 503 then, and the hub retries
            logger.warning("reply %s not fetched: %s %s", reply_id, exc.status, exc.code)
            return []
        if binding.conversation_of(str(reply.get("conversation_id"))) != own:
            logger.warning("reply %s is not this conversation's: not shown", reply_id)
            return []
        buttons = []
        if reply.get("appointment") and not reply.get("answer"):
            buttons = [{"title": "Accept", "payload": ACCEPT}, {"title": "Decline", "payload": DECLINE}]
        # The notice lets the web page know this reply was shown live (not again on its next visit).
        notice = {"notice": "doctor_reply", "doctor_reply": reply_id}
        dispatcher.utter_message(text=reply_text(reply), buttons=buttons, json_message=notice)
        return [SlotSet(REPLIES, [*shown, _brief(reply)])]


class ActionAnswerAppointment(Action):
    def name(self) -> str:
        return "action_answer_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        # a plain yes or no right after a proposal (bot/data/rules.yml) answers it like the buttons
        answer: Answer = "accepted" if intent in ("accept_appointment", "affirm") else "declined"
        shown = [r for r in slot_list(tracker, REPLIES) if isinstance(r, dict)]
        waiting = [r for r in shown if r.get("appointment") and not r.get("answer")]
        if not waiting and intent in PLAIN_ANSWERS:  # a yes or no after a message, not a proposal
            dispatcher.utter_message(response=PLAIN_ANSWERS[intent])
            return []
        if not waiting:
            dispatcher.utter_message(text=NOTHING_TO_ANSWER)
            return []
        target, cfg = waiting[-1], settings()
        try:
            async with aiohttp.ClientSession() as session:
                done = await HubClient(session, cfg).answer_reply(
                    str(target["id"]), conversation(tracker, cfg), answer
                )
        except ServiceError as exc:
            if exc.code != errors.ALREADY_ANSWERED:
                dispatcher.utter_message(text=HUB_DOWN)
                return []
            dispatcher.utter_message(text="You already answered this appointment.")
            return []
        appointment = target["appointment"]
        verb = "accept" if done["answer"] == "accepted" else "decline"
        dispatcher.utter_message(
            text=f"Thank you. I've told {target['hospital_name']} that you {verb} the appointment on "
            f"{when(appointment)}, {appointment['place']}."
        )
        updated = [{**r, "answer": done["answer"]} if r is target else r for r in shown]
        return [SlotSet(REPLIES, updated)]
