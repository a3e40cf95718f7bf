"""Helpers shared by the actions: slot names, the patient's location and the hospital directory."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar, cast

from rasa_sdk import Tracker

from qaid_contracts import binding
from qaid_contracts.errors import (
    BAD_REQUEST,
    CORRUPT_IMAGE,
    EMPTY_BODY,
    FORBIDDEN,
    IMAGE_NOT_FOUND,
    IMAGE_TOO_LARGE,
    IMAGE_TOO_MANY_PIXELS,
    INVALID_REQUEST,
    MALFORMED_JSON,
    NOT_APPLICABLE,
    TASK_NOT_OFFERED,
    TOO_MANY_REQUESTS,
    UNAUTHORIZED,
    UNREACHABLE,
    UNSUPPORTED_IMAGE_TYPE,
    UNSUPPORTED_QUESTION,
)
from qaid_contracts.hub import NearbyHospital
from qaid_contracts.limits import MAX_SHORT_TEXT_CHARS
from qaid_contracts.transcript import Finding, Location
from qaid_contracts.vocabulary import FindingKind

from ..clients import HubClient, Outcome
from ..settings import BotSettings
from .consensus import join_and, unreachable_note

T = TypeVar("T")

# Slots the actions own (all declared in domain.yml with custom mappings).
IMAGE = "image"  # current image: {image_id, token, ref, topic, at, lat, lon, able}
HIP_IMAGES = "hip_images"  # hospital id -> hip_image_id (that HIP's copy), so follow-ups never re-send it
IMAGES = "images"  # every image of the conversation: [{image_id, sha256}]
FINDINGS = "findings"
CONSENSUS = "consensus"
GEO = "geo"  # a transcript Location: {lat, lon, name?}
SYMPTOMS = "symptoms"
DEFINITIONS = "definitions"
URGENT = "urgent"
CONSENT_HOSPITALS = "consent_hospitals"
DEMO_DISCLOSED = "demo_disclosed"  # the patient was told what the models are (demo data, shared backbone)
SIDE_EXPLAINED = "side_explained"  # the patient was told how their side maps onto the picture
TRANSCRIPT_SENT = "transcript_sent"

# The hub directory is asked once per location per minute: it is cheap, but every turn has a 5 s
# budget and the HIP fan-out needs most of it. Tokens stay in memory, never in the tracker store.
_DIRECTORY_TTL_S = 60.0
_directory_cache: dict[tuple[str, float, float], tuple[float, list[NearbyHospital]]] = {}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def ts_iso(ts: float | None) -> str:
    if not ts:
        return now_iso()
    return datetime.fromtimestamp(float(ts), timezone.utc).isoformat()


def location(tracker: Tracker, cfg: BotSettings) -> Location:
    geo = tracker.get_slot(GEO)
    if isinstance(geo, dict) and "lat" in geo and "lon" in geo:
        return place(float(geo["lat"]), float(geo["lon"]), geo.get("name"))
    return place(cfg.default_lat, cfg.default_lon, cfg.default_place)


def place(lat: float, lon: float, name: object = None) -> Location:
    """A location as the transcript carries it; a name is cut to the schema's limit, so an
    over-long place name can never make the transcript unacceptable."""
    geo = Location(lat=lat, lon=lon)
    if name:
        geo["name"] = str(name)[:MAX_SHORT_TEXT_CHARS]
    return geo


async def nearby_hospitals(hub: HubClient, lat: float, lon: float) -> list[NearbyHospital]:
    key = (hub.cfg.hub_url, round(float(lat), 4), round(float(lon), 4))
    hit = _directory_cache.get(key)
    if hit and time.monotonic() - hit[0] < _DIRECTORY_TTL_S:
        return hit[1]
    hospitals = [h for h in await hub.nearby(lat, lon) if h.get("hip_url")]
    _directory_cache[key] = (time.monotonic(), hospitals)
    return hospitals


def clear_directory_cache() -> None:
    _directory_cache.clear()


def metadata(tracker: Tracker) -> dict[str, Any]:
    md = (tracker.latest_message or {}).get("metadata") or {}
    return md if isinstance(md, dict) else {}


def conversation(tracker: Tracker, cfg: BotSettings) -> str:
    """The id hospitals see for this conversation: a keyed hash of the sender id, which is the
    patient's credential and so never leaves the bot (qaid_contracts.binding)."""
    return binding.conversation_id(cfg.conversation_key, str(tracker.sender_id or "anonymous"))


def own_image(tracker: Tracker, cfg: BotSettings) -> dict[str, str] | None:
    """The latest message's image ``{image_id, token, ref}`` when the hub bound it to this
    conversation at upload, else None: another conversation's image id, a forged or missing reference
    or a URL the client chose are all refused (the bytes are fetched from the hub by id, never by URL)."""
    image = metadata(tracker).get("image")
    if not isinstance(image, dict) or not cfg.conversation_key:
        return None
    image_id, token, ref = image.get("image_id"), image.get("token"), image.get("ref")
    if not isinstance(token, str) or not binding.check_image_ref(
        cfg.conversation_key, image_id, conversation(tracker, cfg), ref
    ):
        return None
    return {"image_id": str(image_id), "token": token, "ref": str(ref)}


def slot_list(tracker: Tracker, name: str) -> list[Any]:
    value = tracker.get_slot(name)
    return list(value) if isinstance(value, list) else []


def findings_of(tracker: Tracker) -> list[Finding]:
    """The findings slot: what every hospital's models said, as the transcript records it."""
    return [
        cast(Finding, f) for f in slot_list(tracker, FINDINGS) if isinstance(f, dict) and f.get("hospital_id")
    ]


def slot_dict(tracker: Tracker, name: str) -> dict[str, Any]:
    value = tracker.get_slot(name)
    return dict(value) if isinstance(value, dict) else {}


def hospital_name(h: Mapping[str, Any]) -> str:
    return str(h.get("name") or h.get("id"))


def names(hospitals: Sequence[Mapping[str, Any]]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return join_and([hospital_name(h) for h in hospitals])


def sources_of(outcomes: list[Outcome[T]], version: Callable[[T], object]) -> list[tuple[str, str | None]]:
    """(hospital name, model version) of each answering hospital, for ``consensus.not_a_diagnosis``."""
    out = []
    for o in outcomes:
        v = version(o.value) if o.value is not None else None
        out.append((hospital_name(o.hospital), str(v) if v else None))
    return out


def split_outcomes(outcomes: list[Outcome[T]]) -> tuple[list[Outcome[T]], list[Outcome[T]], int]:
    """(answered, not offering the task, unreachable count). A hospital that answered with an error
    (a 4xx: it refused the request) is neither: ``missing_note`` reports it as what it is."""
    ok = [o for o in outcomes if o.ok]
    not_offered = [o for o in outcomes if o.error == TASK_NOT_OFFERED]
    return ok, not_offered, sum(1 for o in outcomes if o.error == UNREACHABLE)


# What a hospital's error code means for the patient (a refusal is not "unreachable").
_REFUSED: dict[str, str] = {
    INVALID_REQUEST: "refused the request as invalid",
    BAD_REQUEST: "refused the request as invalid",
    MALFORMED_JSON: "refused the request as invalid",
    EMPTY_BODY: "refused the request as invalid",
    IMAGE_TOO_LARGE: "refused the image as too large",
    IMAGE_TOO_MANY_PIXELS: "refused the image as too large",
    CORRUPT_IMAGE: "could not read the image",
    UNSUPPORTED_IMAGE_TYPE: "could not read the image",
    UNAUTHORIZED: "refused Q&Aid's access",
    FORBIDDEN: "refused Q&Aid's access",
    TOO_MANY_REQUESTS: "was too busy to answer",
    IMAGE_NOT_FOUND: "no longer had the image",
    UNSUPPORTED_QUESTION: "was not trained to answer that question",
    # 409: the hospital has a model for the topic, but its domain gate refused this image
    NOT_APPLICABLE: "could not run a model on this image (it looks unlike the images the models were "
    "trained on)",
}


def missing_note(outcomes: list[Outcome[T]]) -> str:
    """Which hospitals gave no answer and why: "1 hospital was unreachable and left out. Cismigiu
    Demo Hospital refused the request as invalid." ("" when every hospital answered)."""
    parts = [unreachable_note(sum(1 for o in outcomes if o.error == UNREACHABLE))]
    refused: dict[str, list[str]] = {}
    for o in outcomes:
        if o.error and o.error not in (UNREACHABLE, TASK_NOT_OFFERED):
            why = _REFUSED.get(o.error, f"answered with an error ({o.error})")
            refused.setdefault(why, []).append(hospital_name(o.hospital))
    parts += [
        f"{join_and(who)} {why}, so {'its' if len(who) == 1 else 'their'} answer is missing."
        for why, who in refused.items()
    ]
    return " ".join(p for p in parts if p)


def finding(
    o: Outcome[Any],
    image_id: str,
    kind: FindingKind,
    answer: str,
    confidence: float,
    model_version: str | None,
    detail: dict[str, object],
    question: str | None = None,
) -> Finding:
    """One hospital's contribution as the transcript records it."""
    f = Finding(
        hospital_id=str(o.hospital["id"]),
        hospital_name=hospital_name(o.hospital),
        image_id=image_id,
        kind=kind,
        answer=answer,
        confidence=round(min(max(float(confidence or 0.0), 0.0), 1.0), 4),
        detail=detail,
    )
    if question is not None:
        f["question"] = question
    if model_version:
        f["model_version"] = str(model_version)
    return f
