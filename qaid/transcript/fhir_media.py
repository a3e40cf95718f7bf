"""The pictures and the provenance of a transcript's FHIR Bundle (R4B, see :mod:`qaid.transcript.fhir`).

- A **Media** per image the patient shared and per overlay they were shown (a segmentation outline):
  ``content`` is an ``Attachment`` with ``contentType`` (from the bytes' magic, never a claim),
  ``size``, ``hash`` and either a ``url`` on the hub's own origin (a capability link the hub issued)
  or, with no link, the bytes inline as ``data``. ``Attachment.hash`` is base64 SHA-1 in R4/R4B
  ("The calculated hash of the data using SHA-1. Represented using base64", the R4B spec and
  fhir.resources' R4B model say so), so it is SHA-1 there; the SHA-256 the transcript states stays
  in ``Media.identifier`` (RFC 6920 ``sha-256``), which is how the hub names the image.
  Bytes whose SHA-256 is not the one the transcript states are treated as unavailable.
- A **Provenance** per Observation: its target is the Observation (and the overlay that model drew),
  its agent the model (a Device: name, version, model file sha256 when known) on behalf of the
  hospital (Organization), its entity the image the answer was derived from.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any, Protocol

from qaid.imaging import media_type
from qaid.transcript import reading
from qaid_contracts.transcript import DETAIL_MODEL_SHA256

__all__ = ["KIND_NAMES", "media", "model_devices", "model_role", "provenances"]


class Ids(Protocol):
    """Resource ids by role (``qaid.transcript.fhir._Ids``): ``ids(role)``, ``ids.ref(role)``."""

    def __call__(self, role: str) -> str: ...

    def ref(self, role: str) -> dict[str, str]: ...


_MEDIA_TYPE = "http://terminology.hl7.org/CodeSystem/media-type"
_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
SHA256_SYSTEM = "urn:ietf:rfc:6920:sha-256"
KIND_NAMES = {
    "analyze": "image analysis model",
    "segment": "lesion segmentation model",
    "vqa": "visual question answering model",
}


def attachment(title: str, sha256: str, data: bytes | None, url: str | None) -> tuple[dict[str, Any], bool]:
    """(the Attachment, whether the bytes are available)."""
    out: dict[str, Any] = {"title": title}
    if data is not None and hashlib.sha256(data).hexdigest() == sha256:
        out["contentType"] = media_type(data) or "application/octet-stream"
        out["size"] = len(data)
        out["hash"] = base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode()
        if not url:
            out["data"] = base64.b64encode(data).decode()
    if url:
        out["url"] = url
    return out, "data" in out or "url" in out


def _media(
    role: str, image: dict[str, Any], title: str, got: tuple[bytes | None, str | None], ids: Ids
) -> dict[str, Any]:
    content, available = attachment(title, image["sha256"], *got)
    res: dict[str, Any] = {
        "resourceType": "Media",
        "id": ids(role),
        "identifier": [
            {"system": "urn:qaid:image", "value": image["image_id"]},
            {"system": SHA256_SYSTEM, "value": image["sha256"]},
        ],
        "status": "completed",
        "type": {"coding": [{"system": _MEDIA_TYPE, "code": "image", "display": "Image"}]},
        "subject": ids.ref("patient"),
        "content": content,
    }
    if not available:
        res["note"] = [{"text": "Image unavailable: the hub holds no verified copy of it."}]
    return res


def media(
    t: dict[str, Any], ids: Ids, data: Mapping[str, bytes], urls: Mapping[str, str]
) -> list[dict[str, Any]]:
    """A Media per image (in the order shared) and per overlay a segmentation finding names."""
    out = []
    for n, img in enumerate(t.get("images", []), start=1):
        got = (data.get(img["image_id"]), urls.get(img["image_id"]))
        out.append(_media(f"media/{img['image_id']}", img, f"Image {n} the patient shared", got, ids))
    seen: set[str] = set()
    for f in t.get("findings", []):
        overlay = reading.overlay_of(f)
        if overlay is None or overlay["image_id"] in seen:
            continue
        seen.add(overlay["image_id"])
        title = f"Lesion outline by {f['hospital_name']} over image {f['image_id']}, as the patient saw it"
        got = (data.get(overlay["image_id"]), urls.get(overlay["image_id"]))
        res = _media(f"overlay/{overlay['image_id']}", overlay, title, got, ids)
        res["device"] = ids.ref(model_role(f))
        out.append(res)
    return out


def model_role(f: dict[str, Any]) -> str:
    """The id role of the Device for the model that gave finding ``f`` (one per model file)."""
    sha = (f.get("detail") or {}).get(DETAIL_MODEL_SHA256)
    return f"device/model/{f['kind']}/{sha or f.get('model_version') or 'unknown'}"


def model_devices(t: dict[str, Any], ids: Ids) -> list[dict[str, Any]]:
    """A Device per model that answered: its name (the task), version and model file sha256."""
    out: dict[str, dict[str, Any]] = {}
    for f in t.get("findings", []):
        role = model_role(f)
        if role in out:
            continue
        version = f.get("model_version") or "unknown"
        res: dict[str, Any] = {
            "resourceType": "Device",
            "id": ids(role),
            "deviceName": [{"name": KIND_NAMES.get(f["kind"], f"{f['kind']} model"), "type": "model-name"}],
            "version": [{"value": version}],
        }
        sha = (f.get("detail") or {}).get(DETAIL_MODEL_SHA256)
        if sha:
            res["identifier"] = [{"system": SHA256_SYSTEM, "value": str(sha)}]
        out[role] = res
    return list(out.values())


def provenances(t: dict[str, Any], ids: Ids, image_ids: set[str]) -> list[dict[str, Any]]:
    """A Provenance per Observation (``finding/<n>``): which model, at which hospital, from which image."""
    out = []
    for n, f in enumerate(t.get("findings", [])):
        targets = [ids.ref(f"finding/{n}")]
        overlay = reading.overlay_of(f)
        if overlay:
            targets.append(ids.ref(f"overlay/{overlay['image_id']}"))
        res: dict[str, Any] = {
            "resourceType": "Provenance",
            "id": ids(f"provenance/{n}"),
            "target": targets,
            "recorded": t["created_at"],
            "activity": {"text": "automated model output, not a diagnosis"},
            "agent": [
                {
                    "type": {
                        "coding": [{"system": _PARTICIPANT, "code": "performer", "display": "Performer"}]
                    },
                    "who": ids.ref(model_role(f)),
                    "onBehalfOf": ids.ref(f"org/{f['hospital_id']}"),
                }
            ],
        }
        if f["image_id"] in image_ids:
            res["entity"] = [{"role": "source", "what": ids.ref(f"media/{f['image_id']}")}]
        out.append(res)
    return out
