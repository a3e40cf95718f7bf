"""Conversation end: build the transcript and deliver it to the hub, exactly once and only with consent.

The end comes from a goodbye, from finishing the appointment ("anything else?" -> no) or from the
inactivity reminder. ``transcript_sent`` guards against a second delivery; the hub is idempotent per
``conversation_id`` as a second line of defence (e.g. a retry after a lost response).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from qaid_contracts.transcript import SCHEMA_VERSION, Consent, Contact, Message, Transcript

from ..clients import HubClient, ServiceError
from ..settings import settings
from . import texts
from .appointment import INACTIVITY_INTENT, inactivity_reminder
from .common import (
    CONSENSUS,
    CONSENT_HOSPITALS,
    DEFINITIONS,
    IMAGES,
    SYMPTOMS,
    TRANSCRIPT_SENT,
    URGENT,
    conversation,
    findings_of,
    location,
    names,
    now_iso,
    slot_list,
    ts_iso,
)

EXTERNAL_PREFIX = "EXTERNAL: "
# Hub answers that no retry can change: the transcript itself is refused (a misconfigured token, 401,
# can be fixed by the operator, and 408, 409 and 429 pass, so those keep retrying).
PERMANENT = frozenset({400, 413, 415, 422})
logger = logging.getLogger(__name__)


def session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the current session (after the last ``session_started``)."""
    events = list(tracker.events or [])
    for i in range(len(events) - 1, -1, -1):
        if events[i].get("event") == "session_started":
            return events[i + 1 :]
    return events


def conversation_id(tracker: Tracker) -> str:
    """What hospitals see: a keyed hash of the sender id (never the sender id itself, which lets
    whoever knows it continue the conversation); a later session of the same sender gets a suffix so
    it is a new transcript (the hub's image references name the id without it)."""
    sessions = sum(1 for e in tracker.events or [] if e.get("event") == "session_started")
    base = conversation(tracker, settings())
    return base if sessions <= 1 else f"{base}-s{sessions}"


def _is_external(e: dict[str, Any]) -> bool:
    intent = ((e.get("parse_data") or {}).get("intent") or {}).get("name") or ""
    return str(e.get("text") or "").startswith(EXTERNAL_PREFIX) or intent.startswith("EXTERNAL_")


def _patient_text(e: dict[str, Any]) -> tuple[str, str | None]:
    """The message's text and the image id it names (the caller keeps that id only when the image
    was verified as this conversation's)."""
    text = str(e.get("text") or "")
    image = (e.get("metadata") or {}).get("image") or {}
    if isinstance(image, dict) and image.get("image_id"):
        caption = text.removeprefix("/share_image").strip()
        return (caption or "[image]"), str(image["image_id"])
    if text.startswith("/"):
        # a button payload such as "/affirm": show what it means, not the intent syntax
        intent = text[1:].split("{", 1)[0]
        return {"affirm": "yes", "deny": "no"}.get(intent, f"[{intent}]"), None
    return text, None


def transcript_messages(tracker: Tracker, final_bot_text: str | None = None) -> list[Message]:
    messages: list[Message] = []
    verified = {str(i.get("image_id")) for i in slot_list(tracker, IMAGES) if isinstance(i, dict)}
    for e in session_events(tracker):
        kind = e.get("event")
        if kind == "user" and not _is_external(e):
            text, image_id = _patient_text(e)
            m = Message(at=ts_iso(e.get("timestamp")), sender="patient", text=text)
            if image_id in verified:
                m["image_id"] = image_id
            messages.append(m)
        elif kind == "bot":
            text = e.get("text") or ""
            if not text and (e.get("data") or {}).get("image"):
                text = "[image]"
            if text:
                messages.append(Message(at=ts_iso(e.get("timestamp")), sender="bot", text=text))
    if final_bot_text:
        messages.append(Message(at=now_iso(), sender="bot", text=final_bot_text))
    return messages


def build_transcript(tracker: Tracker, ended_reason: str, final_bot_text: str | None = None) -> Transcript:
    """The transcript the hub accepts (``qaid_contracts.transcript``, schema version 1)."""
    hospitals = slot_list(tracker, CONSENT_HOSPITALS)
    ids = [str(h["id"]) for h in hospitals if isinstance(h, dict) and h.get("id")]
    consented = set(ids)
    return Transcript(
        schema_version=SCHEMA_VERSION,
        conversation_id=conversation_id(tracker),
        created_at=now_iso(),
        ended_reason=ended_reason,
        urgency="urgent" if tracker.get_slot(URGENT) else "routine",
        consent=Consent(
            given=True,
            at=tracker.get_slot("consent_at") or now_iso(),
            hospitals=ids,
            statement=tracker.get_slot("consent_statement") or "",
        ),
        contact=Contact(
            name=tracker.get_slot("contact_name"),
            phone=tracker.get_slot("contact_phone"),
            email=tracker.get_slot("contact_email"),
        ),
        messages=transcript_messages(tracker, final_bot_text),
        images=slot_list(tracker, IMAGES),
        # Only what the consented hospitals' models said travels; other hospitals' output stays here.
        findings=[f for f in findings_of(tracker) if f["hospital_id"] in consented],
        consensus=slot_list(tracker, CONSENSUS),
        symptoms=[str(s) for s in slot_list(tracker, SYMPTOMS)],
        definitions=[str(d) for d in slot_list(tracker, DEFINITIONS)],
        location=location(tracker, settings()),
    )


def ended_reason(tracker: Tracker) -> str:
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if intent == INACTIVITY_INTENT:
        return "inactivity"
    if intent == "goodbye":
        return "goodbye"
    return "appointment"


def last_patient_activity(tracker: Tracker) -> float:
    ts = [
        float(e.get("timestamp") or 0)
        for e in session_events(tracker)
        if e.get("event") == "user" and not _is_external(e)
    ]
    return max(ts, default=0.0)


class ActionEndConversation(Action):
    """Delivers the transcript (consent only, once) and says goodbye."""

    def name(self) -> str:
        return "action_end_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reason = ended_reason(tracker)
        cfg = settings()
        consent = tracker.get_slot("consent") is True
        sent = bool(tracker.get_slot(TRANSCRIPT_SENT))
        if reason == "inactivity":
            if not consent or sent:
                return []  # nothing to deliver; stay silent
            idle = time.time() - last_patient_activity(tracker)
            if idle < cfg.inactivity_s:
                # the patient spoke since the reminder was set: wait for the rest of the period
                return [inactivity_reminder(cfg.inactivity_s - idle, rearm=True)]
        hospitals = slot_list(tracker, CONSENT_HOSPITALS)
        farewell = {
            "goodbye": "Goodbye, take care!",
            "appointment": "Alright, take care!",
            "inactivity": "As we haven't heard from you for a while, I'm ending our conversation.",
        }[reason]
        if not consent:
            dispatcher.utter_message(
                text=f"{farewell} Nothing from this conversation was shared with any hospital."
            )
            return []
        if sent:
            dispatcher.utter_message(
                text=f"{farewell} Our conversation was already sent to {names(hospitals)}."
            )
            return []
        if not hospitals:
            dispatcher.utter_message(
                text=f"{farewell} There was no hospital to send our conversation to, so nothing was shared."
            )
            return []
        done = f"{farewell} I've sent our conversation to {names(hospitals)}; they will contact you."
        transcript = build_transcript(tracker, reason, final_bot_text=done)
        try:
            async with aiohttp.ClientSession() as session:
                await HubClient(session, cfg).post_transcript(transcript, sender=tracker.sender_id)
        except ServiceError as exc:
            if exc.status in PERMANENT:
                # The hub will never accept this transcript (not a passing outage): no reminder, so
                # it is not retried every idle period for ever. The patient is told plainly (even
                # after the inactivity timeout: the chat shows it when they come back).
                logger.warning("the hub refused the transcript for good: %s %s", exc.status, exc.code)
                refused = texts.TRANSCRIPT_REFUSED.format(
                    hospitals=names(hospitals), emergency=cfg.emergency_number
                )
                dispatcher.utter_message(text=refused)
                return []
            if exc.status != 409:  # 409: the hub already has it, which is what we wanted
                # The patient may be gone for good: a reminder keeps retrying every idle period
                # (and the next message or goodbye retries at once). Silent when nobody is there.
                if reason != "inactivity":
                    dispatcher.utter_message(
                        text=f"{farewell} I couldn't reach the hospitals' hub to send our conversation "
                        f"just now; I'll keep trying, and it will reach {names(hospitals)} once it is back."
                    )
                return [inactivity_reminder(cfg.inactivity_s, rearm=True)]
        dispatcher.utter_message(text=done)
        return [SlotSet(TRANSCRIPT_SENT, True)]
