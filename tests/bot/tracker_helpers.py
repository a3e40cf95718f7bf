"""Trackers and events as Rasa hands them to the actions, and what a dispatcher collected."""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    text: str = "",
    intent: str | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: dict[str, Any] | None = None,
    sender_id: str = "conv-1",
    question_type: dict[str, Any] | None = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    if question_type is not None:  # what the NLU's learnt question-type classifier wrote
        latest["question_type"] = question_type
    return Tracker(
        sender_id, slots or {}, latest, events or [], False, None, active_loop or {}, "action_listen"
    )


def user_event(
    text: str, ts: float | None = None, metadata: dict | None = None, intent: str = "x"
) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": ts or time.time(),
        "text": text,
        "parse_data": {"intent": {"name": intent}},
        "metadata": metadata or {},
    }


def bot_event(text: str | None, ts: float | None = None, image: str | None = None) -> dict[str, Any]:
    return {
        "event": "bot",
        "timestamp": ts or time.time(),
        "text": text,
        "data": {"image": image} if image else {},
    }


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("text") or "" for m in dispatcher.messages]
