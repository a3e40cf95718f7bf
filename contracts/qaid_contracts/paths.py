"""URL paths of the hub and of a HIP, as their clients build them.

Ids are quoted, so an id that is not a plain token (``../admin``) can never become another path.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = [
    "HIP_CAPABILITIES",
    "HIP_IMAGES",
    "HIP_HEALTH",
    "HIP_READY",
    "HIP_RELOAD",
    "hip_analyze",
    "hip_vqa",
    "hip_segment",
    "HUB_IMAGES",
    "HUB_HOSPITALS",
    "HUB_NEARBY",
    "HUB_TRANSCRIPTS",
    "HUB_HEALTH",
    "hub_image",
    "hub_hospital_replies",
    "hub_reply",
    "hub_reply_answer",
]

# A HIP (hip_service).
HIP_CAPABILITIES = "/v1/capabilities"
HIP_IMAGES = "/v1/images"
HIP_HEALTH = "/health"
HIP_READY = "/ready"
HIP_RELOAD = "/v1/admin/reload"


def _hip_image_task(hip_image_id: str, task: str) -> str:
    return f"{HIP_IMAGES}/{quote(hip_image_id, safe='')}/{task}"


def hip_analyze(hip_image_id: str) -> str:
    return _hip_image_task(hip_image_id, "analyze")


def hip_vqa(hip_image_id: str) -> str:
    return _hip_image_task(hip_image_id, "vqa")


def hip_segment(hip_image_id: str) -> str:
    return _hip_image_task(hip_image_id, "segment")


# The hub.
HUB_IMAGES = "/api/v1/images"
HUB_HOSPITALS = "/api/v1/hospitals"
HUB_NEARBY = "/api/v1/hospitals/nearby"
HUB_TRANSCRIPTS = "/api/v1/transcripts"
HUB_HEALTH = "/health"


def hub_image(image_id: str) -> str:
    return f"{HUB_IMAGES}/{quote(image_id, safe='')}"


def hub_hospital_replies(hospital_id: str) -> str:
    """Where a hospital's inbox posts its doctors' replies (Standard Webhooks signed)."""
    return f"{HUB_HOSPITALS}/{quote(hospital_id, safe='')}/replies"


def hub_reply(reply_id: str) -> str:
    return f"/api/v1/replies/{quote(reply_id, safe='')}"


def hub_reply_answer(reply_id: str) -> str:
    return hub_reply(reply_id) + "/answer"
