"""The images of a received transcript, kept in the inbox's own file so its PDF and FHIR carry them.

A delivery links each image and overlay the hub verified as the conversation's (``links.images``:
capability URLs on the hub). Those links work only until the hub's retention purge (30 days by
default), and a doctor's record must not depend on them: so the inbox fetches the bytes as soon as a
transcript is received (after answering the hub) and keeps them beside the transcript. An image the
hub could not be asked for then (down, slow) is asked for again when a doctor downloads the PDF or
the FHIR Bundle; once kept, the hub is never needed again for it.

What is fetched, and how, is decided here and not by the payload: only images and overlays the
transcript names with a SHA-256, only through a link on the hub origin this inbox is configured with
(``QAID_PUBLIC_HUB_URL``) and of the hub's own image path, rebuilt from that origin; no redirects,
no proxy from the environment, a byte limit read while streaming and a time budget. Bytes are kept
only if they hash to the SHA-256 the signed transcript states (and checked again when read), so an
altered image is refused and drawn as "unavailable". Decoding happens when rendering, by the bounded
decoder (``qaid.transcript.pdf_figures``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import Column, Engine, LargeBinary, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError

from qaid.db import UTCDateTime, utcnow
from qaid.transcript import reading
from qaid_contracts import paths
from qaid_contracts.binding import IMAGE_ID_PATTERN
from qaid_contracts.limits import MAX_IMAGE_BYTES

__all__ = ["CaseImages", "Fetched"]

log = logging.getLogger("inbox.images")
_IMAGE_ID = re.compile(IMAGE_ID_PATTERN)
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")  # the hub's capability tokens (url-safe base64)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DEFAULT_PORTS = {"http": 80, "https": 443}

metadata = MetaData()

case_images = Table(
    "case_images",
    metadata,
    Column("webhook_id", String(64), primary_key=True),
    Column("image_id", String(64), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("data", LargeBinary, nullable=False),
)


@dataclass
class Fetched:
    """What one fetch did: image ids kept, and the ones not kept with the reason."""

    kept: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{len(self.kept)} kept (sha256 verified)"]
        parts += [f"{image_id} not kept: {why}" for image_id, why in self.failed.items()]
        return "; ".join(parts)


class _Refused(Exception):
    """The hub's answer is not the image (the message says why)."""


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


class CaseImages:
    """The kept bytes of each received transcript's images, and the fetching of them from the hub."""

    def __init__(
        self, engine: Engine, hub_url: str, *, timeout_s: float = 10.0, max_bytes: int = MAX_IMAGE_BYTES
    ) -> None:
        self.engine = engine
        self.hub_url = hub_url.rstrip("/")
        self.timeout_s, self.max_bytes = timeout_s, max_bytes
        metadata.create_all(engine)

    def held(self, webhook_id: str) -> dict[str, bytes]:
        """image id -> bytes kept for this transcript (only those that still hash to their SHA-256)."""
        q = select(case_images).where(case_images.c.webhook_id == webhook_id)
        with self.engine.connect() as conn:
            rows = list(conn.execute(q))
        return {r.image_id: r.data for r in rows if hashlib.sha256(r.data).hexdigest() == r.sha256}

    def url_for(self, image_id: str, link: str) -> str | None:
        """The URL to fetch ``image_id`` from: rebuilt on the configured hub origin from a delivery's
        link, or None when the link is not the hub's image link for that id (another origin, path,
        id, or a token of another shape). The link is never fetched as given."""
        if not _IMAGE_ID.match(image_id) or not isinstance(link, str):
            return None
        parts, base = urlsplit(link), urlsplit(self.hub_url)
        try:
            if _origin(link) != _origin(self.hub_url) or parts.fragment:
                return None
        except ValueError:  # a port that is not a number
            return None
        if parts.path != base.path + paths.hub_image(image_id):
            return None
        query = parse_qs(parts.query, keep_blank_values=True)
        tokens = query.get("token", [])
        if set(query) != {"token"} or len(tokens) != 1 or not _TOKEN.match(tokens[0]):
            return None
        return f"{self.hub_url}{paths.hub_image(image_id)}?token={tokens[0]}"

    def wanted(self, transcript: dict[str, Any], links: dict[str, str]) -> dict[str, tuple[str, str]]:
        """image id -> (stated sha256, URL) for each image and overlay the transcript names that has
        a fetchable link."""
        out: dict[str, tuple[str, str]] = {}
        for ref in reading.image_refs(transcript):
            image_id, sha = ref["image_id"], str(ref.get("sha256", ""))
            link = links.get(image_id)
            url = self.url_for(image_id, link) if link else None
            if url and _SHA256.match(sha) and image_id not in out:
                out[image_id] = (sha, url)
        return out

    def fetch(
        self, webhook_id: str, transcript: dict[str, Any], links: dict[str, str], budget_s: float
    ) -> Fetched:
        """Fetch and keep the images of this transcript not kept yet, within ``budget_s`` seconds."""
        result = Fetched()
        q = select(case_images.c.image_id).where(case_images.c.webhook_id == webhook_id)
        with self.engine.connect() as conn:
            held = set(conn.scalars(q))
        missing = {k: v for k, v in self.wanted(transcript, links).items() if k not in held}
        if not missing:
            return result
        deadline = time.monotonic() + budget_s
        headers = {"user-agent": "qaid-inbox/1"}
        with httpx.Client(
            timeout=self.timeout_s, follow_redirects=False, trust_env=False, headers=headers
        ) as client:
            for image_id, (sha, url) in missing.items():
                try:
                    if time.monotonic() > deadline:
                        raise _Refused("not asked: the time for fetching ran out")
                    data = self._get(client, url, deadline)
                    if hashlib.sha256(data).hexdigest() != sha:
                        raise _Refused("refused: the bytes do not hash to the transcript's sha256")
                except _Refused as exc:
                    result.failed[image_id] = str(exc)
                    continue
                except httpx.HTTPError as exc:
                    result.failed[image_id] = f"the hub could not be reached ({type(exc).__name__})"
                    continue
                self._keep(webhook_id, image_id, sha, data)
                result.kept.append(image_id)
        log.info("images of %s: %s", webhook_id, result.summary())
        return result

    def _get(self, client: httpx.Client, url: str, deadline: float) -> bytes:
        with client.stream("GET", url) as resp:
            if resp.status_code != 200:  # a 3xx included: the hub never redirects an image
                raise _Refused(f"the hub answered HTTP {resp.status_code}")
            chunks, size = [], 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise _Refused(f"refused: larger than {self.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise _Refused("not kept: the time for fetching ran out")
                chunks.append(chunk)
        return b"".join(chunks)

    def _keep(self, webhook_id: str, image_id: str, sha: str, data: bytes) -> None:
        row = {"webhook_id": webhook_id, "image_id": image_id, "sha256": sha, "data": data}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(case_images).values(**row, fetched_at=utcnow()))
        except IntegrityError:
            pass  # kept meanwhile by a concurrent fetch (a PDF asked for while receiving): same bytes
