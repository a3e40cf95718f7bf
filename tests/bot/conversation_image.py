"""The image a test conversation shares, and the conversation key the bot tests run with: the bytes,
the hub's id and reference for them, and the metadata a message carrying them has."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from qaid_contracts import binding

# A 1x1 PNG: the bytes only need to round-trip.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
# The hub's content-addressed id of PNG, and the conversation key the bot tests run with.
IMAGE_ID = "img_" + hashlib.sha256(PNG).hexdigest()[:32]
CONVERSATION_KEY = "conversation-key-for-tests"


def image_ref(image_id: str = IMAGE_ID, sender: str = "conv-1") -> str:
    """The reference the hub issues for ``image_id`` uploaded by the conversation of ``sender``."""
    return binding.image_ref(CONVERSATION_KEY, image_id, binding.conversation_id(CONVERSATION_KEY, sender))


def image_metadata(hub_url: str = "", image_id: str = IMAGE_ID, sender: str = "conv-1") -> dict[str, Any]:
    """A message's image as the web page sends it: the hub's answer to an upload by ``sender``."""
    return {
        "image": {
            "image_id": image_id,
            "token": "t0k",
            "ref": image_ref(image_id, sender),
            "url": f"{hub_url}/api/v1/images/{image_id}?token=t0k",
        }
    }
