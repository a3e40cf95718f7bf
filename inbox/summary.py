"""What a doctor needs at a glance from a transcript: the one-line summary, findings grouped per
image, the hospitals' agreement per image, and confidence in plain words.

All derived from the signed transcript as received; nothing here is stored.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

# The grouping and wording shared with the PDF and FHIR renderings (one source of truth).
from qaid.transcript.reading import (
    CONFIDENCE_NOTE,
    QUESTION_WORDS,
    agreement,
    agreement_words,
    confidence_words,
    overlay_of,
    per_image,
    question_of,
)

__all__ = [
    "CONFIDENCE_NOTE",
    "QUESTION_WORDS",
    "agreement",
    "agreement_words",
    "asked",
    "body_part",
    "confidence_words",
    "key_findings",
    "one_line",
    "overlay_of",
    "per_image",
    "question_of",
]

_TRIVIAL = {"yes", "no", "[image]", "hi", "hello", "thanks", "thank you", "bye", "goodbye"}
_MAX_ASK = 90


def body_part(t: dict[str, Any]) -> str | None:
    """The body part most hospitals' labelers named, else the topic of a visual answer."""
    parts: Counter[str] = Counter()
    for f in t.get("findings", []):
        detail = f.get("detail") or {}
        label = detail.get("label") if isinstance(detail.get("label"), dict) else None
        if f["kind"] == "analyze" and label and label.get("name"):
            parts[str(label["name"])] += 1
        elif isinstance(detail.get("topic"), str):
            parts[detail["topic"].split("_")[0]] += 1
    return parts.most_common(1)[0][0] if parts else None


def asked(t: dict[str, Any]) -> str | None:
    """What the patient asked for: their first question, else their first real sentence."""
    texts = [
        m["text"].strip()
        for m in t.get("messages", [])
        if m["sender"] == "patient"
        and m["text"].strip().lower() not in _TRIVIAL
        and not m["text"].startswith("[")
    ]
    chosen = next((x for x in texts if x.endswith("?")), texts[0] if texts else None)
    if chosen and len(chosen) > _MAX_ASK:
        chosen = chosen[: _MAX_ASK - 1].rstrip() + "…"
    return chosen


def key_findings(t: dict[str, Any]) -> list[str]:
    """Per kind, the answer most hospitals gave (analysis, outline, then the first visual answer)."""
    out: list[str] = []
    for kind in ("analyze", "segment", "vqa"):
        answers = Counter(
            (f.get("question"), f["answer"])
            for f in t.get("findings", [])
            if f["kind"] == kind and f["answer"]
        )
        if answers:
            (question, answer), _ = answers.most_common(1)[0]
            out.append(f"{question} {answer}" if kind == "vqa" and question else answer)
    return out


def one_line(t: dict[str, Any]) -> str:
    parts = []
    if ask := asked(t):
        parts.append(f"Asked: “{ask}”")
    if found := key_findings(t):
        parts.append("Found: " + "; ".join(found))
    if part := body_part(t):
        parts.append(f"Body part: {part}")
    if t.get("symptoms"):
        parts.append("Symptoms: " + ", ".join(t["symptoms"][:3]))
    return " · ".join(parts) or "No question, finding or symptom recorded."
