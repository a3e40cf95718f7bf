"""One local aiohttp server playing the hub, a HIP, the Telegram Bot API and the Slack Web API.

It runs in a background thread with its own event loop (the Rasa server under test is a separate
process), and records every call so the tests can assert on what the channels did.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from utils.contract import check

from qaid_contracts import binding, errors
from qaid_contracts.errors import ErrorDetail, ErrorResponse
from qaid_contracts.hip import (
    Analysis,
    Anomaly,
    AnomalySource,
    BodyPart,
    Check,
    ImageCreated,
    Kind,
    Label,
    Medical,
    Segmentation,
    VqaAnswer,
)
from qaid_contracts.hub import NearbyHospital, NearbyHospitals, StoredImage, TranscriptReceipt

TELEGRAM_TOKEN = "123456:TEST-telegram-token"
TELEGRAM_SECRET = "test-secret_token-1"
WEBHOOK_URL = "https://bot.example.org/webhooks/telegram/webhook"
# What the hub signs its reply notices with (qaid_bot.channels.hub): a test value, whsec_ + base64.
BOT_WEBHOOK_SECRET = "whsec_dGVzdC1ib3Qtd2ViaG9vay1zZWNyZXQtMzItYnl0ZXMh"
SLACK_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
# The key the channel tests run the bot with (conftest sets QAID_CONVERSATION_KEY to it).
CONVERSATION_KEY = "conversation-key-for-channel-tests"
SLACK_TOKEN = "xoxb-test-slack-token"
HUB_TOKEN = "svc-test-token"
# a 1x1 PNG: the segmentation overlay the fake HIP returns
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def jpeg(tag: str) -> bytes:
    """Bytes the hub sniffs as JPEG, unique per test so calls can be told apart."""
    return b"\xff\xd8\xff\xe0" + tag.encode() + b"\x00" * 64 + b"\xff\xd9"


def _reply(schema: str, body: Any, status: int = 200) -> web.Response:
    """A hub or HIP answer in the real service's shape (validated against the contract schema)."""
    return web.json_response(check(schema, body), status=status)


def _error(status: int, code: str, message: str) -> web.Response:
    return _reply(
        "errors.ErrorResponse", ErrorResponse(error=ErrorDetail(code=code, message=message)), status
    )


@dataclass
class Call:
    service: str  # telegram | telegram_file | slack | slack_file | slack_upload | hub | hip
    method: str
    data: dict[str, Any] = field(default_factory=dict)
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class Platforms:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.telegram_files: dict[str, bytes] = {}  # file_id -> bytes
        self.slack_files: dict[str, bytes] = {}  # name -> bytes
        self.hub_images: dict[str, bytes] = {}
        self.hub_limit = 20 * 2**20
        self.hub_replies: dict[str, dict[str, Any]] = {}  # replies.PatientReply by id
        self.url = ""
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None

    # --- recording -------------------------------------------------------------------------
    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def find(self, service: str, method: str | None = None, **match: Any) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [
            c
            for c in calls
            if c.service == service
            and (method is None or c.method == method)
            and all(str(c.data.get(k)) == str(v) for k, v in match.items())
        ]

    def wait(self, predicate: Callable[[], Any], timeout: float = 45.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = predicate()
            if got:
                return got
            time.sleep(0.1)
        raise AssertionError(
            f"timed out; calls so far: {[(c.service, c.method, c.data) for c in self.calls]}"
        )

    # --- the app ---------------------------------------------------------------------------
    @staticmethod
    async def _fields(request: web.Request) -> tuple[dict[str, Any], bytes]:
        """JSON, form or multipart fields (files as bytes) and the raw body."""
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.read()
            return (await request.json()), body
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            data: dict[str, Any] = {}
            for k, v in form.items():
                data[k] = v.file.read() if isinstance(v, web.FileField) else v
            return {**dict(request.query), **data}, b""
        return dict(request.query), await request.read()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 2**20)
        r = app.router
        r.add_post(f"/telegram/bot{TELEGRAM_TOKEN}/{{method}}", self.telegram)
        r.add_get(f"/telegram/file/bot{TELEGRAM_TOKEN}/{{path:.*}}", self.telegram_file)
        r.add_post("/slack/api/{method}", self.slack)
        r.add_get("/slack/files/{name}", self.slack_file)
        r.add_post("/slack/upload/{file_id}", self.slack_upload)
        r.add_get("/private/{name}", self.private_image)
        r.add_post("/api/v1/images", self.hub_store)
        r.add_get("/api/v1/images/{id}", self.hub_image)
        r.add_get("/api/v1/hospitals/nearby", self.hub_nearby)
        r.add_post("/api/v1/transcripts", self.hub_transcript)
        r.add_get("/api/v1/replies/{id}", self.hub_reply)
        r.add_post("/api/v1/replies/{id}/answer", self.hub_answer)
        r.add_post("/hip/v1/images", self.hip_upload)
        r.add_post("/hip/v1/images/{id}/{task}", self.hip_task)
        return app

    async def telegram(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        data, body = await self._fields(request)
        self._record(Call("telegram", method, data, body, dict(request.headers)))
        result: Any = True
        if method == "getFile":
            fid = str(data.get("file_id"))
            if fid not in self.telegram_files:
                return web.json_response({"ok": False, "error_code": 400, "description": "file not found"})
            result = {
                "file_id": fid,
                "file_unique_id": "u" + fid,
                "file_size": len(self.telegram_files[fid]),
                "file_path": f"photos/{fid}.jpg",
            }
        elif method == "getMe":
            result = {"id": 123456, "is_bot": True, "first_name": "Q&Aid", "username": "qaid_test_bot"}
        elif method == "sendPhoto" and "unreachable" in str(data.get("photo")):
            # what Telegram says when it cannot fetch a photo URL (e.g. a private host)
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: wrong file identifier/HTTP URL"}
            )
        elif method in ("sendMessage", "sendPhoto"):
            result = {"message_id": len(self.calls), "chat": {"id": data.get("chat_id")}, "date": 0}
        return web.json_response({"ok": True, "result": result})

    async def telegram_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        self._record(Call("telegram_file", path))
        fid = path.split("/")[-1].rsplit(".", 1)[0]
        if fid not in self.telegram_files:
            return web.Response(status=404)
        return web.Response(body=self.telegram_files[fid], content_type="application/octet-stream")

    async def slack(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        data, body = await self._fields(request)
        self._record(Call("slack", method, data, body, dict(request.headers)))
        if request.headers.get("Authorization") != f"Bearer {SLACK_TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "files.getUploadURLExternal":
            fid = f"F{len(self.calls)}"
            return web.json_response(
                {"ok": True, "upload_url": f"{self.url}/slack/upload/{fid}", "file_id": fid}
            )
        if method == "files.completeUploadExternal":
            return web.json_response({"ok": True, "files": [{"id": "F1", "title": "image"}]})
        return web.json_response({"ok": True, "channel": data.get("channel"), "ts": f"{time.time():.6f}"})

    async def slack_file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        auth = request.headers.get("Authorization", "")
        self._record(Call("slack_file", name, {"authorization": auth}))
        if auth != f"Bearer {SLACK_TOKEN}" or name not in self.slack_files:
            # what Slack does for a missing token: a login page, status 200
            return web.Response(text="<html>sign in</html>", content_type="text/html")
        return web.Response(body=self.slack_files[name], content_type="image/jpeg")

    async def slack_upload(self, request: web.Request) -> web.Response:
        data, body = await self._fields(request)
        self._record(Call("slack_upload", request.match_info["file_id"], data, body))
        return web.Response(text="OK")

    async def private_image(self, request: web.Request) -> web.Response:
        self._record(Call("private", request.match_info["name"]))
        return web.Response(body=PNG, content_type="image/png")

    async def hub_store(self, request: web.Request) -> web.Response:
        body = await request.read()
        self._record(Call("hub", "store", {}, body, dict(request.headers)))
        if len(body) > self.hub_limit:
            return _error(413, errors.IMAGE_TOO_LARGE, "big")
        if not (body.startswith(b"\x89PNG") or body.startswith(b"\xff\xd8\xff")):
            return _error(415, errors.UNSUPPORTED_IMAGE_TYPE, "no")
        sha = hashlib.sha256(body).hexdigest()
        image_id = "img_" + sha[:32]  # content-addressed, as the hub
        self.hub_images[image_id] = body
        sender = request.headers.get(binding.SENDER_HEADER)
        conversation = binding.conversation_id(CONVERSATION_KEY, sender) if sender else ""
        stored = StoredImage(
            image_id=image_id,
            token="tok",
            url=f"{self.url}/api/v1/images/{image_id}?token=tok",
            sha256=sha,
            content_type="image/png" if body.startswith(b"\x89PNG") else "image/jpeg",
            ref=binding.image_ref(CONVERSATION_KEY, image_id, conversation) if sender else None,
        )
        return _reply("hub.StoredImage", stored, 201)

    async def hub_image(self, request: web.Request) -> web.Response:
        image_id = request.match_info["id"]
        self._record(Call("hub", "image", {"image_id": image_id}))
        if request.query.get("token") != "tok" or image_id not in self.hub_images:
            return _error(403, errors.INVALID_IMAGE_TOKEN, "no")
        body = self.hub_images[image_id]
        return web.Response(
            body=body, content_type="image/png" if body.startswith(b"\x89PNG") else "image/jpeg"
        )

    async def hub_nearby(self, request: web.Request) -> web.Response:
        self._record(Call("hub", "nearby", dict(request.query)))
        hospital = NearbyHospital(
            id="demo",
            name="Demo Hospital",
            lat=44.43,
            lon=26.1,
            offers={"vqa": ["brain_mri"], "segmentation": ["brain_mri"]},
            distance_km=1.0,
            hip_url=f"{self.url}/hip",
            hip_token="hip-token",
            hip_public_only=False,  # the operator registered it at 127.0.0.1 (as the demo)
        )
        return _reply("hub.NearbyHospitals", NearbyHospitals(hospitals=[hospital]))

    async def hub_transcript(self, request: web.Request) -> web.Response:
        body = check("transcript.Transcript", await request.json())
        self._record(Call("hub", "transcript", body))
        receipt = TranscriptReceipt(
            id="tr1", conversation_id=body["conversation_id"], duplicate=False, deliveries=[]
        )
        return _reply("hub.TranscriptReceipt", receipt, 201)

    def _own_reply(self, request: web.Request, conversation_id: object) -> dict[str, Any] | None:
        found = self.hub_replies.get(request.match_info["id"])
        return found if found is not None and found["conversation_id"] == conversation_id else None

    async def hub_reply(self, request: web.Request) -> web.Response:
        found = self._own_reply(request, request.query.get("conversation_id"))
        if found is None:
            return _error(404, "reply_not_found", "No such reply for this conversation.")
        return _reply("replies.PatientReply", found)

    async def hub_answer(self, request: web.Request) -> web.Response:
        body = check("replies.AnswerIn", await request.json())
        found = self._own_reply(request, body["conversation_id"])
        if found is None:
            return _error(404, "reply_not_found", "No such reply for this conversation.")
        self._record(Call("hub", "answer", body))
        found.update(answer=body["answer"], answered_at="2026-12-03T17:00:00+00:00")
        return _reply("replies.PatientReply", found)

    async def hip_upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        self._record(Call("hip", "upload", {}, body))
        created = ImageCreated(
            image_id="hip-" + hashlib.sha256(body).hexdigest()[:8],
            sha256=hashlib.sha256(body).hexdigest(),
            width=1,
            height=1,
            format="png",
        )
        return _reply("hip.ImageCreated", created, 201)

    async def hip_task(self, request: web.Request) -> web.Response:
        task, image_id = request.match_info["task"], request.match_info["id"]
        self._record(Call("hip", task, {"image_id": image_id}))
        if task == "analyze":
            analysis = Analysis(
                image_id=image_id,
                medical=Medical(is_medical=True, confidence=0.97, verdict="yes", reason=None),
                label=Label(name="brain", confidence=0.9, topic="brain_mri"),
                tasks=["vqa", "segmentation"],
                anomaly=Anomaly(
                    abnormal=True,
                    confidence=0.8,
                    side="left",
                    description="d",
                    source=AnomalySource(task="vqa", model="vqa", version="vqa-1"),
                    area_cm2=None,
                    brain_share=0.02,
                ),
                model_versions={"labeler": "1.0"},
                bundle_version="demo-b1",
                body_part=BodyPart(name="brain", confidence=0.9, status="known", reason=None),
                kind=Kind(
                    modality="mri", modality_confidence=0.9, orientation="axial", orientation_confidence=0.9
                ),
                out_of_distribution=False,
                anomaly_check=Check(task="segmentation", ran=True, reason=None),
            )
            return _reply("hip.Analysis", analysis)
        if task == "segment":
            b64 = base64.b64encode(PNG).decode()
            seg = Segmentation(
                mask_png_b64=b64,
                overlay_png_b64=b64,
                lesion_area_px=321,
                lesion_fraction=0.01,
                components=1,
                side="left",
                model_version="seg-1",
                bundle_version="demo-b1",
                area_cm2=None,
                brain_share=0.02,
                description="d",
            )
            return _reply("hip.Segmentation", seg)
        answer = VqaAnswer(
            answer="yes",
            confidence=0.9,
            answer_type="closed",
            topic="brain_mri",
            model_version="vqa-1",
            bundle_version="demo-b1",
        )
        return _reply("hip.VqaAnswer", answer)

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> Platforms:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._runner = web.AppRunner(self.app(), access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{port}"
            ready.set()
            loop.run_forever()

        threading.Thread(target=run, name="fake-platforms", daemon=True).start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop and self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
