"""Building and signing the webhook request exactly as the Standard Webhooks spec (and library) does.

The body is ``{"type": "transcript.created", "timestamp": <event time>, "data": <transcript>}``
(plus ``"links": {"images": {id: url}}`` when the hub knows its public URL);
it is byte-identical across retries (the event time is when the hub accepted the transcript), and
only the ``webhook-timestamp`` header and signatures change per attempt. With several active
secrets (rotation) the signature header carries one ``v1,`` signature per secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from math import floor

from standardwebhooks import Webhook

EVENT_TYPE = "transcript.created"


def payload(
    transcript_body: bytes, event_time: datetime, image_url: Callable[[str], str | None] | None = None
) -> bytes:
    """The event body; with ``image_url``, ``links.images`` maps each image id to its capability URL
    on the hub (outside ``data``, which stays exactly the versioned transcript schema); an image for
    which ``image_url`` gives None (not bound to this conversation) gets no link.

    The stored transcript is already compact UTF-8 JSON, so it is spliced in as is, never dumped
    again, and the result is the same bytes on every retry. With ``image_url`` the body is parsed
    once per call to find the image ids for the links.
    """
    head = {"type": EVENT_TYPE, "timestamp": event_time.astimezone(UTC).isoformat()}
    out = json.dumps(head, separators=(",", ":"), ensure_ascii=False)[:-1].encode()
    out += b',"data":' + transcript_body.strip()
    if image_url is not None:
        found = json.loads(transcript_body).get("images") or []
        urls = {i["image_id"]: image_url(i["image_id"]) for i in found}
        if found:
            links = {"images": {image_id: url for image_id, url in urls.items() if url is not None}}
            out += b',"links":' + json.dumps(links, separators=(",", ":"), ensure_ascii=False).encode()
    return out + b"}"


def headers(msg_id: str, secrets: list[str], body: bytes, now: datetime | None = None) -> dict[str, str]:
    if not secrets:
        raise ValueError("no webhook secret configured for this endpoint")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    text = body.decode()
    signatures = " ".join(Webhook(s).sign(msg_id=msg_id, timestamp=now, data=text) for s in secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(floor(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
