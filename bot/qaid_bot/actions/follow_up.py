"""Follow-ups on the current image: questions (VQA) and lesion outlines (segmentation), asked of the
nearby hospitals that offer the task for the image's topic — every answer with how many hospitals
agree and "not a diagnosis". The analysis itself is in ``image_flow``.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from . import consensus as cs
from . import texts
from .clients import HipClient, HubClient, Outcome, ServiceError, fan_out
from .common import (
    CONSENSUS,
    FINDINGS,
    HIP_IMAGES,
    IMAGE,
    finding,
    nearby_hospitals,
    slot_dict,
    slot_list,
    sources_of,
    split_outcomes,
)
from .settings import settings


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
    hip: HipClient, hospital_id: str, hip_images: dict[str, str], source: _ImageSource, op
) -> Any:
    """Run ``op(hip_image_id)`` reusing this HIP's copy of the image; upload it when the HIP has
    none yet, and re-upload once when the HIP forgot it (404 image_not_found)."""
    hid = hip_images.get(hospital_id)
    fresh = hid is None
    if fresh:
        hid = await hip.upload(await source.get())
    try:
        result = await op(hid)
    except ServiceError as exc:
        if fresh or exc.status != 404:
            raise
        hid = await hip.upload(await source.get())
        result = await op(hid)
    hip_images[hospital_id] = hid
    return result


@dataclass
class Outlines:
    """What the hospitals' segmentation models said about one image, ready to send and record."""

    text: str
    image_url: str | None  # the best overlay, hosted on the hub (None when no lesion was outlined)
    findings: list[dict[str, Any]]
    consensus: dict[str, Any]

    def send(self, dispatcher: CollectingDispatcher) -> None:
        if self.image_url:
            dispatcher.utter_message(text=self.text, image=self.image_url)
        else:
            dispatcher.utter_message(text=self.text)


async def summarize_outlines(hub: HubClient, image_id: str, outcomes: list[Outcome]) -> Outlines | None:
    """The outline reply for segmentation ``outcomes`` (nearest hospital first); None if none answered.

    The overlay of the nearest hospital that outlined a lesion is uploaded to the hub
    (POST /api/v1/images) so the chat shows a short link, and the reply names that hospital.
    """
    ok, _, unreachable = split_outcomes(outcomes)
    if not ok:
        return None
    found = [o for o in ok if (o.value.get("lesion_area_px") or 0) > 0]
    findings = []
    for o in ok:
        r = o.value
        area = int(r.get("lesion_area_px") or 0)
        side = f", {r['side']} side" if r.get("side") else ""
        findings.append(
            finding(
                o,
                image_id,
                "segment",
                f"lesion area {area} px{side}" if area else "no lesion outlined",
                r.get("lesion_fraction") or 0.0,
                r.get("model_version"),
                {k: r.get(k) for k in ("lesion_area_px", "lesion_fraction", "components", "side")},
            )
        )
    consensus = {
        "kind": "segment",
        "question": "Outline the lesion",
        "answer": "lesion outlined" if found and len(found) * 2 >= len(ok) else "no lesion outlined",
        "agree": max(len(found), len(ok) - len(found)) if found else len(ok),
        "total": len(ok),
    }
    said = cs.not_a_diagnosis(len(ok), sources_of(ok, lambda r: r.get("model_version")))
    tail = " ".join(p for p in (cs.unreachable_note(unreachable), said) if p)
    if not found:
        text = f"{len(ok)} of {cs.plural(len(ok), 'hospital')} outlined no lesion on this image. {tail}"
        return Outlines(text, None, findings, consensus)
    best = found[0]  # nearest hospital first, as the directory orders them
    r = best.value
    side = f" on the {r['side']} side" if r.get("side") else ""
    text = (
        f"{len(found)} of {cs.plural(len(ok), 'hospital')} outlined a lesion. Here is the "
        f"outline from {best.hospital.get('name')}: about {int(r['lesion_area_px'])} pixels"
        f"{side}. {tail}"
    )
    url = await hub.host_png(r.get("overlay_png_b64") or r.get("mask_png_b64") or "")
    return Outlines(text, url, findings, consensus)


class _FollowUp(Action, ABC):
    """Shared plumbing of the actions that ask the hospitals about the current image (abstract, so
    the action server does not register it)."""

    task = ""

    @abstractmethod
    def name(self) -> str: ...

    def _targets(self, hospitals: list[dict[str, Any]], image: dict[str, Any], hip_images: dict) -> list:
        topic = image.get("topic")
        if topic:
            return [h for h in hospitals if cs.offers_topic(h, topic, self.task)]
        return [h for h in hospitals if str(h.get("id")) in hip_images]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
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

            async def call(h: dict[str, Any]) -> Any:
                hip = HipClient(session, h, cfg.hip_timeout_s)
                return await _with_hip_image(
                    hip, str(h.get("id")), hip_images, source, lambda hid: self.op(hip, hid, tracker)
                )

            outcomes = await fan_out(targets, call, cfg.hip_timeout_s)
            events = await self.report(dispatcher, tracker, hub, image, outcomes)
        return [SlotSet(HIP_IMAGES, hip_images), *events]

    @abstractmethod
    async def op(self, hip: HipClient, hid: str, tracker: Tracker) -> Any: ...

    @abstractmethod
    def none_offer(self, dispatcher: CollectingDispatcher, what: str) -> None: ...

    @abstractmethod
    async def report(self, dispatcher, tracker, hub, image, outcomes) -> list[EventType]: ...


class ActionAnswerQuestion(_FollowUp):
    task = "vqa"

    def name(self) -> str:
        return "action_answer_question"

    async def op(self, hip: HipClient, hid: str, tracker: Tracker) -> Any:
        return await hip.vqa(hid, self.question(tracker))

    @staticmethod
    def question(tracker: Tracker) -> str:
        return str((tracker.latest_message or {}).get("text") or "").strip()

    def none_offer(self, dispatcher: CollectingDispatcher, what: str) -> None:
        dispatcher.utter_message(
            text=f"None of the nearby hospitals can answer questions about {what} images, sorry."
        )

    async def report(self, dispatcher, tracker, hub, image, outcomes) -> list[EventType]:
        question = self.question(tracker)
        ok, _, unreachable = split_outcomes(outcomes)
        vote = cs.aggregate_answers(o.value for o in ok)
        if vote is None:
            dispatcher.utter_message(
                text="None of the hospitals could answer that question right now. "
                + cs.unreachable_note(unreachable)
            )
            return []
        parts = [] if vote.tied else [f"Answer: {vote.value}."]
        parts += [
            cs.describe_answer_vote(vote),
            cs.unreachable_note(unreachable),
            cs.not_a_diagnosis(vote.total, sources_of(ok, lambda r: r.get("model_version"))),
        ]
        dispatcher.utter_message(text=" ".join(p for p in parts if p))
        findings = [
            finding(
                o,
                str(image.get("image_id")),
                "vqa",
                str(o.value.get("answer")),
                o.value.get("confidence") or 0.0,
                o.value.get("model_version"),
                {k: o.value.get(k) for k in ("answer_type", "topic", "bundle_version")},
                question=question,
            )
            for o in ok
        ]
        vote_row = {
            "kind": "vqa",
            "question": question,
            "answer": "disagreement" if vote.tied else vote.value,
            "agree": vote.agree,
            "total": vote.total,
        }
        return [
            SlotSet(FINDINGS, slot_list(tracker, FINDINGS) + findings),
            SlotSet(CONSENSUS, slot_list(tracker, CONSENSUS) + [vote_row]),
        ]


class ActionSegment(_FollowUp):
    task = "segmentation"

    def name(self) -> str:
        return "action_segment"

    async def op(self, hip: HipClient, hid: str, tracker: Tracker) -> Any:
        return await hip.segment(hid)

    def none_offer(self, dispatcher: CollectingDispatcher, what: str) -> None:
        dispatcher.utter_message(
            text=f"None of the nearby hospitals can outline lesions on {what} images, sorry."
        )

    async def report(self, dispatcher, tracker, hub: HubClient, image, outcomes) -> list[EventType]:
        outlines = await summarize_outlines(hub, str(image.get("image_id")), outcomes)
        if outlines is None:
            _, _, unreachable = split_outcomes(outcomes)
            dispatcher.utter_message(
                text="None of the hospitals could outline the image right now. "
                + cs.unreachable_note(unreachable)
            )
            return []
        outlines.send(dispatcher)
        return [
            SlotSet(FINDINGS, slot_list(tracker, FINDINGS) + outlines.findings),
            SlotSet(CONSENSUS, slot_list(tracker, CONSENSUS) + [outlines.consensus]),
        ]
