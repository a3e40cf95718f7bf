"""Follow-ups on the current image: questions (VQA) and lesion outlines (segmentation), asked of the
nearby hospitals that offer the task for the image's topic — every answer with how many hospitals
agree and "not a diagnosis". The analysis itself is in ``image_flow``.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from qaid_contracts.errors import IMAGE_NOT_FOUND
from qaid_contracts.hip import Segmentation
from qaid_contracts.hub import NearbyHospital
from qaid_contracts.transcript import DETAIL_MODEL_SHA256, DETAIL_OVERLAY, Consensus, Finding, ImageRef

from ..clients import HipClient, HubClient, Outcome, ServiceError, fan_out
from ..egress import Sessions
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
from .verdict import side_words, size_words, topic_phrase

R = TypeVar("R")


class _ImageSource:
    """The image bytes, fetched from the hub at most once per turn (only when a HIP needs them)."""

    def __init__(self, hub: HubClient, image: dict[str, Any], data: bytes | None = None) -> None:
        self.hub, self.image, self.data = hub, image, data
        self._lock = asyncio.Lock()

    async def get(self) -> bytes:
        async with self._lock:
            if self.data is None:
                self.data = await self.hub.fetch_image(str(self.image["image_id"]), str(self.image["token"]))
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
    explained_side: bool = False  # the text told the patient how their side maps onto the picture

    def send(self, dispatcher: CollectingDispatcher) -> None:
        if self.image_url:
            dispatcher.utter_message(text=self.text, image=self.image_url)
        else:
            dispatcher.utter_message(text=self.text)


async def summarize_outlines(
    hub: HubClient,
    image_id: str,
    outcomes: list[Outcome[Segmentation]],
    models: Mapping[str, Hashable | None] | None = None,
    explain_side: bool = True,
    sender: str | None = None,
) -> Outlines | None:
    """The outline reply for segmentation ``outcomes`` (nearest hospital first); None if none answered.

    ``models``: hospital id -> the sha256 of its segmentation model (hospitals sharing one file are
    one opinion). The overlay of the nearest hospital that outlined a lesion is uploaded to the hub
    (POST /api/v1/images, bound to ``sender``'s conversation) so the chat shows a short link, and the
    reply names that hospital, with the lesion's side and size in plain words (cm² when the scan says
    its pixel size; no pixel counts). That hospital's finding names the overlay (``DETAIL_OVERLAY``),
    so the doctor's PDF and FHIR Bundle show the picture the patient saw.
    """
    ok, _, _ = split_outcomes(outcomes)
    if not ok:
        return None
    answered = [(o, o.value) for o in ok if o.value is not None]
    keys = models or {}
    vote = cs.majority([(r["lesion_area_px"] > 0, 1.0, keys.get(str(o.hospital["id"]))) for o, r in answered])
    findings = [_outline_finding(o, r, image_id, keys.get(str(o.hospital["id"]))) for o, r in answered]
    found = [(o, r) for o, r in answered if r["lesion_area_px"] > 0]
    assert vote is not None
    outlined = vote.value is True and not vote.tied
    consensus = cs.record(
        "segment",
        "Outline the lesion",
        "lesion outlined" if outlined else "no lesion outlined",
        vote.agree,
        vote.total,
    )
    said = cs.not_a_diagnosis(len(ok), sources_of(ok, lambda r: r["model_version"]))
    tail = " ".join(p for p in (missing_note(outcomes), said) if p)
    if not found:
        return Outlines(
            f"No lesion was outlined on this image ({cs.agreement(vote)}). {tail}", None, findings, consensus
        )
    best, r = found[0]  # nearest hospital first, as the directory orders them
    explain = explain_side and r["side"] in ("left", "right")
    where = ", ".join(
        w for w in (side_words(r["side"], explain), size_words(r["area_cm2"], r["brain_share"])) if w
    )
    head = (
        f"A lesion was outlined ({cs.agreement(vote)})."
        if outlined
        else f"The models disagree: {len(found)} of {cs.plural(len(answered), 'hospital')} outlined a lesion."
    )
    text = f"{head} Here is the outline from {best.hospital['name']}{': ' + where if where else ''}. {tail}"
    url, stored = await hub.host_png(r["overlay_png_b64"] or r["mask_png_b64"], sender)
    if stored is not None and stored.get("ref"):
        overlay = ImageRef(image_id=stored["image_id"], sha256=stored["sha256"], ref=stored["ref"])
        findings[answered.index((best, r))].setdefault("detail", {})[DETAIL_OVERLAY] = overlay
    return Outlines(text, url, findings, consensus, explained_side=explain)


def _outline_finding(
    o: Outcome[Segmentation], r: Segmentation, image_id: str, model: Hashable | None = None
) -> Finding:
    """One hospital's outline as the transcript records it: plain words and the measures."""
    area = size_words(r.get("area_cm2"), r.get("brain_share"))
    side = side_words(r["side"], False)
    answer = (
        ", ".join(w for w in ("lesion outlined", side, area) if w)
        if r["lesion_area_px"]
        else "no lesion outlined"
    )
    detail: dict[str, object] = {
        "lesion_area_px": r["lesion_area_px"],
        "lesion_fraction": r["lesion_fraction"],
        "area_cm2": r.get("area_cm2"),
        "brain_share": r.get("brain_share"),
        "components": r["components"],
        "side": r["side"],
    }
    if isinstance(model, str):  # the model file's sha256 (capabilities.model_key)
        detail[DETAIL_MODEL_SHA256] = model
    return finding(o, image_id, "segment", answer, r["lesion_fraction"], r["model_version"], detail)


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
        if not image.get("image_id") or not image.get("token"):
            dispatcher.utter_message(text=texts.NEED_IMAGE)
            return []
        hip_images = {str(k): str(v) for k, v in slot_dict(tracker, HIP_IMAGES).items()}
        async with Sessions() as net:
            hub = HubClient(net.plain, cfg)
            try:
                hospitals = await nearby_hospitals(
                    hub, image.get("lat", cfg.default_lat), image.get("lon", cfg.default_lon)
                )
            except ServiceError:
                dispatcher.utter_message(text=texts.SERVICE_DOWN)
                return []
            targets = self._targets(hospitals, image, hip_images)
            if not targets:
                self.none_offer(dispatcher, topic_phrase(image.get("topic")))
                return []
            source = _ImageSource(hub, image)

            async def call(h: NearbyHospital) -> R:
                hip = HipClient(net, h, cfg.hip_timeout_s)
                return await _with_hip_image(
                    hip,
                    str(h["id"]),
                    hip_images,
                    source,
                    lambda hip_image_id: self.op(hip, hip_image_id, tracker),
                )

            outcomes = await fan_out(targets, call, cfg.hip_timeout_s)
            events = await self.report(dispatcher, tracker, hub, net, image, outcomes)
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
        net: Sessions,
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
        net: Sessions,
        image: dict[str, Any],
        outcomes: list[Outcome[Segmentation]],
    ) -> list[EventType]:
        outlines = await summarize_outlines(
            hub, str(image.get("image_id")), outcomes, sender=tracker.sender_id
        )
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
