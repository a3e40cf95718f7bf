"""HTTP clients for the transcripts hub and the hospitals' HIP services (aiohttp, shipped with Rasa).

Every call has a timeout: a hung hospital must never hold up the conversation. Errors are raised as
:class:`ServiceError` carrying the platform's error code (``{"error": {"code", "message"}}``).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin

import aiohttp

from .settings import BotSettings

T = TypeVar("T")

HUB_TIMEOUT_S = 3.0


class ServiceError(Exception):
    """A hub or HIP call that failed: ``status`` 0 means unreachable / timed out."""

    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


async def _raise_for(resp: aiohttp.ClientResponse) -> None:
    if resp.status < 400:
        return
    code, message = f"http_{resp.status}", ""
    try:
        body = await resp.json(content_type=None)
        err = body.get("error", {}) if isinstance(body, dict) else {}
        code = err.get("code", code)
        message = err.get("message", "")
    except (ValueError, aiohttp.ContentTypeError):
        pass
    raise ServiceError(resp.status, code, message)


async def _request(
    session: aiohttp.ClientSession, method: str, url: str, *, timeout: float, **kw: Any
) -> Any:
    """One JSON call; network failures become ``ServiceError(0, "unreachable")``."""
    try:
        async with session.request(method, url, timeout=aiohttp.ClientTimeout(total=timeout), **kw) as resp:
            await _raise_for(resp)
            if resp.content_type == "application/json":
                return await resp.json()
            return await resp.read()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise ServiceError(0, "unreachable", repr(exc)) from exc


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

    async def nearby(self, lat: float, lon: float) -> list[dict[str, Any]]:
        params = {
            "lat": str(lat),
            "lon": str(lon),
            "radius_km": str(self.cfg.nearby_radius_km),
            "k": str(self.cfg.nearby_k),
        }
        data = await _request(
            self.session,
            "GET",
            f"{self.cfg.hub_url}/api/v1/hospitals/nearby",
            params=params,
            headers=self._auth,
            timeout=HUB_TIMEOUT_S,
        )
        # The hub wraps lists in an object: {"hospitals": [...]}, nearest first.
        return list((data or {}).get("hospitals", []))

    async def fetch_image(self, url: str) -> bytes:
        data = await _request(self.session, "GET", self.absolute(url), timeout=HUB_TIMEOUT_S)
        if not isinstance(data, (bytes, bytearray)):
            raise ServiceError(502, "not_an_image", "the hub answered JSON for an image url")
        return bytes(data)

    async def upload_image(self, data: bytes) -> dict[str, Any]:
        """Store an image (e.g. a segmentation overlay) on the hub -> ``{image_id, token, url}``."""
        return await _request(
            self.session,
            "POST",
            f"{self.cfg.hub_url}/api/v1/images",
            data=data,
            # With the service token: the hub limits anonymous (web chat) uploads per address, and
            # every overlay the bot hosts would otherwise count against one address, the bot's own.
            headers={**self._auth, "Content-Type": "image/png"},
            timeout=HUB_TIMEOUT_S,
        )

    async def host_png(self, png_b64: str) -> str | None:
        """Host a PNG (a segmentation overlay) on the hub and return its absolute short link, which the
        chat can show; fall back to a data URL when the hub refuses it. None for no image."""
        if not png_b64:
            return None
        try:
            stored = await self.upload_image(b64decode(png_b64))
            if isinstance(stored, dict) and stored.get("url"):
                return self.absolute(str(stored["url"]))
        except (ServiceError, ValueError):
            pass
        return png_data_url(png_b64)

    async def post_transcript(self, transcript: dict[str, Any]) -> Any:
        return await _request(
            self.session,
            "POST",
            f"{self.cfg.hub_url}/api/v1/transcripts",
            json=transcript,
            headers=self._auth,
            timeout=10.0,
        )


class HipClient:
    """One hospital's HIP service, authenticated with the token the hub directory hands out."""

    def __init__(self, session: aiohttp.ClientSession, hospital: dict[str, Any], timeout: float) -> None:
        self.session = session
        self.base = str(hospital["hip_url"]).rstrip("/")
        self.headers = {"Authorization": f"Bearer {hospital.get('hip_token', '')}"}
        self.timeout = timeout

    async def upload(self, data: bytes) -> str:
        body = await _request(
            self.session,
            "POST",
            f"{self.base}/v1/images",
            data=data,
            headers={**self.headers, "Content-Type": "application/octet-stream"},
            timeout=self.timeout,
        )
        return str(body["image_id"])

    async def analyze(self, image_id: str) -> dict[str, Any]:
        return await _request(
            self.session, "POST", f"{self.base}/v1/images/{image_id}/analyze",
            headers=self.headers, timeout=self.timeout,
        )  # fmt: skip

    async def vqa(self, image_id: str, question: str) -> dict[str, Any]:
        return await _request(
            self.session, "POST", f"{self.base}/v1/images/{image_id}/vqa",
            json={"question": question}, headers=self.headers, timeout=self.timeout,
        )  # fmt: skip

    async def segment(self, image_id: str) -> dict[str, Any]:
        return await _request(
            self.session, "POST", f"{self.base}/v1/images/{image_id}/segment",
            headers=self.headers, timeout=self.timeout,
        )  # fmt: skip


@dataclass
class Outcome:
    """What one hospital contributed to a fan-out: a value, or why it did not."""

    hospital: dict[str, Any]
    value: Any = None
    error: str | None = None  # "unreachable" | "task_not_offered" | other error code
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


async def fan_out(
    hospitals: list[dict[str, Any]],
    call: Callable[[dict[str, Any]], Awaitable[T]],
    timeout: float,
) -> list[Outcome]:
    """Run ``call`` for every hospital in parallel, each bounded by ``timeout`` seconds.

    The deadline is per hospital but they all start together, so the whole fan-out ends within
    ``timeout`` even when a HIP hangs; a hospital that fails is reported, never raised.
    """

    return list(await asyncio.gather(*(settle(h, call(h), timeout) for h in hospitals)))


async def settle(hospital: dict[str, Any], job: Awaitable[Any], timeout: float) -> Outcome:
    """Await one hospital's call within ``timeout``: a value, or the reason it has none."""
    try:
        return Outcome(hospital, await asyncio.wait_for(job, timeout))
    except asyncio.TimeoutError:
        return Outcome(hospital, error="unreachable")
    except ServiceError as exc:
        return Outcome(hospital, error="unreachable" if exc.status == 0 or exc.status >= 500 else exc.code)
    except Exception:  # noqa: BLE001 - one broken hospital must not break the turn
        return Outcome(hospital, error="unreachable")


def png_data_url(png_b64: str) -> str:
    return "data:image/png;base64," + png_b64


def b64decode(data: str) -> bytes:
    return base64.b64decode(data)
