"""Pure aggregation of several hospitals' model outputs into one answer with its agreement.

No I/O here, so every rule of "how many hospitals agree" is unit-tested directly. The patient sees
majority answers with their counts ("2 of 3 hospitals answered yes"), never a single model's word.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qaid_contracts.hip import Analysis, VqaAnswer
from qaid_contracts.transcript import Consensus
from qaid_contracts.vocabulary import FindingKind

# How each modality word of a topic id reads in a sentence (topic ids look like "brain_mri").
_MODALITY_WORDS = {
    "mri": "MRI",
    "ct": "CT",
    "xray": "X-ray",
    "x-ray": "X-ray",
    "mammography": "mammogram",
    "fundus": "fundus photo",
    "ultrasound": "ultrasound",
    "pet": "PET scan",
}
_PART_WORDS = {"eyes": "eye"}


@dataclass(frozen=True)
class Vote:
    """The majority of a vote: ``value`` chosen by ``agree`` of ``total`` voters."""

    value: Any
    agree: int
    total: int
    confidence: float = 0.0  # mean confidence of the agreeing voters
    split: tuple[tuple[Any, int], ...] = ()

    @property
    def unanimous(self) -> bool:
        return self.total > 0 and self.agree == self.total

    @property
    def tied(self) -> bool:
        return len(self.split) > 1 and self.split[0][1] == self.split[1][1]


def majority(votes: Sequence[tuple[Hashable, float]]) -> Vote | None:
    """Majority of ``(value, confidence)`` votes; ties go to the higher mean confidence.

    Returns ``None`` for no votes. The tie-break is only a presentation order: :attr:`Vote.tied`
    lets the caller say that the hospitals disagree instead of pretending there is a majority.
    """
    if not votes:
        return None
    counts = Counter(v for v, _ in votes)
    conf: dict[Hashable, list[float]] = {}
    for v, c in votes:
        conf.setdefault(v, []).append(float(c or 0.0))
    mean = {v: sum(cs) / len(cs) for v, cs in conf.items()}
    # Deterministic order: count, then confidence, then the value's text.
    ranked = sorted(counts, key=lambda v: (-counts[v], -mean[v], str(v)))
    best = ranked[0]
    return Vote(
        value=best,
        agree=counts[best],
        total=len(votes),
        confidence=mean[best],
        split=tuple((v, counts[v]) for v in ranked),
    )


def normalize_answer(answer: Any) -> str:
    """Answers from different models compare case-, space- and punctuation-insensitively."""
    text = re.sub(r"\s+", " ", str(answer or "")).strip().lower()
    return text.rstrip(".!")


def topic_phrase(topic: str | None, fallback: str | None = None) -> str:
    """``"brain_mri"`` -> ``"brain MRI"``; ``"chest_xray"`` -> ``"chest X-ray"``."""
    if not topic:
        return (fallback or "this kind of").replace("_", " ")
    part, _, modality = topic.partition("_")
    part = _PART_WORDS.get(part, part)
    if not modality:
        return part
    return f"{part} {_MODALITY_WORDS.get(modality, modality.replace('_', ' '))}"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


# ---- analyze -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageVerdict:
    """The hospitals' combined view of one image (from their ``/analyze`` answers)."""

    medical: Vote | None
    label: Vote | None  # value: topic id (or label name when the topic is unknown)
    anomaly: Vote | None  # value: True (abnormal) / False
    anomaly_side: str | None
    responders: int

    @property
    def is_medical(self) -> bool:
        # A tie counts as medical: refusing a real scan is worse than analysing a holiday photo,
        # which the labeler and the per-topic models then handle.
        return self.medical is not None and (self.medical.value is True or self.medical.tied)

    @property
    def topic(self) -> str | None:
        return None if self.label is None else str(self.label.value)


def aggregate_analyses(results: Iterable[Analysis]) -> ImageVerdict:
    analyses = [a for a in results if isinstance(a, dict)]
    medical_votes = []
    for a in analyses:
        med = a.get("medical") or {}
        if "is_medical" in med:
            medical_votes.append((bool(med["is_medical"]), float(med.get("confidence") or 0.0)))
    medical = majority(medical_votes)

    label_votes: list[tuple[Hashable, float]] = []
    anomaly_votes: list[tuple[Hashable, float]] = []
    sides: list[tuple[Hashable, float]] = []
    for a in analyses:
        if not (a.get("medical") or {}).get("is_medical", True):
            continue  # a hospital that saw no medical image has no say on what it shows
        label = a.get("label")
        if label:
            key = label.get("topic") or label.get("name")
            if key:
                label_votes.append((str(key), float(label.get("confidence") or 0.0)))
        anomaly = a.get("anomaly")
        if anomaly and anomaly.get("abnormal") is not None:
            conf = float(anomaly.get("confidence") or 0.0)
            anomaly_votes.append((bool(anomaly["abnormal"]), conf))
            if anomaly["abnormal"] and anomaly.get("side"):
                sides.append((str(anomaly["side"]), conf))
    anomaly_vote = majority(anomaly_votes)
    side_vote = majority(sides)
    side = side_vote.value if side_vote and anomaly_vote and anomaly_vote.value is True else None
    return ImageVerdict(
        medical=medical,
        label=majority(label_votes),
        anomaly=anomaly_vote,
        anomaly_side=side,
        responders=len(analyses),
    )


def offers_topic(hospital: Mapping[str, Any], topic: str | None, task: str | None = None) -> bool:
    """Does the hub directory say this hospital serves ``topic`` (for ``task``, or any task)?"""
    if not topic:
        return False
    offers = hospital.get("offers") or {}
    tasks = [task] if task else list(offers)
    return any(topic in (offers.get(t) or []) for t in tasks)


# ---- VQA -----------------------------------------------------------------------------------------


def aggregate_answers(answers: Iterable[VqaAnswer]) -> Vote | None:
    """Majority over VQA answers (``{answer, confidence}``), compared after normalisation."""
    votes: list[tuple[Hashable, float]] = [
        (normalize_answer(a.get("answer")), float(a.get("confidence") or 0.0))
        for a in answers
        if isinstance(a, dict) and normalize_answer(a.get("answer"))
    ]
    return majority(votes)


def describe_answer_vote(vote: Vote) -> str:
    """One sentence with the agreement: "2 of 2 hospitals answered yes" or the disagreement."""
    if vote.tied:
        parts = ", ".join(f"{n} answered {v}" for v, n in vote.split)
        return f"The hospitals disagree: {parts} (of {vote.total})."
    return f"{vote.agree} of {plural(vote.total, 'hospital')} answered {vote.value}."


def not_a_diagnosis(n: int, sources: list[tuple[str, str | None]] | None = None) -> str:
    """The safety line every model-derived answer carries, naming where it came from.

    ``sources``: (hospital name, model version) of each hospital that answered. The version lets a
    patient (and the doctor reading the transcript) tell answers of a newly published federated
    model from the old one; one version for all is said once.
    """
    head = f"From {n} hospitals' models" if n != 1 else "From 1 hospital's model"
    if not sources:
        return f"({head}, not a diagnosis.)"
    versions = {v for _, v in sources if v}
    if len(versions) <= 1:
        who = join_and([name for name, _ in sources])
        tail = f", version {versions.pop()}" if versions else ""
    else:
        who = join_and([f"{name} ({v or 'version unknown'})" for name, v in sources])
        tail = ""
    return f"({head}: {who}{tail}; not a diagnosis.)"


def record(kind: FindingKind, question: str | None, answer: str, agree: int, total: int) -> Consensus:
    """One line of the transcript's consensus: ``agree`` of ``total`` hospitals answered ``answer``."""
    row = Consensus(kind=kind, answer=answer, agree=agree, total=total)
    if question is not None:
        row["question"] = question
    return row


def join_and(items: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C" ("" for none)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def unreachable_note(n: int) -> str:
    if n <= 0:
        return ""
    return f"{plural(n, 'hospital')} {'was' if n == 1 else 'were'} unreachable and left out."
