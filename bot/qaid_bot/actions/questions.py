"""Questions about the current image, answered only where a hospital's model was trained for them.

The patient's words never reach a VQA model: ``question_types`` maps them to the question types the
nearby hospitals' bundles declare (``GET /v1/capabilities``: ``question_types``, id + canonical
question) and each hospital is asked the canonical question of each type it declares. A question
no model was trained for (a fracture, bleeding, treatment...) or one the bot does not understand
gets an honest answer naming what the models can tell instead, and no HIP is asked. Because only
canonical questions are sent, a long message never meets the HIP's question limit.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from qaid_contracts.hip import VqaAnswer
from qaid_contracts.limits import MAX_QUESTION_CHARS
from qaid_contracts.transcript import DETAIL_MODEL_SHA256

from ..clients import HipClient, HubClient, Outcome, ServiceError
from ..egress import Sessions
from ..nlu.question_offers import FALLBACK_TYPES, what_i_can_tell
from ..nlu.question_types import Understood, learnt_type, understand
from ..settings import settings
from . import capabilities, texts
from . import consensus as cs
from .common import (
    CONSENSUS,
    FINDINGS,
    IMAGE,
    finding,
    missing_note,
    nearby_hospitals,
    slot_dict,
    slot_list,
    sources_of,
    split_outcomes,
)
from .consensus import join_and
from .follow_up import FollowUp
from .message_parts import image_reference, other_parts


def declared_types(capabilities: dict[str, Any]) -> dict[str, str]:
    """type id -> canonical question, from a HIP's capabilities; the demo VQA's types when the
    bundle declares none (a HIP from before bundles declared them)."""
    raw = capabilities.get("question_types")
    if not isinstance(raw, list):
        return dict(FALLBACK_TYPES)
    out = {}
    for t in raw:
        if isinstance(t, dict) and t.get("id") and t.get("question"):
            question = str(t["question"])
            if len(question) <= MAX_QUESTION_CHARS:
                out[str(t["id"])] = question
    return out


async def question_types(hip: HipClient) -> dict[str, str]:
    """The question types this HIP's VQA was trained for (its capabilities, cached a minute)."""
    return declared_types(dict(await capabilities.of(hip)))


def cannot_answer(understood: Understood, offered: list[str]) -> str:
    """The honest reply to a question no model here was trained for (or one not understood)."""
    can = what_i_can_tell(offered)
    if understood.unknown:
        head = "I'm not sure what you would like to know about the image, so I won't guess."
    else:
        head = (
            f"The hospitals' models can't tell {join_and(list(understood.cannot))}: they were not "
            "trained for that, so I won't guess."
        )
    offer = f" About this image I can check {can}." if can else ""
    return f"{head}{offer} {texts.DOCTOR_FOR_THE_REST}"


Asked = dict[str, tuple[str, VqaAnswer]]  # type id -> (the canonical question sent, the answer)


class ActionAnswerQuestion(FollowUp[Asked]):
    task = "vqa"

    def name(self) -> str:
        return "action_answer_question"

    @staticmethod
    def text(tracker: Tracker) -> str:
        return str((tracker.latest_message or {}).get("text") or "").strip()

    @classmethod
    def understood(cls, tracker: Tracker, offered: list[str] | None = None) -> Understood:
        """The latest message's question types: the rules', else the NLU's learnt one."""
        latest = tracker.latest_message or {}
        return understand(cls.text(tracker), offered=offered, learnt=learnt_type(latest))

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        parts = other_parts(tracker)
        image = slot_dict(tracker, IMAGE)
        if not image.get("image_id"):
            dispatcher.utter_message(text=" ".join(p for p in (parts.text, texts.NEED_IMAGE) if p))
            return parts.events
        offered = await self._offered(image)
        understood = self.understood(tracker, offered or None)
        if not understood.types:
            reply = cannot_answer(understood, offered)
            dispatcher.utter_message(
                text=" ".join(p for p in (parts.text, image_reference(tracker), reply) if p)
            )
            return parts.events
        if parts.lines:
            dispatcher.utter_message(text=parts.text)
        return [*parts.events, *await super().run(dispatcher, tracker, domain)]

    async def _offered(self, image: dict[str, Any]) -> list[str]:
        """The question types the nearby hospitals that answer questions about this image declare."""
        cfg = settings()
        async with Sessions() as net:
            try:
                hospitals = await nearby_hospitals(
                    HubClient(net.plain, cfg),
                    image.get("lat", cfg.default_lat),
                    image.get("lon", cfg.default_lon),
                )
            except ServiceError:
                return []
            offered: list[str] = []
            for h in self._targets(hospitals, image, {}):
                try:
                    types = await question_types(HipClient(net, h, cfg.hip_timeout_s))
                except ServiceError:
                    continue
                offered += [t for t in types if t not in offered]
        return offered

    async def op(self, hip: HipClient, hip_image_id: str, tracker: Tracker) -> Asked:
        """Each understood type this hospital declares, asked with its canonical question."""
        types = await question_types(hip)
        asked = self.understood(tracker, list(types)).types
        return {t: (types[t], await hip.vqa(hip_image_id, types[t])) for t in asked}

    def none_offer(self, dispatcher: CollectingDispatcher, what: str) -> None:
        dispatcher.utter_message(
            text=f"None of the nearby hospitals can answer questions about {what} images, sorry."
        )

    async def report(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        hub: HubClient,
        net: Sessions,
        image: dict[str, Any],
        outcomes: list[Outcome[Asked]],
    ) -> list[EventType]:
        ok, _, _ = split_outcomes(outcomes)
        understood = self.understood(tracker)
        caps = await capabilities.for_hospitals(
            ((o.hospital, HipClient(net, o.hospital, hub.cfg.hip_timeout_s), None) for o in ok),
            hub.cfg.hip_timeout_s,
        )
        lines, findings, rows = [], [], []
        for type_id in understood.types:
            answered = [(o, *o.value[type_id]) for o in ok if o.value and type_id in o.value]
            # answers of one model file (the same sha256 at several hospitals) are one opinion
            keys = [
                capabilities.model_key(caps.get(str(o.hospital["id"])), "vqa", a["topic"])
                for o, _, a in answered
            ]
            vote = cs.aggregate_answers((a for _, _, a in answered), keys)
            if vote is None:
                continue
            question = answered[0][1]
            said = question[:1].upper() + question[1:]
            head = f"{said} The hospitals disagree." if vote.tied else f"{said} Answer: {vote.value}."
            lines.append(f"{head} {cs.describe_answer_vote(vote)}")
            answer = "disagreement" if vote.tied else str(vote.value)
            rows.append(cs.record("vqa", question, answer, vote.agree, vote.total))
            findings += [
                self._finding(o, a, str(image.get("image_id")), q, key)
                for (o, q, a), key in zip(answered, keys, strict=True)
            ]
        if not lines:
            reason = "None of the hospitals could answer that question right now."
            if ok:  # they answered, but none declares the types asked
                reason = "None of the nearby hospitals' models was trained to answer that question."
            dispatcher.utter_message(text=" ".join(p for p in (reason, missing_note(outcomes)) if p))
            return []
        versions = sources_of(ok, lambda r: next(iter(r.values()))[1]["model_version"] if r else None)
        tail = [
            cannot_answer(Understood((), understood.cannot), []) if understood.cannot else "",
            missing_note(outcomes),
            cs.not_a_diagnosis(len(ok), versions),
        ]
        dispatcher.utter_message(text=" ".join(p for p in (image_reference(tracker), *lines, *tail) if p))
        return [
            SlotSet(FINDINGS, slot_list(tracker, FINDINGS) + findings),
            SlotSet(CONSENSUS, slot_list(tracker, CONSENSUS) + rows),
        ]

    @staticmethod
    def _finding(o: Outcome[Any], r: VqaAnswer, image_id: str, question: str, model: Hashable | None) -> Any:
        detail: dict[str, object] = {
            "answer_type": r["answer_type"],
            "topic": r["topic"],
            "bundle_version": r["bundle_version"],
        }
        if isinstance(model, str):  # the model file's sha256: the inbox and PDF count it as one opinion
            detail[DETAIL_MODEL_SHA256] = model
        return finding(
            o, image_id, "vqa", r["answer"], r["confidence"], r["model_version"], detail, question=question
        )
