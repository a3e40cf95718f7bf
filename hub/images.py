"""The hub's image store: untrusted uploads from the web chat, content-addressed and sealed at rest.

The type is decided by magic bytes, never by the client's Content-Type, and nothing is decoded
here (decoding untrusted images is the HIP's job, behind its own limits). Identical bytes map to
the same image id, so a patient re-sending a picture does not store it twice. Access is by a
capability token (HMAC of the id), which the bot passes along with the image URL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.crypto import DataBox
from hub.models import Image
from qaid import deid, imaging
from qaid.db import utcnow
from qaid.errors import EmptyInput, Invalid, TooLarge, UnsupportedType
from qaid.transcript import reading
from qaid_contracts import binding
from qaid_contracts.errors import (
    BURNED_IN_TEXT,
    CORRUPT_IMAGE,
    EMPTY_BODY,
    IMAGE_TOO_LARGE,
    UNSUPPORTED_IMAGE_TYPE,
)
from qaid_contracts.limits import MAX_IMAGE_BYTES


def sniff(data: bytes) -> str | None:
    """The media type of ``data`` from its magic bytes (qaid.imaging, as the HIP), or None if not an image."""
    return imaging.media_type(data)


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


def deidentified(data: bytes, media_type: str, box: DataBox) -> bytes:
    """What the hub keeps of an upload: a DICOM de-identified (qaid.deid; the original is never
    stored, so it cannot leave the hub), other images as they are. Invalid for a DICOM that cannot be
    de-identified or says its pixels carry text."""
    if media_type != imaging.MEDIA_TYPES[imaging.FORMAT_DICOM]:
        return data
    try:
        return deid.deidentify(data, box.dicom_uid_key)
    except deid.BurnedInText as exc:
        raise Invalid(BURNED_IN_TEXT, f"{exc} Please send the image without it, e.g. as a PNG.") from exc
    except deid.DeidError as exc:
        raise Invalid(CORRUPT_IMAGE, str(exc)) from exc


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


def linkable(db: Session, conversation_key: str, transcript: dict[str, Any]) -> set[str]:
    """The ids of the transcript's images and overlays a delivery may link: each must carry the
    reference the hub issued for this transcript's conversation at upload, exist, and have the sha256
    the transcript states. Anything else (another patient's image id, a forged or missing reference)
    gets no capability link, so the hospitals cannot fetch it."""
    conversation = binding.conversation_of(str(transcript.get("conversation_id") or ""))
    claimed = {
        str(i.get("image_id")): str(i.get("sha256"))
        for i in reading.image_refs(transcript)
        if binding.check_image_ref(conversation_key, i.get("image_id"), conversation, i.get("ref"))
    }
    if not claimed:
        return set()
    rows = db.execute(select(Image.id, Image.sha256).where(Image.id.in_(claimed)))
    return {image_id for image_id, digest in rows if claimed[image_id] == digest}


class VerifiedImages(Mapping[str, bytes]):
    """image id -> bytes of the ``linked`` images (see :func:`linkable`), read from the store on each
    lookup and only if they open and still hash to their sha256: what a rendering may embed. A
    lookup that fails either is a KeyError (rendered as unavailable). Nothing is cached, so a
    rendering holds one image at a time, not all fifty a transcript may name."""

    def __init__(self, db: Session, box: DataBox, linked: set[str]) -> None:
        self._db, self._box, self._ids = db, box, frozenset(linked)

    def __getitem__(self, image_id: str) -> bytes:
        if image_id not in self._ids:
            raise KeyError(image_id)
        # Columns, not the ORM object: the session's identity map would keep every row's bytes alive.
        query = select(Image.data_enc, Image.sha256).where(Image.id == image_id)
        row = self._db.execute(query).one_or_none()
        if row is None:
            raise KeyError(image_id)
        try:
            data = self._box.open(row.data_enc)
        except ValueError as exc:  # sealed under a key no longer configured, or damaged at rest
            raise KeyError(image_id) from exc
        if hashlib.sha256(data).hexdigest() != row.sha256:
            raise KeyError(image_id)
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._ids))

    def __len__(self) -> int:
        return len(self._ids)


def image_url(base_url: str, box: DataBox, image_id: str) -> str:
    """The capability URL of an image on the hub at ``base_url``."""
    return f"{base_url.rstrip('/')}/api/v1/images/{image_id}?token={box.image_token(image_id)}"


def image_urls(base_url: str, box: DataBox, transcript: dict[str, Any], linked: set[str]) -> dict[str, str]:
    """Capability links of the transcript's images and overlays in ``linked`` (see :func:`linkable`)."""
    ids = [i["image_id"] for i in reading.image_refs(transcript) if i["image_id"] in linked]
    return {image_id: image_url(base_url, box, image_id) for image_id in ids}
