"""The hub's image store: untrusted uploads from the web chat, content-addressed and sealed at rest.

The type is decided by magic bytes, never by the client's Content-Type, and nothing is decoded
here (decoding untrusted images is the HIP's job, behind its own limits). Identical bytes map to
the same image id, so a patient re-sending a picture does not store it twice. Access is by a
capability token (HMAC of the id), which the bot passes along with the image URL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.crypto import DataBox
from hub.models import Image
from qaid.db import utcnow
from qaid.errors import EmptyInput, TooLarge, UnsupportedType
from qaid.imaging import FORMAT_DICOM, FORMAT_JPEG, FORMAT_PNG, sniff_format
from qaid_contracts.errors import EMPTY_BODY, IMAGE_TOO_LARGE, UNSUPPORTED_IMAGE_TYPE
from qaid_contracts.limits import MAX_IMAGE_BYTES

_MEDIA_TYPES = {FORMAT_PNG: "image/png", FORMAT_JPEG: "image/jpeg", FORMAT_DICOM: "application/dicom"}


def sniff(data: bytes) -> str | None:
    """The media type of ``data`` from its magic bytes (qaid.imaging, as the HIP), or None if not an image."""
    return _MEDIA_TYPES.get(sniff_format(data) or "")


def check_upload(data: bytes, limit: int = MAX_IMAGE_BYTES) -> str:
    """Validate an upload; its media type, or a domain error (empty, too large, not an image)."""
    if not data:
        raise EmptyInput(EMPTY_BODY, "The request body is empty; send the raw image bytes.")
    if len(data) > limit:
        raise TooLarge(IMAGE_TOO_LARGE, f"The image is {_mb(len(data))}; the limit is {_mb(limit)}.")
    media_type = sniff(data)
    if media_type is None:
        raise UnsupportedType(UNSUPPORTED_IMAGE_TYPE, "Only PNG, JPEG and DICOM images are accepted.")
    return media_type


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


@dataclass(frozen=True)
class StoredImage:
    image_id: str
    sha256: str
    content_type: str
    created: bool


def image_id_for(sha256: str) -> str:
    return "img_" + sha256[:32]


def store(db: Session, box: DataBox, data: bytes, media_type: str) -> StoredImage:
    """Store (or find) the image with these bytes; commits."""
    digest = hashlib.sha256(data).hexdigest()
    image_id = image_id_for(digest)
    if db.scalar(select(Image.id).where(Image.sha256 == digest)) is not None:
        # Retention counts from the latest upload: a patient re-sending an old picture keeps it alive.
        db.execute(update(Image).where(Image.sha256 == digest).values(created_at=utcnow()))
        db.commit()
        return StoredImage(image_id, digest, media_type, created=False)
    row = Image(id=image_id, sha256=digest, content_type=media_type, size=len(data), data_enc=box.seal(data))
    db.add(row)
    try:
        db.commit()
    except IntegrityError:  # the same bytes uploaded concurrently: the other upload won, same id
        db.rollback()
        return StoredImage(image_id, digest, media_type, created=False)
    return StoredImage(image_id, digest, media_type, created=True)


def load(db: Session, box: DataBox, image_id: str) -> tuple[bytes, str] | None:
    row = db.get(Image, image_id)
    if row is None:
        return None
    return box.open(row.data_enc), row.content_type


def image_url(base_url: str, box: DataBox, image_id: str) -> str:
    """The capability URL of an image on the hub at ``base_url``."""
    return f"{base_url.rstrip('/')}/api/v1/images/{image_id}?token={box.image_token(image_id)}"


def image_urls(base_url: str, box: DataBox, transcript: dict) -> dict[str, str]:
    return {i["image_id"]: image_url(base_url, box, i["image_id"]) for i in transcript.get("images", [])}
