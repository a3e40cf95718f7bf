"""Follow-ups on the current image: questions (VQA) and lesion outlines (segmentation), asked of the
nearby hospitals that offer the task for the image's topic — every answer with how many hospitals
agree and "not a diagnosis". The analysis itself is in ``image_flow``.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from qaid_contracts.errors import IMAGE_NOT_FOUND
from qaid_contracts.hip import Segmentation
from qaid_contracts.hub import NearbyHospital
from qaid_contracts.transcript import Consensus, Finding

from ..clients import HipClient, HubClient, Outcome, ServiceError, fan_out
from ..settings import settings
from . import consensus as cs
from . import texts
from .common import (
    CONSENSUS,
    FINDINGS,
    HIP_IMAGES,
    IMAGE,
    finding,
    missing_note,
    nearby_hospitals,
    slot_dict,
    slot_list,
    sources_of,
    split_outcomes,
)

R = TypeVar("R")


class _ImageSource:
    """The image bytes, fetched from the hub at most once per turn (only when a HIP needs them)."""

    def __init__(self, hub: HubClient, url: str, data: bytes | None = None) -> None:
        self.hub, self.url, self.data = hub, url, data
        self._lock = asyncio.Lock()

    async def get(self) -> bytes:
        async with self._lock:
            if self.data is None:
                self.data = await self.hub.fetch_image(self.url)
            return self.data


async def _with_hip_image(
    hip: HipClient,
    hospital_id: str,
    hip_images: dict[str, str],
    source: _ImageSource,
    op: Callable[[str], Awaitable[R]],
) -> R:
    """Run ``op(hip_image_id)`` reusing this HIP's copy of the image; upload it when the HIP has
    none yet, and re-upload once when the HIP forgot it (404 image_not_found)."""
    hip_image_id = hip_images.get(hospital_id)
    if hip_image_id is None:
        hip_image_id = await hip.upload(await source.get())
        result = await op(hip_image_id)
    else:
        try:
            result = await op(hip_image_id)
        except ServiceError as exc:
            if exc.status != 404 or exc.code != IMAGE_NOT_FOUND:
                raise
            hip_image_id = await hip.upload(await source.get())
            result = await op(hip_image_id)
    hip_images[hospital_id] = hip_image_id
    return result


@dataclass
class Outlines:
    """What the hospitals' segmentation models said about one image, ready to send and record."""

    text: str
    image_url: str | None  # the best overlay, hosted on the hub (None when no lesion was outlined)
    findings: list[Finding]
    consensus: Consensus

    def send(self, dispatcher: CollectingDispatcher) -> None:
        if self.image_url:
            dispatcher.utter_message(text=self.text, image=self.image_url)
        else:
            dispatcher.utter_message(text=self.text)


async def summarize_outlines(
    hub: HubClient, image_id: str, outcomes: list[Outcome[Segmentation]]
) -> Outlines | None:
    """The outline reply for segmentation ``outcomes`` (nearest hospital first); None if none answered.

    The overlay of the nearest hospital that outlined a lesion is uploaded to the hub
    (POST /api/v1/images) so the chat shows a short link, and the reply names that hospital.
    """
    ok, _, _ = split_outcomes(outcomes)
    if not ok:
        return None
    answered = [(o, o.value) for o in ok if o.value is not None]
    found = [(o, r) for o, r in answered if r["lesion_area_px"] > 0]
    findings = []
    for o, r in answered:
        area = r["lesion_area_px"]
        side = f", {r['side']} side" if r["side"] else ""
        detail: dict[str, object] = {
            "lesion_area_px": area,
            "lesion_fraction": r["lesion_fraction"],
            "components": r["components"],
            "side": r["side"],
        }
        answer = f"lesion area {area} px{side}" if area else "no lesion outlined"
        findings.append(
            finding(o, image_id, "segment", answer, r["lesion_fraction"], r["model_version"], detail)
        )
    consensus = cs.record(
        "segment",
        "Outline the lesion",
        "lesion outlined" if found and len(found) * 2 >= len(ok) else "no lesion outlined",
        max(len(found), len(ok) - len(found)) if found else len(ok),
        len(ok),
    )
    said = cs.not_a_diagnosis(len(ok), sources_of(ok, lambda r: r["model_version"]))
    tail = " ".join(p for p in (missing_note(outcomes), said) if p)
    if not found:
        text = f"{len(ok)} of {cs.plural(len(ok), 'hospital')} outlined no lesion on this image. {tail}"
        return Outlines(text, None, findings, consensus)
    best, r = found[0]  # nearest hospital first, as the directory orders them
    side = f" on the {r['side']} side" if r["side"] else ""
    text = (
        f"{len(found)} of {cs.plural(len(ok), 'hospital')} outlined a lesion. Here is the "
        f"outline from {best.hospital['name']}: about {r['lesion_area_px']} pixels"
        f"{side}. {tail}"
    )
    url = await hub.host_png(r["overlay_png_b64"] or r["mask_png_b64"])
    return Outlines(text, url, findings, consensus)


class FollowUp(Action, ABC, Generic[R]):
    """Shared plumbing of the actions that ask the hospitals about the current image (abstract, so
    the action server does not register it); ``R`` is what one HIP answers."""

    task = ""

    @abstractmethod
    def name(self) -> str: ...

    def _targets(
        self, hospitals: list[NearbyHospital], image: dict[str, Any], hip_images: dict[str, str]
    ) -> list[NearbyHospital]:
        topic = image.get("topic")
        if topic:
            return [h for h in hospitals if cs.offers_topic(h, topic, self.task)]
        return [h for h in hospitals if str(h["id"]) in hip_images]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        cfg = settings()
        image = slot_dict(tracker, IMAGE)
        if not image.get("url"):
            dispatcher.utter_message(text=texts.NEED_IMAGE)
            return []
        hip_images = {str(k): str(v) for k, v in slot_dict(tracker, HIP_IMAGES).items()}
        async with aiohttp.ClientSession() as session:
            hub = HubClient(session, cfg)
            try:
                hospitals = await nearby_hospitals(
                    hub, image.get("lat", cfg.default_lat), image.get("lon", cfg.default_lon)
                )
            except ServiceError:
                dispatcher.utter_message(text=texts.SERVICE_DOWN)
                return []
            targets = self._targets(hospitals, image, hip_images)
            if not targets:
                self.none_offer(dispatcher, cs.topic_phrase(image.get("topic")))
                return []
            source = _ImageSource(hub, image["url"])

            async def call(h: NearbyHospital) -> R:
                hip = HipClient(session, h, cfg.hip_timeout_s)
                return await _with_hip_image(
                    hip,
                    str(h["id"]),
                    hip_images,
                    source,
                    lambda hip_image_id: self.op(hip, hip_image_id, tracker),
                )

            outcomes = await fan_out(targets, call, cfg.hip_timeout_s)
            events = await self.report(dispatcher, tracker, hub, image, outcomes)
        return [SlotSet(HIP_IMAGES, hip_images), *events]

    @abstractmethod
    async def op(self, hip: HipClient, hip_image_id: str, tracker: Tracker) -> R: ...

    @abstractmethod
    def none_offer(self, dispatcher: CollectingDispatcher, what: str) -> None: ...

    @abstractmethod
    async def report(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        hub: HubClient,
        image: dict[str, Any],
        outcomes: list[Outcome[R]],
    ) -> list[EventType]: ...


class ActionSegment(FollowUp[Segmentation]):
    task = "segmentation"

    def name(self) -> str:
        return "action_segment"

    async def op(self, hip: HipClient, hip_image_id: str, tracker: Tracker) -> Segmentation:
        return await hip.segment(hip_image_id)

    def none_offer(self, dispatcher: CollectingDispatcher, what: str) -> None:
        dispatcher.utter_message(
            text=f"None of the nearby hospitals can outline lesions on {what} images, sorry."
        )

    async def report(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        hub: HubClient,
        image: dict[str, Any],
        outcomes: list[Outcome[Segmentation]],
    ) -> list[EventType]:
        outlines = await summarize_outlines(hub, str(image.get("image_id")), outcomes)
        if outlines is None:
            dispatcher.utter_message(
                text="None of the hospitals could outline the image right now. " + missing_note(outcomes)
            )
            return []
        outlines.send(dispatcher)
        return [
            SlotSet(FINDINGS, slot_list(tracker, FINDINGS) + outlines.findings),
            SlotSet(CONSENSUS, slot_list(tracker, CONSENSUS) + [outlines.consensus]),
        ]
