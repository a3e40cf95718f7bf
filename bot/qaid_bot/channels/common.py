"""What the Telegram and Slack channels share: size-limited bodies and downloads, the hub's image
store, data URLs, replay protection, per-sender rate limits and the polite answers to files the bot
cannot read."""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from qaid_contracts import errors, limits
from qaid_contracts.errors import ErrorDetail, ErrorResponse
from qaid_contracts.hub import StoredImage
from qaid_contracts.ratelimit import RateLimiter

from ..clients import HubClient, ServiceError
from ..settings import settings

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = limits.MAX_CHANNEL_BODY_BYTES  # webhook JSON: real updates/events are a few kB
MAX_FILE_BYTES = limits.MAX_IMAGE_BYTES  # the hub's image limit, and Telegram's getFile limit
# Typed text per message. Rasa's NLU runs on the event loop and slows with length (10k words took
# 25 s, stalling every conversation meanwhile).
MAX_TEXT_CHARS = limits.MAX_MESSAGE_CHARS
API_TIMEOUT_S = 15.0
DOWNLOAD_TIMEOUT_S = 60.0

# Media types worth downloading: the hub sniffs the bytes and takes PNG, JPEG and DICOM.
IMAGE_TYPES = {"image/png", "image/jpeg", "image/jpg", "application/dicom", "image/dicom"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".dcm", ".dicom")

UNSUPPORTED_FILE = (
    "Sorry, I can only read images: please send a PNG or JPEG picture (as a photo or a file) or a DICOM file."
)
UNSUPPORTED_MESSAGE = "Sorry, I can only read text, images (PNG, JPEG, DICOM) and shared locations."
STORE_DOWN = "Sorry, I couldn't receive your image just now. Please try sending it again in a minute."
DOWNLOAD_FAILED = "Sorry, I couldn't download your image. Please try sending it again."
ONE_IMAGE = "I'll look at the first image only: please send one image per message."
TOO_LONG = f"Sorry, that message is too long for me (over {MAX_TEXT_CHARS} characters). Please shorten it."
SLOW_DOWN = "You're sending messages faster than I can read them. Please wait a few seconds, then go on."
# Per sender: a burst of messages, then this many a minute (credentials: rate_burst, rate_per_minute).
RATE_BURST = 10
RATE_PER_MINUTE = 30.0


@dataclass(frozen=True)
class Limits:
    """One channel's input limits; each is optional in its credentials.yml section."""

    max_body_bytes: int = MAX_BODY_BYTES
    max_file_bytes: int = MAX_FILE_BYTES
    rate_burst: int = RATE_BURST
    rate_per_minute: float = RATE_PER_MINUTE

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any]) -> Limits:
        return cls(
            max_body_bytes=as_int(credentials.get("max_body_bytes"), MAX_BODY_BYTES),
            max_file_bytes=as_int(credentials.get("max_file_bytes"), MAX_FILE_BYTES),
            rate_burst=as_int(credentials.get("rate_burst"), RATE_BURST),
            rate_per_minute=float(credentials.get("rate_per_minute", RATE_PER_MINUTE)),
        )


def too_large_text(size: int, limit: int) -> str:
    return (
        f"Sorry, that file is too large ({size / 2**20:.1f} MB; the limit is {limit / 2**20:.0f} MB). "
        "Please send a smaller image."
    )


class ChannelError(Exception):
    """A download or hub upload that failed; ``reply`` is what the user is told."""

    def __init__(self, code: str, reply: str, status: int = 0) -> None:
        super().__init__(code)
        self.code, self.reply, self.status = code, reply, status


def is_image_file(mime: str | None, name: str | None) -> bool:
    mime = (mime or "").split(";")[0].strip().lower()
    if mime in IMAGE_TYPES:
        return True
    # DICOM often arrives as application/octet-stream; the hub sniffs it anyway
    return mime in ("", "application/octet-stream") and (name or "").lower().endswith(IMAGE_SUFFIXES)


def hub_url(configured: str | None) -> str:
    """The hub base URL: the credentials' value, else the bot runtime's setting (read at call time)."""
    return (configured or settings().hub_url).rstrip("/")


def error(status: int, code: str, message: str) -> HTTPResponse:
    body = ErrorResponse(error=ErrorDetail(code=code, message=message))
    return response.json(body, status=status)


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None once it is larger than ``limit`` bytes (the route streams, so an
    oversized body is refused by its declared length or while arriving, never buffered whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    if request.stream is None:  # a non-streaming route: Sanic already read it
        return request.body if len(request.body) <= limit else None
    chunks, size = [], 0
    async for chunk in request.stream:
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes) -> Any:
    """Decoded JSON, or None when malformed (the caller answers 400)."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


async def download(
    url: str, limit: int, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[bytes, str]:
    """GET ``url`` -> (bytes, content type), refusing more than ``limit`` bytes while streaming."""
    try:
        timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.request(method, url, headers=headers or {}) as resp:
                if resp.status >= 400:
                    raise ChannelError(f"download_http_{resp.status}", DOWNLOAD_FAILED, resp.status)
                if resp.content_length is not None and resp.content_length > limit:
                    raise ChannelError("file_too_large", too_large_text(resp.content_length, limit), 413)
                chunks, size = [], 0
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > limit:
                        raise ChannelError("file_too_large", too_large_text(size, limit), 413)
                    chunks.append(chunk)
                return b"".join(chunks), resp.content_type
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        # never log the URL itself: Telegram's file URLs carry the bot token
        raise ChannelError("download_failed", DOWNLOAD_FAILED) from exc


async def store_image(hub: str, data: bytes, sender: str) -> StoredImage:
    """Upload raw bytes to the hub's image store (with the bot's service token), bound to the
    conversation of ``sender`` -> the stored image with its reference."""
    cfg = dataclasses.replace(settings(), hub_url=hub)
    try:
        async with aiohttp.ClientSession() as session:
            return await HubClient(session, cfg).upload_image(data, timeout=API_TIMEOUT_S, sender=sender)
    except ServiceError as exc:
        if exc.code == errors.UNSUPPORTED_IMAGE_TYPE:
            raise ChannelError(exc.code, UNSUPPORTED_FILE, exc.status) from exc
        if exc.code == errors.IMAGE_TOO_LARGE:
            raise ChannelError(exc.code, too_large_text(len(data), MAX_FILE_BYTES), exc.status) from exc
        logger.warning("hub refused an image: %s %s", exc.status, exc.code)
        code = "hub_unreachable" if exc.status == 0 else "hub_error"
        raise ChannelError(code, STORE_DOWN, exc.status) from exc


_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[^;,]*)*?),(?P<data>.*)$", re.S)


def decode_data_url(url: str, limit: int = MAX_FILE_BYTES) -> tuple[bytes, str]:
    """``data:image/png;base64,...`` -> (bytes, media type); ValueError when malformed or too large."""
    m = _DATA_URL.match(url)
    if not m or ";base64" not in (m.group("params") or ""):
        raise ValueError("not a base64 data URL")
    payload = m.group("data")
    if len(payload) * 3 // 4 > limit:
        raise ValueError("data URL too large")
    try:
        return base64.b64decode(payload, validate=True), m.group("mime") or "application/octet-stream"
    except binascii.Error as exc:
        raise ValueError("bad base64") from exc


async def outgoing_image(image: str, hub: str, limit: int = MAX_FILE_BYTES) -> tuple[bytes, str] | None:
    """Bytes to upload for a bot image, or None to send it by URL.

    data: URLs are decoded; images on the hub are fetched, because the hub is usually private (the
    chat platform could not fetch them itself); any other http(s) URL is left to the platform.
    """
    if image.startswith("data:"):
        return decode_data_url(image, limit)
    if image.startswith(hub + "/"):
        return await download(image, limit)
    return None


def filename_for(mime: str) -> str:
    ext = {"image/jpeg": "jpg", "image/png": "png", "application/dicom": "dcm"}.get(mime, "png")
    return f"image.{ext}"


class Recent:
    """Keys seen in the last ``ttl`` seconds (bounded): platforms redeliver the same update."""

    def __init__(self, ttl: float = 3600.0, size: int = 4096) -> None:
        self.ttl, self.size = ttl, size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def check_and_add(self, *keys: str | None) -> bool:
        """True when any of ``keys`` was already seen; records them all."""
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now - self.ttl:
            self._seen.popitem(last=False)
        real = [k for k in keys if k]
        dup = any(k in self._seen for k in real)
        for k in real:
            self._seen[k] = now
            self._seen.move_to_end(k)
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return dup


class SenderLimit:
    """Token buckets per sender for the chat webhooks (the hub does the same for web uploads).

    Every message costs Rasa, the action server and, with an image, the hub and every nearby HIP,
    so one user (or one stolen bot account) flooding a chat must not slow down everybody else.
    The webhook still answers the platform 200: a 429 would only make Telegram or Slack deliver the
    same update again. Over the limit, :meth:`check` says ``"notify"`` once (the channel tells the
    user to slow down) and ``"drop"`` until the sender is admitted again, so the bot never answers a
    flood with a flood. In memory per Rasa process; bounded, least recently seen forgotten first.
    """

    def __init__(
        self,
        burst: int = RATE_BURST,
        per_minute: float = RATE_PER_MINUTE,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._buckets = RateLimiter(max(1, burst), per_minute, max_keys=size, clock=clock)
        self._told: OrderedDict[str, None] = OrderedDict()  # refused senders already told once
        self.size = size

    @property
    def rate(self) -> float:
        """Tokens per second (0: no limit)."""
        return self._buckets.rate

    @property
    def remembered(self) -> int:
        """How many senders are remembered (bounded by ``size``)."""
        return self._buckets.remembered

    def check(self, sender: str | None) -> str:
        """``"ok"`` (a token taken), ``"notify"`` (first refusal) or ``"drop"``."""
        if not self._buckets.enabled or not sender:
            return "ok"
        if self._buckets.take(sender) == 0.0:
            self._told.pop(sender, None)
            return "ok"
        if sender in self._told:
            return "drop"
        self._told[sender] = None
        while len(self._told) > self.size:
            self._told.popitem(last=False)
        return "notify"


def user_text(text: str | None, commands: dict[str, str], fallback: str) -> str:
    """What Rasa receives for typed text: platform commands mapped to intents, other leading
    slashes dropped (a typed ``/intent`` must not bypass NLU and the red-flag override)."""
    text = (text or "").strip()
    if not text:
        return fallback
    if text.startswith("/"):
        command = text.split()[0].split("@")[0].lower()
        if command in commands:
            return commands[command]
        text = text.lstrip("/").strip() or fallback
    return text


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else ``{}``: a malformed field reads as a missing one."""
    return value if isinstance(value, dict) else {}


def as_int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
