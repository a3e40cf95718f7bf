"""The appointment / "send it to the hospitals" form: name, phone or e-mail, and explicit consent.

Consent names the hospitals it covers; the transcript later goes to exactly those and only when
consent was given (see ``transcript``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from ..clients import HubClient, ServiceError
from ..settings import settings
from . import texts
from .common import (
    CONSENT_HOSPITALS,
    FINDINGS,
    HIP_IMAGES,
    IMAGE,
    location,
    names,
    nearby_hospitals,
    now_iso,
    slot_dict,
    slot_list,
)

INACTIVITY_REMINDER = "qaid_inactivity"
INACTIVITY_INTENT = "EXTERNAL_inactivity"

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE_IN_TEXT = re.compile(r"\+?\d[\d\s().-]{5,}\d")
_NAME_PREFIX = re.compile(
    r"^(?:(?:hi|hello|ok|okay|sure|yes)[,!.]?\s+)?(?:my name is|my name's|name is|name:|i am|i'm|im|"
    r"it's|it is|this is|call me)\s+",
    re.IGNORECASE,
)
_NAME_OK = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*\.?$", re.UNICODE)


def clean_name(text: str) -> str | None:
    """A plausible personal name from the reply ("my name is Ana Pop" -> "Ana Pop") or None."""
    name = _NAME_PREFIX.sub("", (text or "").strip()).strip(" .,!")
    name = re.sub(r"\s+", " ", name)
    if not (2 <= len(name) <= 80) or not _NAME_OK.match(name):
        return None
    return " ".join(w[:1].upper() + w[1:] for w in name.split(" "))


def parse_email(text: str) -> str | None:
    m = _EMAIL_IN_TEXT.search(text or "")
    return m.group(0).lower() if m and _EMAIL.match(m.group(0)) else None


def parse_phone(text: str) -> str | None:
    """International or local phone number with 7-15 digits, normalised to ``+digits``/``digits``."""
    m = _PHONE_IN_TEXT.search(text or "")
    if not m:
        return None
    raw = m.group(0).strip()
    digits = re.sub(r"\D", "", raw)
    if not 7 <= len(digits) <= 15:
        return None
    return ("+" if raw.startswith("+") else "") + digits


def consent_statement(hospitals: list[dict[str, Any]]) -> str:
    return (
        f"May I send this conversation (your messages, the image results and your contact details) "
        f"to {names(hospitals)} so that they can contact you about an appointment? "
        "Nothing is shared without your yes."
    )


class ValidateAppointmentForm(FormValidationAction):
    def name(self) -> str:
        return "validate_appointment_form"

    def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = clean_name(str(value or ""))
        if not name:
            dispatcher.utter_message(text=texts.INVALID_NAME)
        return {"contact_name": name}

    def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "")
        email, phone = parse_email(text), parse_phone(text)
        if not email and not phone:
            dispatcher.utter_message(text=texts.INVALID_CONTACT)
            return {"contact": None}
        return {"contact": email or phone, "contact_email": email, "contact_phone": phone}

    def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True and slot_list(tracker, CONSENT_HOSPITALS):
            return {"consent": True, "consent_at": now_iso()}
        return {"consent": False, "consent_at": None}


class ActionAskConsent(Action):
    """Asks for consent naming the hospitals: those that analysed the image, else the nearby ones."""

    def name(self) -> str:
        return "action_ask_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        hospitals = await consent_candidates(tracker)
        if not hospitals:
            dispatcher.utter_message(
                text="I couldn't find a Q&Aid hospital near you to send this to right now. "
                "Please answer no, and try again later or tell me another city."
            )
            return [SlotSet(CONSENT_HOSPITALS, []), SlotSet("consent_statement", None)]
        statement = consent_statement(hospitals)
        dispatcher.utter_message(
            text=statement + " Please answer yes or no.",
            buttons=[{"title": "Yes, send it", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
        )
        return [SlotSet(CONSENT_HOSPITALS, hospitals), SlotSet("consent_statement", statement)]


async def consent_candidates(tracker: Tracker) -> list[dict[str, str]]:
    """Who the transcript would go to: the nearby hospitals that can work with the current image's
    kind of scan; else those that looked at an image; else the nearby hospitals."""
    able = slot_dict(tracker, IMAGE).get("able") or []
    if able:
        return [{"id": str(h["id"]), "name": str(h.get("name") or h["id"])} for h in able]
    analysed = slot_dict(tracker, HIP_IMAGES)
    known = {
        f["hospital_id"]: f.get("hospital_name") or f["hospital_id"]
        for f in slot_list(tracker, FINDINGS)
        if isinstance(f, dict) and f.get("hospital_id")
    }
    ids = [i for i in analysed if i in known] or list(known)
    if ids:
        return [{"id": i, "name": known[i]} for i in ids]
    cfg = settings()
    geo = location(tracker, cfg)
    try:
        async with aiohttp.ClientSession() as session:
            nearby = await nearby_hospitals(HubClient(session, cfg), geo["lat"], geo["lon"])
    except ServiceError:
        return []
    return [{"id": str(h["id"]), "name": str(h.get("name") or h["id"])} for h in nearby]


def inactivity_reminder(delay_s: float, rearm: bool = False) -> EventType:
    """The reminder that ends an idle consented conversation. It survives user messages (the end
    action re-arms it for the rest of the idle period instead). A re-arm gets its own name: a
    reminder scheduled under the name of the job that is running is removed when that job ends."""
    when = datetime.now(timezone.utc) + timedelta(seconds=max(delay_s, 1.0))
    return ReminderScheduled(
        INACTIVITY_INTENT,
        trigger_date_time=when,
        name=f"{INACTIVITY_REMINDER}_{int(when.timestamp())}" if rearm else INACTIVITY_REMINDER,
        kill_on_user_message=False,
    )


class ActionSubmitAppointment(Action):
    def name(self) -> str:
        return "action_submit_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("consent") is not True:
            dispatcher.utter_message(
                text="Understood: nothing from this conversation will be shared with any hospital. "
                "Is there anything else I can help you with?"
            )
            return []
        hospitals = slot_list(tracker, CONSENT_HOSPITALS)
        name = tracker.get_slot("contact_name") or ""
        dispatcher.utter_message(
            text=f"Thank you, {name}. When we finish, I'll send this conversation to {names(hospitals)}; "
            f"they can contact you at {tracker.get_slot('contact')}. "
            "Is there anything else I can help you with?"
        )
        return [inactivity_reminder(settings().inactivity_s)]


class ActionAskContactName(Action):
    def name(self) -> str:
        return "action_ask_contact_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=texts.ASK_NAME)
        return []


class ActionAskContact(Action):
    def name(self) -> str:
        return "action_ask_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=texts.ASK_CONTACT)
        return []
