"""A transcript as an HL7 FHIR R4 ``collection`` Bundle, validated with ``fhir.resources`` (R4B models).

What a hospital system can import: the Patient (contact details only, nothing more is known), one
Communication per chat message, a Media per image and per overlay the patient was shown (type, size,
hash, a link on the hub or the bytes inline: :mod:`qaid.transcript.fhir_media`), an Observation per
model finding with a Provenance saying which model at which hospital gave it from which image, one
DiagnosticReport carrying the consensus (status ``preliminary`` and worded as *automated model
output, not a diagnosis*) and listing the images and overlays, an Organization per consented
hospital, a Device for the chat assistant and one per model (name, version, model file sha256).

The patient's consent is a **Consent** resource, not an extension: R4/R4B define Consent for
exactly this (scope ``patient-privacy``, a ``permit`` provision whose actors are the recipient
hospitals, action ``disclose``, the statement the patient agreed to as its ``sourceAttachment``),
and a receiving system can enforce it; the core spec documents no consent extension for a Bundle.

Resource ids are UUIDv5 of the conversation id and the resource's role, so rendering the same
transcript twice gives the same Bundle (a hospital importing it twice can match resources).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from qaid.transcript import fhir_media as fm
from qaid.transcript import reading

NOT_A_DIAGNOSIS = "Automated model output, not a diagnosis: a clinician must review the images."
_NS = uuid.UUID("6c1f4f0e-6a43-4f7a-9d0a-2f6bde0c9a51")  # arbitrary, fixed: the id namespace
QAID_SYSTEM = "urn:qaid"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
_CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
_CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
_ROLE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
_OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_DR_CATEGORY = "http://terminology.hl7.org/CodeSystem/v2-0074"


class _Ids:
    def __init__(self, conversation_id: str):
        self.conversation_id = conversation_id

    def __call__(self, role: str) -> str:
        return str(uuid.uuid5(_NS, f"{self.conversation_id}/{role}"))

    def ref(self, role: str) -> dict[str, str]:
        return {"reference": f"urn:uuid:{self(role)}"}


def _cc(text: str, system: str | None = None, code: str | None = None, display: str | None = None) -> dict:
    out: dict[str, Any] = {"text": text}
    if system and code:
        out["coding"] = [{"system": system, "code": code, "display": display or text}]
    return out


def _patient(t: dict[str, Any], ids: _Ids) -> dict[str, Any]:
    contact = t.get("contact") or {}
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": ids("patient"),
        "identifier": [{"system": f"{QAID_SYSTEM}:conversation", "value": t["conversation_id"]}],
    }
    if contact.get("name"):
        res["name"] = [{"text": contact["name"]}]
    telecom = []
    if contact.get("phone"):
        telecom.append({"system": "phone", "value": contact["phone"]})
    if contact.get("email"):
        telecom.append({"system": "email", "value": contact["email"]})
    if telecom:
        res["telecom"] = telecom
    return res


def _hospital_names(t: dict[str, Any], names: dict[str, str] | None) -> dict[str, str]:
    known = {f["hospital_id"]: f["hospital_name"] for f in t.get("findings", [])}
    known.update(names or {})
    return {hid: known.get(hid, hid) for hid in t["consent"]["hospitals"] + list(known)}


def _organization(hid: str, name: str, ids: _Ids) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": ids(f"org/{hid}"),
        "identifier": [{"system": f"{QAID_SYSTEM}:hospital", "value": hid}],
        "name": name,
    }


def _assistant(ids: _Ids) -> dict[str, Any]:
    return {
        "resourceType": "Device",
        "id": ids("device/assistant"),
        "deviceName": [{"name": "Q&Aid chat assistant", "type": "user-friendly-name"}],
    }


def _communications(t: dict[str, Any], ids: _Ids) -> list[dict[str, Any]]:
    image_ids = {i["image_id"] for i in t.get("images", [])}
    out = []
    for n, m in enumerate(t.get("messages", [])):
        payload: list[dict[str, Any]] = [{"contentString": m["text"] or "(image)"}]
        if m.get("image_id") in image_ids:
            payload.append({"contentReference": ids.ref(f"media/{m['image_id']}")})
        sender = ids.ref("patient") if m["sender"] == "patient" else ids.ref("device/assistant")
        out.append(
            {
                "resourceType": "Communication",
                "id": ids(f"message/{n}"),
                "status": "completed",
                "subject": ids.ref("patient"),
                "sent": m["at"],
                "sender": sender,
                "payload": payload,
            }
        )
    return out


def _observations(t: dict[str, Any], ids: _Ids) -> list[dict[str, Any]]:
    out = []
    for n, f in enumerate(t.get("findings", [])):
        what = reading.question_of(f)
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "id": ids(f"finding/{n}"),
            "status": "preliminary",
            "category": [{"coding": [{"system": _OBS_CATEGORY, "code": "imaging", "display": "Imaging"}]}],
            "code": _cc(f"{f['kind']}: {what}"),
            "subject": ids.ref("patient"),
            "performer": [ids.ref(f"org/{f['hospital_id']}")],
            "device": ids.ref(fm.model_role(f)),
            "valueString": f["answer"] or "(no answer)",
            "method": _cc("automated model output"),
            "note": [{"text": NOT_A_DIAGNOSIS}],
            "component": [
                {
                    "code": _cc("model confidence"),
                    "valueQuantity": {
                        "value": round(float(f["confidence"]), 4),
                        "unit": "1",
                        "system": UCUM,
                        "code": "1",
                    },
                }
            ],
        }
        if any(i["image_id"] == f["image_id"] for i in t.get("images", [])):
            obs["derivedFrom"] = [ids.ref(f"media/{f['image_id']}")]
        out.append(obs)
    return out


def consensus_lines(t: dict[str, Any]) -> list[str]:
    return [
        f"{c.get('question') or c['kind']}: {c['answer']} ({c['agree']} of {c['total']} hospitals agree)"
        for c in t.get("consensus", [])
    ]


def _report(t: dict[str, Any], ids: _Ids, n_findings: int, media: list[dict[str, Any]]) -> dict[str, Any]:
    lines = consensus_lines(t) or ["no consensus was computed"]
    return {
        "resourceType": "DiagnosticReport",
        "id": ids("report"),
        "status": "preliminary",
        "category": [{"coding": [{"system": _DR_CATEGORY, "code": "RAD", "display": "Radiology"}]}],
        "code": _cc("Automated medical image question answering (model output, not a diagnosis)"),
        "subject": ids.ref("patient"),
        "effectiveDateTime": t["created_at"],
        "result": [ids.ref(f"finding/{n}") for n in range(n_findings)],
        "media": [
            {"comment": m["content"]["title"], "link": {"reference": f"urn:uuid:{m['id']}"}} for m in media
        ],
        "conclusion": f"{NOT_A_DIAGNOSIS} Consensus of the hospitals' models: " + "; ".join(lines) + ".",
    }


def _consent(t: dict[str, Any], ids: _Ids) -> dict[str, Any]:
    c = t["consent"]
    statement = base64.b64encode(c["statement"].encode()).decode()
    return {
        "resourceType": "Consent",
        "id": ids("consent"),
        "status": "active",
        "scope": _cc("Privacy Consent", _CONSENT_SCOPE, "patient-privacy"),
        "category": [_cc("Patient Consent", LOINC, "59284-0")],
        "patient": ids.ref("patient"),
        "performer": [ids.ref("patient")],
        "dateTime": c["at"],
        "sourceAttachment": {
            "contentType": "text/plain; charset=utf-8",
            "data": statement,
            "title": "statement",
        },
        "policyRule": _cc("Share this conversation with the listed hospitals only"),
        "provision": {
            "type": "permit",
            "actor": [
                {"role": _cc("information recipient", _ROLE, "IRCP"), "reference": ids.ref(f"org/{hid}")}
                for hid in c["hospitals"]
            ],
            "action": [_cc("disclose", _CONSENT_ACTION, "disclose")],
        },
    }


def bundle(
    t: dict[str, Any],
    *,
    hospital_names: dict[str, str] | None = None,
    image_urls: Mapping[str, str] | None = None,
    images: Mapping[str, bytes] | None = None,
) -> dict[str, Any]:
    """The FHIR Bundle (JSON-ready dict) of a transcript given as its JSON dict; validated on the way.

    ``image_urls``: image id -> a capability link on the hub's own origin; ``images``: image id ->
    the bytes the hub's image store verified as this conversation's (for the Attachment's type, size
    and hash, and inline ``data`` where there is no link). Overlays are looked up by their image id too.
    """
    ids = _Ids(t["conversation_id"])
    observations = _observations(t, ids)
    media = fm.media(t, ids, images or {}, image_urls or {})
    resources = [
        _patient(t, ids),
        *(_organization(h, name, ids) for h, name in _hospital_names(t, hospital_names).items()),
        _assistant(ids),
        *fm.model_devices(t, ids),
        _consent(t, ids),
        *media,
        *_communications(t, ids),
        *observations,
        *fm.provenances(t, ids, {i["image_id"] for i in t.get("images", [])}),
        _report(t, ids, len(observations), media),
    ]
    raw = {
        "resourceType": "Bundle",
        "id": ids("bundle"),
        "type": "collection",
        "timestamp": t["created_at"],
        "identifier": {"system": f"{QAID_SYSTEM}:conversation", "value": t["conversation_id"]},
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
    # Validating through the R4B models catches a shape error here, not in a hospital's importer.
    return Bundle.model_validate(raw).model_dump(mode="json", exclude_none=True)
