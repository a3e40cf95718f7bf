"""A fake HIP for the bot's action tests, and the demo network's three of them.

Each is a small local aiohttp server speaking the documented HIP API (docs/api.md), so the actions'
real HTTP code runs: timeouts, error shapes, parallel fan-out; its answers are contract-checked
(``fake_replies``). A test sets its fields to change what it answers and reads them to see what
it was asked.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from conversation_image import PNG
from fake_replies import fail, reply

from qaid_contracts import errors
from qaid_contracts.hip import (
    Analysis,
    Anomaly,
    AnomalySource,
    BodyPart,
    Capabilities,
    Check,
    DataProvenance,
    ImageCreated,
    Kind,
    Label,
    Medical,
    ModelInfo,
    QuestionTypeInfo,
    Segmentation,
    VqaAnswer,
)
from qaid_contracts.vocabulary import Side


@dataclass
class FakeHip:
    """One hospital's HIP. ``mode``: ok | hang | error500 | error422 (vqa refused) | forget (404 on the
    first vqa). ``question_types``: what its capabilities declare (None: nothing, as older HIPs)."""

    id: str
    name: str
    offers: dict[str, list[str]]
    mode: str = "ok"
    medical: bool = True
    topic: str = "brain_mri"
    abnormal: bool | None = True
    side: Side | None = "left"
    answer: str = "yes"
    lesion_px: int = 1234
    uploads: int = 0
    calls: list[str] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)
    images: set[str] = field(default_factory=set)
    url: str = ""
    forgot: bool = False
    segment_delay: float = 0.0
    held: int = 0  # requests it answered late (mode "hang", segment_delay) ...
    held_to_the_end: int = 0  # ... and of those, the ones a client waited out
    question_types: list[dict[str, str]] | None = None  # id + question; the rest filled in
    verdict: str | None = None  # the calibrated medical verdict; None: from ``medical``
    part_status: str = "known"  # the body part: known | other | unsure
    model_sha: str = ""  # the sha256 of its model files ("" -> one of its own)
    provenance: DataProvenance = "real"
    backbone: str | None = None  # the pretrained network its image checks share with others, if any
    brain_share: float | None = 0.02
    area_cm2: float | None = None
    check_skipped: str | None = None  # why its anomaly check did not run on this kind of image

    def analysis(self, image_id: str) -> Analysis:
        """Its /analyze answer, as hip_service builds one (abstentions included)."""
        verdict: Any = self.verdict or ("yes" if self.medical else "no")
        known = verdict == "yes" and self.part_status == "known"
        tasks = [t for t, topics in self.offers.items() if self.topic in topics] if known else []
        anomaly = check = None
        if self.abnormal is not None and known and not self.check_skipped:
            anomaly = Anomaly(
                abnormal=self.abnormal,
                confidence=0.8,
                side=self.side,
                description="d",
                source=AnomalySource(task="vqa", model="vqa", version="vqa-1"),
                area_cm2=self.area_cm2,
                brain_share=self.brain_share,
            )
        if self.check_skipped and known:
            check = Check(task="segmentation", ran=False, reason=self.check_skipped)
        part = self.topic.split("_")[0]
        unsure_part = self.part_status == "unsure"
        status: Any = self.part_status if verdict == "yes" else "not_medical"
        return Analysis(
            image_id=image_id,
            medical=Medical(
                is_medical=verdict == "yes",
                confidence=0.97,
                verdict=verdict,
                reason="unlike the images the models were trained on" if verdict == "unsure" else None,
            ),
            label=Label(name=part, confidence=0.9, topic=self.topic) if known else None,
            tasks=tasks,
            anomaly=anomaly,
            model_versions={"labeler": "1.0"},
            bundle_version=f"{self.id}-b1",
            body_part=BodyPart(
                name=part if known else None,
                confidence=0.9,
                status=status,
                reason="the models are not sure which body part this is" if unsure_part else None,
            ),
            kind=Kind(
                modality="mri", modality_confidence=0.9, orientation="axial", orientation_confidence=0.9
            ),
            out_of_distribution=verdict == "unsure",
            anomaly_check=check,
        )

    def _declared(self) -> list[QuestionTypeInfo] | None:
        """The declared question types in the contract's shape (None: an older HIP's bundle)."""
        if self.question_types is None:
            return None
        return [
            QuestionTypeInfo(id=t["id"], question=t["question"], answer_type="closed", answers=["yes", "no"],
                             topics=self.offers.get("vqa", []))
            for t in self.question_types
        ]  # fmt: skip

    async def _hold(self, seconds: float) -> None:
        """Answer late, counting: a held request the client gave up on (its deadline worked) is
        cancelled or answered into a closed connection, never waited out, whatever the machine's
        speed."""
        self.held += 1
        await asyncio.sleep(seconds)
        self.held_to_the_end += 1

    def app(self) -> web.Application:
        app = web.Application()

        async def gate(request: web.Request) -> None:
            self.auth.append(request.headers.get("Authorization", ""))
            if self.mode == "hang":
                await self._hold(30)
            if self.mode == "error500":
                raise fail(500, errors.INTERNAL_ERROR)

        def known(image_id: str) -> None:
            if image_id not in self.images:
                raise fail(404, errors.IMAGE_NOT_FOUND, "unknown")

        def not_offered(task: str) -> None:
            if self.topic not in self.offers.get(task, []):
                raise fail(409, errors.TASK_NOT_OFFERED, "no")

        async def upload(request: web.Request) -> web.Response:
            await gate(request)
            await request.read()
            self.uploads += 1
            image_id = f"{self.id}-img{self.uploads}"
            self.images.add(image_id)
            created = ImageCreated(image_id=image_id, sha256="0" * 64, width=1, height=1, format="png")
            return reply("hip.ImageCreated", created, status=201)

        async def analyze(request: web.Request) -> web.Response:
            await gate(request)
            known(request.match_info["id"])
            self.calls.append("analyze")
            return reply("hip.Analysis", self.analysis(request.match_info["id"]))

        async def capabilities(request: web.Request) -> web.Response:
            await gate(request)
            self.calls.append("capabilities")
            sha = self.model_sha or f"{self.id}-own-model"
            models = [
                ModelInfo(name=task, task=task, version="1", topics=["brain_mri", "chest_xray"], labels=[],
                          file=f"{task}.onnx", sha256=f"{sha}-{task}", trained_on=None,
                          backbone=self.backbone if task in ("filter", "labeler") else None)
                for task in ("filter", "labeler", "vqa", "segmentation")
            ]  # fmt: skip
            caps = Capabilities(
                hip_id=self.id,
                hip_name=self.name,
                bundle_version=f"{self.id}-b1",
                models=models,
                labels=["brain", "chest"],
                offers=self.offers,
                label_topics={"brain": "brain_mri", "chest": "chest_xray"},
                data_provenance=self.provenance,
                question_types=self._declared(),
            )
            return reply("hip.Capabilities", dict(caps))

        async def vqa(request: web.Request) -> web.Response:
            await gate(request)
            if self.mode == "error422":
                raise fail(422, errors.INVALID_REQUEST, "question: too long")
            if self.mode == "forget" and not self.forgot:
                self.forgot = True
                self.images.clear()
            known(request.match_info["id"])
            not_offered("vqa")
            q = (await request.json())["question"]
            self.calls.append(f"vqa:{q}")
            answer = VqaAnswer(
                answer=self.answer,
                confidence=0.9,
                answer_type="closed",
                topic=self.topic,
                model_version="vqa-1",
                bundle_version="b1",
            )
            return reply("hip.VqaAnswer", answer)

        async def segment(request: web.Request) -> web.Response:
            await gate(request)
            known(request.match_info["id"])
            not_offered("segmentation")
            self.calls.append("segment")
            if self.segment_delay:
                await self._hold(self.segment_delay)
            b64 = base64.b64encode(PNG).decode()
            seg = Segmentation(
                mask_png_b64=b64,
                overlay_png_b64=b64,
                lesion_area_px=self.lesion_px,
                lesion_fraction=0.01,
                components=1 if self.lesion_px else 0,
                side=self.side,
                model_version="seg-1",
                bundle_version="b1",
                area_cm2=self.area_cm2,
                brain_share=self.brain_share,
                description="d",
            )
            return reply("hip.Segmentation", seg)

        app.router.add_post("/v1/images", upload)
        app.router.add_post("/v1/images/{id}/analyze", analyze)
        app.router.add_post("/v1/images/{id}/vqa", vqa)
        app.router.add_get("/v1/capabilities", capabilities)
        app.router.add_post("/v1/images/{id}/segment", segment)
        return app


def demo_hips() -> list[FakeHip]:
    """The demo network's split: brain MRI VQA at two hospitals, segmentation at one."""
    return [
        FakeHip("herastrau", "Herastrau Demo Hospital", {"vqa": ["brain_mri"], "segmentation": []}),
        FakeHip(
            "cismigiu",
            "Cismigiu Demo Hospital",
            {"vqa": ["brain_mri", "chest_xray"], "segmentation": ["brain_mri"]},
        ),
        FakeHip("titan", "Titan Demo Hospital", {"vqa": ["chest_xray"], "segmentation": []}, abnormal=None),
    ]
