"""A fake hub for the bot's action tests, and the network of it and the fake HIPs it lists.

The hub is a small local aiohttp server speaking the documented hub API (docs/api.md), so the
actions' real HTTP code runs; its answers are contract-checked (``fake_replies``), and so is every
transcript the bot sends it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from conversation_image import PNG, image_ref
from fake_hip import FakeHip
from fake_replies import fail, reply
from utils.contract import check

from qaid_contracts import binding, errors
from qaid_contracts.errors import ErrorDetail, ErrorResponse
from qaid_contracts.hub import DeliveryBrief, NearbyHospital, NearbyHospitals, StoredImage, TranscriptReceipt


@dataclass
class FakeHub:
    hips: list[FakeHip]
    token: str = "svc-token"
    transcripts: list[dict[str, Any]] = field(default_factory=list)
    senders: list[str | None] = field(default_factory=list)
    # doctors' replies by id (replies.PatientReply), and the answers the bot posted
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: list[dict[str, Any]] = field(default_factory=list)
    stored_images: list[bytes] = field(default_factory=list)
    nearby_calls: list[dict[str, str]] = field(default_factory=list)
    down_hips: list[NearbyHospital] = field(default_factory=list)
    # hospitals whose HIP the directory holds to public addresses (they registered it themselves)
    public_only: set[str] = field(default_factory=set)
    transcript_status: int = 201
    # what the directory claims a hospital offers, when it differs from its HIP
    directory_offers: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    url: str = ""
    # what GET /api/v1/images/{id} answers (a test swaps it for other bytes), and the ids asked for
    image_bytes: bytes = PNG
    image_fetches: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()

        def service(request: web.Request) -> None:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                raise fail(401, errors.UNAUTHORIZED)

        async def nearby(request: web.Request) -> web.Response:
            service(request)
            self.nearby_calls.append(dict(request.query))
            rows = [
                NearbyHospital(
                    id=h.id,
                    name=h.name,
                    lat=44.43,
                    lon=26.10,
                    offers=self.directory_offers.get(h.id, h.offers),
                    distance_km=1.5 + i,
                    hip_url=h.url,
                    hip_token=f"tok-{h.id}",
                    hip_public_only=h.id in self.public_only,
                )
                for i, h in enumerate(self.hips)
            ]
            return reply("hub.NearbyHospitals", NearbyHospitals(hospitals=rows + self.down_hips))

        async def image(request: web.Request) -> web.Response:
            if request.query.get("token") != "t0k":
                raise fail(403, errors.INVALID_IMAGE_TOKEN)
            self.image_fetches.append(request.match_info["id"])
            return web.Response(body=self.image_bytes, content_type="image/png")

        async def store(request: web.Request) -> web.Response:
            data = await request.read()
            self.stored_images.append(data)
            digest = hashlib.sha256(data).hexdigest()
            image_id = "img_" + digest[:32]
            # as the hub: bound to the conversation the X-Qaid-Sender header names, if any
            sender = request.headers.get(binding.SENDER_HEADER)
            ref = image_ref(image_id, sender) if sender else None
            stored = StoredImage(
                image_id=image_id,
                token="t",
                url=f"/api/v1/images/{image_id}?token=t",
                sha256=digest,
                content_type="image/png",
                ref=ref,
            )
            return reply("hub.StoredImage", stored, status=201)

        async def transcript(request: web.Request) -> web.Response:
            service(request)
            body = await request.json()
            if self.transcript_status >= 400:
                code = errors.STORAGE_UNAVAILABLE if self.transcript_status == 503 else errors.CONFLICT
                error = ErrorResponse(error=ErrorDetail(code=code, message="down"))
                return reply("errors.ErrorResponse", error, status=self.transcript_status)
            # what the bot sends must be what the hub accepts
            self.transcripts.append(check("transcript.Transcript", body))
            # the hub checks it against the conversation id and keeps it as the way back (hub.replies)
            self.senders.append(request.headers.get(binding.SENDER_HEADER))
            deliveries = [
                DeliveryBrief(id=f"msg_{h}", hospital_id=h, status="pending")
                for h in body["consent"]["hospitals"]
            ]
            receipt = TranscriptReceipt(
                id="tr1", conversation_id=body["conversation_id"], duplicate=False, deliveries=deliveries
            )
            return reply("hub.TranscriptReceipt", receipt, status=201)

        def own_reply(request: web.Request, conversation_id: object) -> dict[str, Any]:
            # as the hub: another conversation's reply is not found
            found = self.replies.get(request.match_info["id"])
            if found is None or found["conversation_id"] != conversation_id:
                raise fail(404, errors.REPLY_NOT_FOUND)
            return found

        async def get_reply(request: web.Request) -> web.Response:
            service(request)
            return reply("replies.PatientReply", own_reply(request, request.query.get("conversation_id")))

        async def answer(request: web.Request) -> web.Response:
            service(request)
            body = check("replies.AnswerIn", await request.json())
            found = own_reply(request, body["conversation_id"])
            if found["answer"] not in (None, body["answer"]):
                raise fail(409, errors.ALREADY_ANSWERED)
            self.answers.append(body)
            found.update(answer=body["answer"], answered_at="2026-12-03T17:00:00+00:00")
            return reply("replies.PatientReply", found)

        app.router.add_get("/api/v1/replies/{id}", get_reply)
        app.router.add_post("/api/v1/replies/{id}/answer", answer)
        app.router.add_get("/api/v1/hospitals/nearby", nearby)
        app.router.add_get("/api/v1/images/{id}", image)
        app.router.add_post("/api/v1/images", store)
        app.router.add_post("/api/v1/transcripts", transcript)
        return app


class Network:
    """The fake HIPs and the hub listing them, each on its own local server."""

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
