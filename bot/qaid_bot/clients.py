"""HTTP clients for the hub and the hospitals' HIP services (aiohttp, shipped with Rasa).

Used by the actions (directory, image fetch, HIP fan-out, transcript) and the channels (image
uploads). Every call has a timeout: a hung hospital must never hold up the conversation. Errors are
raised as :class:`ServiceError` carrying the platform's error code (``qaid_contracts.errors``).
Answers are typed with the contract's TypedDicts; the services generate them from the same models.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urljoin

import aiohttp

from qaid_contracts import binding, errors, paths
from qaid_contracts.hip import Analysis, Capabilities, ImageCreated, Segmentation, VqaAnswer, VqaQuestion
from qaid_contracts.hub import NearbyHospital, NearbyHospitals, StoredImage, TranscriptReceipt
from qaid_contracts.limits import MAX_IMAGE_BYTES
from qaid_contracts.replies import Answer, AnswerIn, PatientReply
from qaid_contracts.transcript import Transcript

from .egress import Sessions
from .settings import BotSettings

__all__ = [
    "ServiceError",
    "HubClient",
    "HipClient",
    "Outcome",
    "fan_out",
    "settle",
    "png_data_url",
]

T = TypeVar("T")

_IMAGE_ID = re.compile(binding.IMAGE_ID_PATTERN)
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")  # the hub's capability tokens (url-safe base64)

HUB_TIMEOUT_S = 3.0
TRANSCRIPT_TIMEOUT_S = 10.0


class ServiceError(Exception):
    """A hub or HIP call that failed: ``status`` 0 means unreachable / timed out."""

    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


async def _raise_for(resp: aiohttp.ClientResponse) -> None:
    # a 3xx reaches here only from a call that follows no redirects: it is not an answer either
    if resp.status < 300:
        return
    code, message = f"http_{resp.status}", ""
    try:
        body = await resp.json(content_type=None)
        err = body.get("error", {}) if isinstance(body, dict) else {}
        code = str(err.get("code", code))
        message = str(err.get("message", ""))
    except (ValueError, aiohttp.ContentTypeError):
        pass
    raise ServiceError(resp.status, code, message)


async def _request(
    session: aiohttp.ClientSession, method: str, url: str, *, timeout: float, **kw: Any
) -> Any:
    """One call: its JSON (or bytes); network failures become ``ServiceError(0, "unreachable")``."""
    try:
        async with session.request(method, url, timeout=aiohttp.ClientTimeout(total=timeout), **kw) as resp:
            await _raise_for(resp)
            if resp.content_type == "application/json":
                return await resp.json()
            return await resp.read()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise ServiceError(0, errors.UNREACHABLE, repr(exc)) from exc


async def _read_capped(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, refused (413) as soon as it is declared or read past ``limit`` bytes."""
    if resp.content_length is not None and resp.content_length > limit:
        raise ServiceError(413, errors.IMAGE_TOO_LARGE, "the image is larger than the limit")
    chunks, size = [], 0
    async for chunk in resp.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise ServiceError(413, errors.IMAGE_TOO_LARGE, "the image is larger than the limit")
        chunks.append(chunk)
    return b"".join(chunks)


class HubClient:
    def __init__(self, session: aiohttp.ClientSession, cfg: BotSettings) -> None:
        self.session = session
        self.cfg = cfg

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.cfg.hub_token}"}

    def absolute(self, url: str) -> str:
        """Image urls in message metadata may be hub-relative (``/api/v1/images/..``)."""
        return urljoin(self.cfg.hub_url + "/", url)

    async def nearby(self, lat: float, lon: float) -> list[NearbyHospital]:
        params = {
            "lat": str(lat),
            "lon": str(lon),
            "radius_km": str(self.cfg.nearby_radius_km),
            "k": str(self.cfg.nearby_k),
        }
        data = cast(
            NearbyHospitals,
            await _request(
                self.session,
                "GET",
                self.cfg.hub_url + paths.HUB_NEARBY,
                params=params,
                headers=self._auth,
                timeout=HUB_TIMEOUT_S,
            ),
        )
        return list(data["hospitals"])  # nearest first

    async def fetch_image(self, image_id: str, token: str, limit: int = MAX_IMAGE_BYTES) -> bytes:
        """The bytes of the hub's image ``image_id``, from the configured hub only.

        The URL is built here from the hub's configured origin, never taken from a message (a client
        could name any host). Redirects are not followed, the body is refused once it passes
        ``limit`` while streaming, and the bytes must hash to the content-addressed id.
        """
        if not _IMAGE_ID.match(image_id) or not _TOKEN.match(token):
            raise ServiceError(400, errors.INVALID_IMAGE_TOKEN, "not a hub image reference")
        url = f"{self.cfg.hub_url}{paths.HUB_IMAGES}/{image_id}"
        timeout = aiohttp.ClientTimeout(total=HUB_TIMEOUT_S)
        try:
            async with self.session.get(
                url, params={"token": token}, allow_redirects=False, timeout=timeout
            ) as resp:
                await _raise_for(resp)
                if resp.status != 200:  # a 3xx: the hub never redirects an image
                    raise ServiceError(502, "not_an_image", f"the hub answered {resp.status}")
                data = await _read_capped(resp, limit)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise ServiceError(0, errors.UNREACHABLE, repr(exc)) from exc
        if "img_" + hashlib.sha256(data).hexdigest()[:32] != image_id:
            raise ServiceError(502, "image_mismatch", "the bytes do not match the image id")
        return data

    async def upload_image(
        self,
        data: bytes,
        content_type: str = "application/octet-stream",
        timeout: float = HUB_TIMEOUT_S,
        sender: str | None = None,
    ) -> StoredImage:
        """Store an image on the hub (a segmentation overlay, a channel's photo); with ``sender`` the
        hub binds it to that conversation (its ``ref``), so it can be attached to its transcript."""
        bind = {binding.SENDER_HEADER: sender} if sender else {}
        stored = await _request(
            self.session,
            "POST",
            self.cfg.hub_url + paths.HUB_IMAGES,
            data=data,
            # With the service token: the hub limits anonymous (web chat) uploads per address, and
            # every image the bot stores would otherwise count against one address, the bot's own.
            headers={**self._auth, **bind, "Content-Type": content_type},
            timeout=timeout,
        )
        return cast(StoredImage, stored)

    async def host_png(
        self, png_b64: str, sender: str | None = None
    ) -> tuple[str | None, StoredImage | None]:
        """Host a PNG (a segmentation overlay) on the hub: (its absolute short link, which the chat can
        show, and what the hub stored). With ``sender`` the hub binds it to that conversation, so the
        transcript can name it and the hub renders it in the PDF and FHIR Bundle. When the hub refuses
        it: (a data URL, None). (None, None) for no image."""
        if not png_b64:
            return None, None
        try:
            stored = await self.upload_image(base64.b64decode(png_b64), "image/png", sender=sender)
            if stored.get("url"):
                return self.absolute(stored["url"]), stored
        except (ServiceError, ValueError):
            pass
        return png_data_url(png_b64), None

    async def post_transcript(self, transcript: Transcript, sender: str | None = None) -> TranscriptReceipt:
        """Post a consented transcript; with ``sender`` (the chat's sender id, in a header the hub
        checks against the conversation id and keeps sealed, never in the transcript) hospitals'
        doctors can reply to the patient through the hub (docs/transcripts.md, "Replies")."""
        bind = {binding.SENDER_HEADER: sender} if sender else {}
        receipt = await _request(
            self.session,
            "POST",
            self.cfg.hub_url + paths.HUB_TRANSCRIPTS,
            json=transcript,
            headers={**self._auth, **bind},
            timeout=TRANSCRIPT_TIMEOUT_S,
        )
        return cast(TranscriptReceipt, receipt)

    async def get_reply(self, reply_id: str, conversation_id: str) -> PatientReply:
        """A doctor's reply, which the hub hands out only to the conversation it was written to."""
        found = await _request(
            self.session,
            "GET",
            self.cfg.hub_url + paths.hub_reply(reply_id),
            params={"conversation_id": conversation_id},
            headers=self._auth,
            timeout=HUB_TIMEOUT_S,
        )
        return cast(PatientReply, found)

    async def answer_reply(self, reply_id: str, conversation_id: str, answer: Answer) -> PatientReply:
        body = AnswerIn(conversation_id=conversation_id, answer=answer)
        done = await _request(
            self.session,
            "POST",
            self.cfg.hub_url + paths.hub_reply_answer(reply_id),
            json=body,
            headers=self._auth,
            timeout=HUB_TIMEOUT_S,
        )
        return cast(PatientReply, done)


class HipClient:
    """One hospital's HIP service, authenticated with the token the hub directory hands out.

    A HIP keeps its own copy of an image under its own id (``hip_image_id``), so follow-up
    questions never send the image again. A HIP the directory holds to public addresses is called
    through the pinned session (``egress``): one that resolves elsewhere is refused, and reported
    like an unreachable one. No redirect is followed (a HIP's API has none; following one would
    carry the image and the token to wherever it points): a 3xx is that HIP's error.
    """

    def __init__(self, net: Sessions, hospital: NearbyHospital, timeout: float) -> None:
        self.session = net.for_hip(hospital)
        self.base = str(hospital["hip_url"]).rstrip("/")
        self.headers = {"Authorization": f"Bearer {hospital.get('hip_token', '')}"}
        self.timeout = timeout

    async def _post(self, path: str, **kw: Any) -> Any:
        return await _request(
            self.session, "POST", self.base + path, headers={**self.headers, **kw.pop("headers", {})},
            timeout=self.timeout, allow_redirects=False, **kw,
        )  # fmt: skip

    async def upload(self, data: bytes) -> str:
        """Send the image to this HIP; its ``hip_image_id``."""
        created = cast(
            ImageCreated,
            await self._post(
                paths.HIP_IMAGES, data=data, headers={"Content-Type": "application/octet-stream"}
            ),
        )
        return str(created["image_id"])

    async def analyze(self, hip_image_id: str) -> Analysis:
        return cast(Analysis, await self._post(paths.hip_analyze(hip_image_id)))

    async def vqa(self, hip_image_id: str, question: str) -> VqaAnswer:
        body = VqaQuestion(question=question)
        return cast(VqaAnswer, await self._post(paths.hip_vqa(hip_image_id), json=body))

    async def segment(self, hip_image_id: str) -> Segmentation:
        return cast(Segmentation, await self._post(paths.hip_segment(hip_image_id)))

    async def capabilities(self) -> Capabilities:
        return cast(
            Capabilities,
            await _request(
                self.session, "GET", self.base + paths.HIP_CAPABILITIES, headers=self.headers,
                timeout=self.timeout, allow_redirects=False,
            ),
        )  # fmt: skip


@dataclass
class Outcome(Generic[T]):
    """What one hospital contributed to a fan-out: a value, or why it did not."""

    hospital: NearbyHospital
    value: T | None = None
    error: str | None = None  # "unreachable" | "task_not_offered" | another error code
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


async def fan_out(
    hospitals: list[NearbyHospital],
    call: Callable[[NearbyHospital], Awaitable[T]],
    timeout: float,
) -> list[Outcome[T]]:
    """Run ``call`` for every hospital in parallel, each bounded by ``timeout`` seconds.

    The deadline is per hospital but they all start together, so the whole fan-out ends within
    ``timeout`` even when a HIP hangs; a hospital that fails is reported, never raised.
    """

    return list(await asyncio.gather(*(settle(h, call(h), timeout) for h in hospitals)))


async def settle(hospital: NearbyHospital, job: Awaitable[T], timeout: float) -> Outcome[T]:
    """Await one hospital's call within ``timeout``: a value, or the reason it has none."""
    try:
        return Outcome(hospital, await asyncio.wait_for(job, timeout))
    except asyncio.TimeoutError:
        return Outcome(hospital, error=errors.UNREACHABLE)
    except ServiceError as exc:
        unreachable = exc.status == 0 or exc.status >= 500
        return Outcome(hospital, error=errors.UNREACHABLE if unreachable else exc.code)
    except Exception:  # noqa: BLE001 - one broken hospital must not break the turn
        return Outcome(hospital, error=errors.UNREACHABLE)


def png_data_url(png_b64: str) -> str:
    return "data:image/png;base64," + png_b64
