"""Fakes of the hub and HIP services and tracker helpers for the bot's action tests.

The hub and the HIP services are small local aiohttp servers speaking the documented API
(docs/api.md), so the actions' real HTTP code runs: timeouts, error shapes, parallel fan-out.
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

# A 1x1 PNG: the bytes only need to round-trip.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@dataclass
class FakeHip:
    """One hospital's HIP. ``mode``: ok | hang | error500 | forget (404 on the first vqa)."""

    id: str
    name: str
    offers: dict[str, list[str]]
    mode: str = "ok"
    medical: bool = True
    topic: str = "brain_mri"
    abnormal: bool | None = True
    side: str | None = "left"
    answer: str = "yes"
    lesion_px: int = 1234
    uploads: int = 0
    calls: list[str] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)
    images: set[str] = field(default_factory=set)
    url: str = ""
    forgot: bool = False
    segment_delay: float = 0.0

    def app(self) -> web.Application:
        app = web.Application()

        async def gate(request: web.Request) -> None:
            self.auth.append(request.headers.get("Authorization", ""))
            if self.mode == "hang":
                await asyncio.sleep(30)
            if self.mode == "error500":
                raise web.HTTPInternalServerError(text='{"error": {"code": "internal"}}')

        def known(image_id: str) -> None:
            if image_id not in self.images:
                raise web.HTTPNotFound(
                    text='{"error": {"code": "image_not_found", "message": "unknown"}}',
                    content_type="application/json",
                )

        def not_offered(task: str) -> None:
            if self.topic not in self.offers.get(task, []):
                raise web.HTTPConflict(
                    text='{"error": {"code": "task_not_offered", "message": "no"}}',
                    content_type="application/json",
                )

        async def upload(request: web.Request) -> web.Response:
            await gate(request)
            await request.read()
            self.uploads += 1
            image_id = f"{self.id}-img{self.uploads}"
            self.images.add(image_id)
            return web.json_response(
                {"image_id": image_id, "sha256": "x", "width": 1, "height": 1, "format": "png"}, status=201
            )

        async def analyze(request: web.Request) -> web.Response:
            await gate(request)
            known(request.match_info["id"])
            self.calls.append("analyze")
            tasks = [t for t, topics in self.offers.items() if self.topic in topics]
            return web.json_response(
                {
                    "image_id": request.match_info["id"],
                    "medical": {"is_medical": self.medical, "confidence": 0.97},
                    "label": {"name": self.topic.split("_")[0], "confidence": 0.9, "topic": self.topic}
                    if self.medical
                    else None,
                    "tasks": tasks,
                    "anomaly": None
                    if self.abnormal is None or not self.medical
                    else {
                        "abnormal": self.abnormal,
                        "confidence": 0.8,
                        "side": self.side,
                        "description": "d",
                        "source": "vqa",
                    },
                    "model_versions": {"labeler": "1.0"},
                    "bundle_version": f"{self.id}-b1",
                }
            )

        async def vqa(request: web.Request) -> web.Response:
            await gate(request)
            if self.mode == "forget" and not self.forgot:
                self.forgot = True
                self.images.clear()
            known(request.match_info["id"])
            not_offered("vqa")
            q = (await request.json())["question"]
            self.calls.append(f"vqa:{q}")
            return web.json_response(
                {
                    "answer": self.answer,
                    "confidence": 0.9,
                    "answer_type": "closed",
                    "topic": self.topic,
                    "model_version": "vqa-1",
                    "bundle_version": "b1",
                }
            )

        async def segment(request: web.Request) -> web.Response:
            await gate(request)
            known(request.match_info["id"])
            not_offered("segmentation")
            self.calls.append("segment")
            await asyncio.sleep(self.segment_delay)
            b64 = base64.b64encode(PNG).decode()
            return web.json_response(
                {
                    "mask_png_b64": b64,
                    "overlay_png_b64": b64,
                    "lesion_area_px": self.lesion_px,
                    "lesion_fraction": 0.01,
                    "components": 1 if self.lesion_px else 0,
                    "side": self.side,
                    "model_version": "seg-1",
                }
            )

        app.router.add_post("/v1/images", upload)
        app.router.add_post("/v1/images/{id}/analyze", analyze)
        app.router.add_post("/v1/images/{id}/vqa", vqa)
        app.router.add_post("/v1/images/{id}/segment", segment)
        return app


@dataclass
class FakeHub:
    hips: list[FakeHip]
    token: str = "svc-token"
    transcripts: list[dict[str, Any]] = field(default_factory=list)
    stored_images: list[bytes] = field(default_factory=list)
    nearby_calls: list[dict[str, str]] = field(default_factory=list)
    down_hips: list[dict[str, Any]] = field(default_factory=list)
    transcript_status: int = 201
    # what the directory claims a hospital offers, when it differs from its HIP
    directory_offers: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()

        def service(request: web.Request) -> None:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                raise web.HTTPUnauthorized(text='{"error": {"code": "unauthorized"}}')

        async def nearby(request: web.Request) -> web.Response:
            service(request)
            self.nearby_calls.append(dict(request.query))
            rows = [
                {
                    "id": h.id,
                    "name": h.name,
                    "distance_km": 1.5 + i,
                    "hip_url": h.url,
                    "hip_token": f"tok-{h.id}",
                    "offers": self.directory_offers.get(h.id, h.offers),
                }
                for i, h in enumerate(self.hips)
            ]
            return web.json_response({"hospitals": rows + self.down_hips})

        async def image(request: web.Request) -> web.Response:
            if request.query.get("token") != "t0k":
                raise web.HTTPForbidden(text='{"error": {"code": "bad_token"}}')
            return web.Response(body=PNG, content_type="image/png")

        async def store(request: web.Request) -> web.Response:
            self.stored_images.append(await request.read())
            n = len(self.stored_images)
            return web.json_response(
                {"image_id": f"ov{n}", "token": "t", "url": f"/api/v1/images/ov{n}?token=t"}, status=201
            )

        async def transcript(request: web.Request) -> web.Response:
            service(request)
            body = await request.json()
            if self.transcript_status >= 400:
                return web.json_response({"error": {"code": "down"}}, status=self.transcript_status)
            self.transcripts.append(body)
            return web.json_response({"id": "tr1"}, status=201)

        app.router.add_get("/api/v1/hospitals/nearby", nearby)
        app.router.add_get("/api/v1/images/{id}", image)
        app.router.add_post("/api/v1/images", store)
        app.router.add_post("/api/v1/transcripts", transcript)
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


class Network:
    def __init__(self, hips: list[FakeHip]) -> None:
        self.hips = hips
        self.hub = FakeHub(hips)
        self.servers: list[TestServer] = []

    async def start(self) -> Network:
        for h in self.hips:
            s = TestServer(h.app())
            await s.start_server()
            h.url = str(s.make_url("")).rstrip("/")
            self.servers.append(s)
        s = TestServer(self.hub.app())
        await s.start_server()
        self.hub.url = str(s.make_url("")).rstrip("/")
        self.servers.append(s)
        return self

    async def close(self) -> None:
        for s in self.servers:
            await s.close()

    def hip(self, hospital_id: str) -> FakeHip:
        return next(h for h in self.hips if h.id == hospital_id)


def image_metadata(hub_url: str = "", image_id: str = "img-1") -> dict[str, Any]:
    return {
        "image": {
            "image_id": image_id,
            "token": "t0k",
            "url": f"{hub_url}/api/v1/images/{image_id}?token=t0k",
        }
    }


def make_tracker(
    text: str = "",
    intent: str | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: dict[str, Any] | None = None,
    sender_id: str = "conv-1",
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entities or [],
        "metadata": metadata or {},
    }
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
