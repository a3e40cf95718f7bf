"""How a transcript reads to a doctor: findings grouped per image, the models' agreement per question,
and confidence in plain words.

The one source of this wording: the inbox's case page (``inbox.summary``), the PDF and the FHIR
Bundle all read a transcript through these functions, so a doctor sees the same words everywhere.
Everything here is derived from the transcript as given; nothing is stored.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from qaid_contracts.transcript import DETAIL_MODEL_SHA256, DETAIL_OVERLAY

__all__ = [
    "CONFIDENCE_NOTE",
    "QUESTION_WORDS",
    "agreement",
    "agreement_words",
    "confidence_words",
    "image_refs",
    "model_key",
    "overlay_of",
    "per_image",
    "question_of",
]

CONFIDENCE_NOTE = (
    "“How sure the model was” is the model's own score for its answer, not a probability of disease; "
    "an outline's size is in its answer. None of this is a diagnosis."
)
QUESTION_WORDS = {
    "analyze": "What is this image?",
    "segment": "Where is the lesion?",
}


def per_image(t: dict[str, Any]) -> list[tuple[dict[str, Any] | None, list[dict[str, Any]]]]:
    """(image, its findings) in the order the images were shared; findings about an image the
    transcript does not list come last with ``None``."""
    images = t.get("images", [])
    known = {i["image_id"] for i in images}
    groups = [(i, [f for f in t.get("findings", []) if f["image_id"] == i["image_id"]]) for i in images]
    orphans = [f for f in t.get("findings", []) if f["image_id"] not in known]
    return groups + ([(None, orphans)] if orphans else [])


def model_key(f: dict[str, Any]) -> str:
    """Who casts one vote: the model file (its sha256) where the finding names it, else the hospital.
    Two hospitals running the same file would give the same answer, so they are one opinion."""
    sha = (f.get("detail") or {}).get(DETAIL_MODEL_SHA256)
    return f"model:{sha}" if isinstance(sha, str) and sha else f"hospital:{f['hospital_id']}"


def agreement(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per question asked of this image: the answer most independent models gave, how many gave it
    (one vote per model file, see :func:`model_key`) and how many hospitals answered."""
    by_question: dict[tuple[str, str], dict[str, str]] = {}
    hospitals: dict[tuple[str, str], set[str]] = {}
    for f in findings:
        key = (f["kind"], f.get("question") or "")
        by_question.setdefault(key, {})[model_key(f)] = f["answer"]
        hospitals.setdefault(key, set()).add(f["hospital_id"])
    out = []
    for (kind, question), votes in by_question.items():
        answer, agree = Counter(votes.values()).most_common(1)[0]
        out.append(
            {
                "kind": kind,
                "question": question,
                "answer": answer,
                "agree": agree,
                "total": len(votes),
                "hospitals": len(hospitals[(kind, question)]),
            }
        )
    return out


def agreement_words(a: dict[str, Any]) -> str:
    """``2 of 3 hospitals agree`` / ``1 of 1 hospital answered``; where hospitals share a model file
    the count is of independent models: ``2 of 2 independent models agree (3 hospitals)``."""
    agree, total = a["agree"], a["total"]
    hospitals = a.get("hospitals", total)
    if hospitals > total:
        verb = "agree" if total != 1 else "answered"
        return (
            f"{agree} of {total} independent model{'s' if total != 1 else ''} {verb} ({hospitals} hospitals)"
        )
    if total == 1:
        return f"{agree} of 1 hospital answered"
    return f"{agree} of {total} hospitals agree"


def question_of(f: dict[str, Any]) -> str:
    return str(f.get("question") or QUESTION_WORDS.get(f["kind"], f["kind"]))


def confidence_words(f: dict[str, Any]) -> str:
    """The model's own score in words, or nothing where the number is not a confidence.

    A segmentation's number is the share of the image outlined (its answer already says the size),
    so it is not shown as a confidence at all.
    """
    if f["kind"] == "segment":
        return ""
    c = float(f["confidence"])
    level = "high" if c >= 0.8 else "moderate" if c >= 0.5 else "low"
    what = "of the body part it named" if f["kind"] == "analyze" else "of this answer"
    return f"{level} — the model rated itself {c:.0%} sure {what}"


def overlay_of(f: dict[str, Any]) -> dict[str, Any] | None:
    """The overlay a segmentation finding says the patient was shown (an image reference), if any.
    Only a reference: whoever renders it must check it against the image store (hub.images)."""
    if f.get("kind") != "segment":
        return None
    ref = (f.get("detail") or {}).get(DETAIL_OVERLAY)
    if isinstance(ref, dict) and isinstance(ref.get("image_id"), str) and isinstance(ref.get("sha256"), str):
        return ref
    return None


def image_refs(t: dict[str, Any]) -> list[dict[str, Any]]:
    """Every image reference a transcript makes: its images, then the overlays its segmentation
    findings say the patient was shown. References only: the hub verifies each (hub.images.linkable)."""
    refs = [i for i in t.get("images") or [] if isinstance(i, dict)]
    for f in t.get("findings") or []:
        overlay = overlay_of(f) if isinstance(f, dict) else None
        if overlay is not None:
            refs.append(overlay)
    return refs
