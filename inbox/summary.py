"""What a doctor needs at a glance from a transcript: the one-line summary, findings grouped per
image, the hospitals' agreement per image, and confidence in plain words.

All derived from the signed transcript as received; nothing here is stored.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

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


def per_image(t: dict[str, Any]) -> list[tuple[dict[str, Any] | None, list[dict[str, Any]]]]:
    """(image, its findings) in the order the images were shared; findings about an image the
    transcript does not list come last with ``None``."""
    images = t.get("images", [])
    known = {i["image_id"] for i in images}
    groups = [(i, [f for f in t.get("findings", []) if f["image_id"] == i["image_id"]]) for i in images]
    orphans = [f for f in t.get("findings", []) if f["image_id"] not in known]
    return groups + ([(None, orphans)] if orphans else [])


def agreement(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per question asked of this image: the answer most hospitals gave and how many gave it
    (computed from the image's findings, one vote per hospital)."""
    by_question: dict[tuple[str, str], dict[str, str]] = {}
    for f in findings:
        key = (f["kind"], f.get("question") or "")
        by_question.setdefault(key, {})[f["hospital_id"]] = f["answer"]
    out = []
    for (kind, question), votes in by_question.items():
        answer, agree = Counter(votes.values()).most_common(1)[0]
        out.append(
            {"kind": kind, "question": question, "answer": answer, "agree": agree, "total": len(votes)}
        )
    return out


QUESTION_WORDS = {
    "analyze": "What is this image?",
    "segment": "Where is the lesion?",
}


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
