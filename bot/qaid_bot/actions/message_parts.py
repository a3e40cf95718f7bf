"""The other parts of a message with several: the worry a patient voices before a question and the
place they name in passing ("hi, I'm in Cluj — is there a lesion?"). The action that answers the
main request (the rule's intent) answers these too, first, so no part of a message is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from .common import GEO, IMAGE, IMAGES, slot_dict, slot_list
from .location import resolve_place
from .verdict import topic_phrase

_WORRY = re.compile(
    r"\b(?:worr(?:y|ied|ying)|scared|afraid|anxious|anxiety|nervous|terrified|frightened|frightening|"
    r"panick?\w*|stressed|stressful|freaking out|can'?t sleep|upset|crying|scary|on edge|overwhelmed)\b",
    re.IGNORECASE,
)
_NOT_WORRIED = re.compile(
    r"\b(?:not|no|don'?t|never)\s+(?:\w+\s+)?(?:worr\w*|scared|afraid|anxious|nervous)", re.I
)
WORRY_ACK = "I'm sorry this is worrying you; that is completely understandable."


def worry_ack(text: str) -> str | None:
    """A plain acknowledgement when the patient says they are worried (not when they say they aren't)."""
    if _WORRY.search(text or "") and not _NOT_WORRIED.search(text or ""):
        return WORRY_ACK
    return None


@dataclass
class Parts:
    """What the main action says first, and the slots it sets, for the message's other parts."""

    lines: list[str] = field(default_factory=list)
    events: list[EventType] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def other_parts(tracker: Tracker, worry: bool = True, place: bool = True) -> Parts:
    """Worry and a place named in a message whose main request is something else."""
    latest = tracker.latest_message or {}
    text = str(latest.get("text") or "")
    parts = Parts()
    if worry and (ack := worry_ack(text)):
        parts.lines.append(ack)
    if place:
        said = [
            str(e["value"])
            for e in latest.get("entities", [])
            if e.get("entity") == "location" and e.get("value")
        ]
        geo = next((g for g in (resolve_place(s) for s in said) if g), None)
        if geo is not None:
            parts.lines.append(f"Noted: you are near {geo['name']}; I'll look for hospitals there.")
            parts.events.append(SlotSet(GEO, geo))
    return parts


def image_reference(tracker: Tracker, now: datetime | None = None) -> str:
    """ "About your brain MRI sent 12 minutes ago (the last image I could analyse): " when the image a
    follow-up is about is not the last one the patient sent; "" when it is."""
    image = slot_dict(tracker, IMAGE)
    sent = slot_list(tracker, IMAGES)
    if not image or not sent or str(sent[-1].get("image_id")) == str(image.get("image_id")):
        return ""
    what = topic_phrase(image.get("topic")) if image.get("topic") else "image"
    return f"About your {what} sent {_ago(image.get('at'), now)} (the last image I could analyse): "


def _ago(at: Any, now: datetime | None = None) -> str:
    try:
        then = datetime.fromisoformat(str(at))
    except ValueError:
        return "earlier"
    now = now or datetime.now(timezone.utc)
    minutes = int((now - then).total_seconds() // 60)
    clock = then.strftime("%H:%M UTC")
    if minutes < 1:
        return f"at {clock}, just now"
    return f"at {clock}, {minutes} minute{'s' if minutes != 1 else ''} ago"
