"""Who a conversation is and which images belong to it: keyed hashes both runtimes compute alike.

The chat channels know a conversation by its *sender id* (the socket.io session id, a Telegram chat
id). That id is a credential: whoever sends a message under it continues the conversation. So it is
never shown to anybody else. What hospitals see is the *conversation id*, an HMAC of the sender id
under ``QAID_CONVERSATION_KEY``: stable for the conversation, useless for acting as the patient.

An image belongs to the conversation that uploaded it: at upload the hub signs the pair (image id,
conversation id) into a *reference*. The bot accepts an image only with a reference that verifies for
its own conversation, and the hub links only verified images into a delivery. The browser cannot
forge a reference (it never sees the key), so knowing another patient's image id is worth nothing.

The web chat's session ids are minted here too: a random part and a MAC, so the Rasa channel resumes
only sessions it issued (a client cannot choose one, such as a guessable name).

Every function refuses an empty key: an unconfigured key must never make ids guessable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

__all__ = [
    "IMAGE_ID_PATTERN",
    "SENDER_HEADER",
    "conversation_id",
    "conversation_of",
    "image_ref",
    "check_image_ref",
    "mint_session",
    "check_session",
]

# The hub's content-addressed image ids: "img_" + the first 32 hex digits of the stored bytes' sha256.
IMAGE_ID_PATTERN = r"^img_[0-9a-f]{32}$"
_IMAGE_ID = re.compile(IMAGE_ID_PATTERN)
# An image upload names its conversation by the chat's sender id in this header (the web page: its
# session id; the channels: the chat). Without it the hub stores the image but issues no reference,
# so it can be shown (an overlay) but never attached to a transcript.
SENDER_HEADER = "X-Qaid-Sender"
# A later session of the same sender is a new transcript: "<conversation id>-s<n>".
_SESSION_SUFFIX = re.compile(r"-s[0-9]+$")
_SESSION_ID = re.compile(r"^[0-9a-f]{32}\.[0-9a-f]{32}$")


def _mac(key: str, label: str, *parts: str) -> bytes:
    if not key:
        raise ValueError("QAID_CONVERSATION_KEY is not configured (the launcher generates it)")
    message = "\x00".join((label, *parts)).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).digest()


def conversation_id(key: str, sender_id: str) -> str:
    """The id hospitals see for the conversation of ``sender_id`` (128 bits, ``c_`` + hex)."""
    return "c_" + _mac(key, "qaid/conversation/v1", sender_id)[:16].hex()


def conversation_of(transcript_conversation_id: str) -> str:
    """A transcript's conversation id without the later-session suffix (what image refs name)."""
    return _SESSION_SUFFIX.sub("", transcript_conversation_id)


def image_ref(key: str, image_id: str, conversation: str) -> str:
    """The hub's signature binding ``image_id`` to ``conversation`` (a :func:`conversation_id`)."""
    mac = _mac(key, "qaid/image-ref/v1", image_id, conversation)
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def check_image_ref(key: str, image_id: object, conversation: str, ref: object) -> bool:
    """True only for a well-formed image id whose ``ref`` the hub issued for ``conversation``."""
    if not key or not isinstance(image_id, str) or not isinstance(ref, str) or not _IMAGE_ID.match(image_id):
        return False
    return hmac.compare_digest(image_ref(key, image_id, conversation).encode(), ref.encode())


def mint_session(key: str) -> str:
    """A new web chat session id: 128 random bits and a MAC over them."""
    nonce = secrets.token_hex(16)
    return f"{nonce}.{_mac(key, 'qaid/web-session/v1', nonce)[:16].hex()}"


def check_session(key: str, session_id: object) -> bool:
    """True only for a session id :func:`mint_session` issued under ``key``."""
    if not key or not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
        return False
    nonce, _, mac = session_id.partition(".")
    return hmac.compare_digest(_mac(key, "qaid/web-session/v1", nonce)[:16].hex().encode(), mac.encode())
