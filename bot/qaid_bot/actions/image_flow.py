"""The image conversation's first step: analyse a shared image at the nearby hospitals — is it
medical, what does it show, is anything abnormal — and, where a nearby hospital offers segmentation
for that kind of image, show its lesion outline. Every answer says how many hospitals agree and "not a
diagnosis". Questions and outlines asked later are in ``follow_up``.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from qaid_contracts.hip import Analysis, Segmentation
from qaid_contracts.hub import NearbyHospital
from qaid_contracts.transcript import Consensus, Finding, ImageRef

from ..clients import HipClient, HubClient, Outcome, ServiceError, fan_out, settle
from ..settings import BotSettings, settings
from . import consensus as cs
from . import texts
from .common import (
    CONSENSUS,
    FINDINGS,
    HIP_IMAGES,
    IMAGE,
    IMAGES,
    finding,
    hospital_name,
    location,
    metadata,
    missing_note,
    nearby_hospitals,
    now_iso,
    slot_list,
    sources_of,
    split_outcomes,
)
from .follow_up import Outlines, summarize_outlines

# What one HIP answered for the image: its own id for it (hip_image_id) and its analysis.
HipAnalysis = tuple[str, Analysis]


class ActionAnalyzeImage(Action):
    def name(self) -> str:
        return "action_analyze_image"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        cfg = settings()
        image = metadata(tracker).get("image")
        if not isinstance(image, dict) or not image.get("url"):
            dispatcher.utter_message(text=texts.ATTACH_IMAGE)
            return []
        async with aiohttp.ClientSession() as session:
            return await self._analyze(dispatcher, tracker, cfg, HubClient(session, cfg), session, image)

    async def _analyze(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        cfg: BotSettings,
        hub: HubClient,
        session: aiohttp.ClientSession,
        image: dict[str, Any],
    ) -> list[EventType]:
        geo = location(tracker, cfg)
        try:
            data, hospitals = await asyncio.gather(
                hub.fetch_image(image["url"]), nearby_hospitals(hub, geo["lat"], geo["lon"])
            )
        except ServiceError:
            dispatcher.utter_message(text=texts.SERVICE_DOWN)
            return []
        image_id = str(image.get("image_id") or "")
        ref = ImageRef(image_id=image_id, sha256=hashlib.sha256(data).hexdigest())
        events: list[EventType] = [SlotSet(IMAGES, slot_list(tracker, IMAGES) + [ref])]
        if not hospitals:
            dispatcher.utter_message(
                text=f"I received your image, but there is no Q&Aid hospital within "
                f"{cfg.nearby_radius_km:g} km of {geo.get('name') or 'your location'}. "
                "You can tell me another city to look near."
            )
            return events

        # A hospital that offers segmentation for the topic its own labeler found starts outlining
        # as soon as its analysis is back, while the other hospitals are still analysing.
        outlining: dict[str, asyncio.Future[Outcome[Segmentation]]] = {}

        async def call(h: NearbyHospital) -> HipAnalysis:
            hip = HipClient(session, h, cfg.hip_timeout_s)
            hip_image_id = await hip.upload(data)
            res = await hip.analyze(hip_image_id)
            label = res["label"]
            if label and cs.offers_topic(h, label["topic"], "segmentation"):
                outlining[str(h["id"])] = asyncio.ensure_future(
                    settle(h, hip.segment(hip_image_id), cfg.hip_timeout_s)
                )
            return hip_image_id, res

        try:
            outcomes = await fan_out(hospitals, call, cfg.hip_timeout_s)
            ok, _, _ = split_outcomes(outcomes)
            verdict = cs.aggregate_analyses(o.value[1] for o in ok if o.value) if ok else None
            outlines = await self._outlines(hub, image_id, verdict, ok, outlining)
        finally:
            for job in outlining.values():
                job.cancel()
        if verdict is None:
            dispatcher.utter_message(
                text=f"I couldn't reach any of the {len(hospitals)} nearby hospitals right now. "
                "Please try sending the image again in a minute."
            )
            return events
        sources = sources_of(ok, lambda value: value[1]["bundle_version"])
        text, consensus = self._describe(
            verdict, hospitals, missing_note(outcomes), outlined=outlines is not None, sources=sources
        )
        dispatcher.utter_message(text=text)
        if outlines is not None:
            outlines.send(dispatcher)

        findings = [self._finding(o, image_id) for o in ok]
        if outlines is not None:
            findings += outlines.findings
            consensus.append(outlines.consensus)
        events += [
            SlotSet(FINDINGS, slot_list(tracker, FINDINGS) + findings),
            SlotSet(CONSENSUS, slot_list(tracker, CONSENSUS) + consensus),
        ]
        if verdict.is_medical:
            events += [
                SlotSet(
                    IMAGE,
                    {
                        **{k: image.get(k) for k in ("image_id", "token", "url")},
                        "topic": verdict.topic,
                        "at": now_iso(),  # a later follow-up names the image by when it was sent
                        "lat": geo["lat"],
                        "lon": geo["lon"],
                        # who can work with this kind of image: the default consent list
                        "able": [
                            {"id": str(h["id"]), "name": hospital_name(h)}
                            for h in hospitals
                            if cs.offers_topic(h, verdict.topic)
                        ],
                    },
                ),
                SlotSet(HIP_IMAGES, {str(o.hospital["id"]): o.value[0] for o in ok if o.value}),
            ]
        return events

    @staticmethod
    def _finding(o: Outcome[HipAnalysis], image_id: str) -> Finding:
        """What one hospital's analysis said, as the transcript records it."""
        assert o.value is not None  # only answered outcomes are recorded
        res = o.value[1]
        label, anomaly = res["label"], res["anomaly"]
        answer = cs.topic_phrase(label["topic"], label["name"]) if label else "unlabelled"
        if not res["medical"]["is_medical"]:
            answer = "not a medical image"
        elif anomaly is not None:
            answer += "; possible abnormality" if anomaly["abnormal"] else "; nothing abnormal"
        confidence = label["confidence"] if label else res["medical"]["confidence"]
        detail: dict[str, object] = {
            "medical": res["medical"],
            "label": label,
            "anomaly": anomaly,
            "tasks": res["tasks"],
            "model_versions": res["model_versions"],
        }
        return finding(o, image_id, "analyze", answer, confidence, res["bundle_version"], detail)

    @staticmethod
    async def _outlines(
        hub: HubClient,
        image_id: str,
        verdict: cs.ImageVerdict | None,
        ok: list[Outcome[HipAnalysis]],
        outlining: dict[str, asyncio.Future[Outcome[Segmentation]]],
    ) -> Outlines | None:
        """The outlines of the hospitals whose labeler agrees with the consensus topic (nearest
        first); None when the image is not medical or no such hospital offers segmentation."""
        if verdict is None or not verdict.is_medical or not verdict.topic:
            return None
        jobs = [
            outlining[hospital_id]
            for o in ok
            if (hospital_id := str(o.hospital["id"])) in outlining
            and o.value is not None
            and (label := o.value[1]["label"]) is not None
            and label["topic"] == verdict.topic
        ]
        if not jobs:
            return None
        return await summarize_outlines(hub, image_id, list(await asyncio.gather(*jobs)))

    @staticmethod
    def _describe(
        v: cs.ImageVerdict,
        hospitals: list[NearbyHospital],
        missing: str,
        outlined: bool = False,
        sources: list[tuple[str, str | None]] | None = None,
    ) -> tuple[str, list[Consensus]]:
        consensus: list[Consensus] = []
        if v.medical is not None:
            answer = "yes" if v.medical.value else "no"
            consensus.append(
                cs.record("analyze", "Is this a medical image?", answer, v.medical.agree, v.medical.total)
            )
        if not v.is_medical:
            agree = v.medical.agree if v.medical else 0
            total = v.medical.total if v.medical else 0
            parts = [
                f"This doesn't look like a medical image to me ({agree} of {total} hospitals' "
                "checks agree), so I can't analyse it. I can help with medical scans such as an "
                "MRI, a CT scan or an X-ray.",
                missing,
            ]
            return " ".join(p for p in parts if p), consensus

        topic = v.topic
        what = cs.topic_phrase(topic)
        parts = []
        if v.label is not None:
            parts.append(
                f"This looks like a medical image: a {what} "
                f"({v.label.agree} of {v.label.total} hospitals agree)."
            )
            consensus.append(
                cs.record("analyze", "What does the image show?", what, v.label.agree, v.label.total)
            )
        else:
            parts.append(
                "This looks like a medical image, but the hospitals' models could not tell "
                "which body part it shows."
            )
        able = [h for h in hospitals if cs.offers_topic(h, topic)]
        if able:
            parts.append(f"{len(able)} of {len(hospitals)} nearby hospitals can analyse {what} images.")
        elif v.label is not None:
            parts.append(
                f"Unfortunately none of the {len(hospitals)} nearby hospitals can analyse "
                f"{what} images yet, so I can't answer questions about this one."
            )
        if v.anomaly is not None:
            a = v.anomaly
            if a.tied:
                yes = dict(a.split).get(True, 0)
                parts.append(
                    f"Anomaly check: the hospitals disagree ({yes} of {a.total} flag a possible abnormality)."
                )
            elif a.value:
                side = f" on the {v.anomaly_side} side" if v.anomaly_side else ""
                parts.append(
                    f"Anomaly check: the models of {a.agree} of {cs.plural(a.total, 'hospital')} "
                    f"flag a possible abnormality{side}."
                )
            else:
                parts.append(
                    f"Anomaly check: the models of {a.agree} of {cs.plural(a.total, 'hospital')} "
                    "found nothing abnormal."
                )
            answer = "possible abnormality" if a.value else "nothing abnormal"
            consensus.append(cs.record("analyze", "Is anything abnormal?", answer, a.agree, a.total))
        if able:
            seg = not outlined and any(cs.offers_topic(h, topic, "segmentation") for h in able)
            parts.append(
                'You can ask me questions about it, e.g. "is there a lesion?"'
                + (", or ask me to outline the lesion." if seg else ".")
            )
        parts.append(missing)
        parts.append(cs.not_a_diagnosis(v.responders, sources))
        return " ".join(p for p in parts if p), consensus
