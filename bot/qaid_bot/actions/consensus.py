"""Pure aggregation of several hospitals' model outputs into one answer with its agreement.

No I/O here, so every rule of "how many hospitals agree" is unit-tested directly. The patient sees
majority answers with their counts ("2 of 3 hospitals answered yes"), never a single model's word.

Agreement counts independent opinions, not hospitals: hospitals that serve the same model file
(the same sha256 in their capabilities) would answer the same image identically, so they count
once, and the wording says so ("3 hospitals, one shared model").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qaid_contracts.hip import VqaAnswer
from qaid_contracts.transcript import Consensus
from qaid_contracts.vocabulary import FindingKind

# One hospital's vote: (value, confidence) or (value, confidence, model key). Votes with the same
# model key (the sha256 of the model file that produced them) are one opinion.
Ballot = tuple[Hashable, float] | tuple[Hashable, float, Hashable]


@dataclass(frozen=True)
class Vote:
    """The majority of a vote: ``value`` chosen by ``agree`` of ``total`` independent models, which
    ``hospitals`` hospitals answered for (more than ``total`` when some share a model file)."""

    value: Any
    agree: int
    total: int
    confidence: float = 0.0  # mean confidence of the agreeing models
    split: tuple[tuple[Any, int], ...] = ()
    hospitals: int = 0  # hospitals that voted (0: as many as models)

    @property
    def unanimous(self) -> bool:
        return self.total > 0 and self.agree == self.total

    @property
    def tied(self) -> bool:
        return len(self.split) > 1 and self.split[0][1] == self.split[1][1]

    @property
    def shared(self) -> bool:
        """Did some hospitals answer with the same model file?"""
        return self.hospitals > self.total


def majority(votes: Sequence[Ballot]) -> Vote | None:
    """Majority of ``(value, confidence[, model])`` votes over independent models; ties go to the
    higher mean confidence.

    A model key seen before is the same model answering again: it is not another opinion, so only
    its first vote counts (the same file on the same image gives the same answer). Returns ``None``
    for no votes. The tie-break is only a presentation order: :attr:`Vote.tied` lets the caller say
    that the hospitals disagree instead of pretending there is a majority.
    """
    if not votes:
        return None
    seen: set[Hashable] = set()
    unique: list[tuple[Hashable, float]] = []
    for i, ballot in enumerate(votes):
        extra = ballot[2:]
        key = extra[0] if extra and extra[0] is not None else ("ballot", i)
        if key not in seen:
            seen.add(key)
            unique.append((ballot[0], float(ballot[1] or 0.0)))
    counts = Counter(v for v, _ in unique)
    conf: dict[Hashable, list[float]] = {}
    for v, c in unique:
        conf.setdefault(v, []).append(c)
    mean = {v: sum(cs) / len(cs) for v, cs in conf.items()}
    # Deterministic order: count, then confidence, then the value's text.
    ranked = sorted(counts, key=lambda v: (-counts[v], -mean[v], str(v)))
    best = ranked[0]
    return Vote(
        value=best,
        agree=counts[best],
        total=len(unique),
        confidence=mean[best],
        split=tuple((v, counts[v]) for v in ranked),
        hospitals=len(votes),
    )


def agreement(vote: Vote) -> str:
    """How many agree, in words: "3 of 3 hospitals agree", "3 hospitals, one shared model", or
    "2 of 2 independent models agree; 3 hospitals answered, some with the same model"."""
    verb = "agrees" if vote.agree == 1 else "agree"
    if not vote.shared:
        return f"{vote.agree} of {plural(vote.total, 'hospital')} {verb}"
    if vote.total == 1:
        return f"{vote.hospitals} hospitals, one shared model"
    return (
        f"{vote.agree} of {plural(vote.total, 'independent model')} {verb}; "
        f"{vote.hospitals} hospitals answered, some with the same model"
    )


def normalize_answer(answer: Any) -> str:
    """Answers from different models compare case-, space- and punctuation-insensitively."""
    text = re.sub(r"\s+", " ", str(answer or "")).strip().lower()
    return text.rstrip(".!")


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


# ---- analyze -------------------------------------------------------------------------------------


def offers_topic(hospital: Mapping[str, Any], topic: str | None, task: str | None = None) -> bool:
    """Does the hub directory say this hospital serves ``topic`` (for ``task``, or any task)?"""
    if not topic:
        return False
    offers = hospital.get("offers") or {}
    tasks = [task] if task else list(offers)
    return any(topic in (offers.get(t) or []) for t in tasks)


# ---- VQA -----------------------------------------------------------------------------------------


def aggregate_answers(answers: Iterable[VqaAnswer], models: Sequence[Hashable] | None = None) -> Vote | None:
    """Majority over VQA answers (``{answer, confidence}``), compared after normalisation;
    ``models``: each answer's model key (answers of one model file count once)."""
    listed = list(answers)
    keys = list(models) if models is not None else [None] * len(listed)
    votes: list[Ballot] = [
        (normalize_answer(a.get("answer")), float(a.get("confidence") or 0.0), key)
        for a, key in zip(listed, keys, strict=True)
        if isinstance(a, dict) and normalize_answer(a.get("answer"))
    ]
    return majority(votes)


def describe_answer_vote(vote: Vote) -> str:
    """One sentence with the agreement: "2 of 2 hospitals answered yes" or the disagreement."""
    who = "independent models" if vote.shared else "hospitals"
    if vote.tied:
        parts = ", ".join(f"{n} answered {v}" for v, n in vote.split)
        return f"The {who} disagree: {parts} (of {vote.total})."
    if vote.shared and vote.total == 1:
        return f"{vote.hospitals} hospitals answered {vote.value}, with one shared model."
    if vote.shared:
        return (
            f"{vote.agree} of {plural(vote.total, 'independent model')} answered {vote.value} "
            f"({vote.hospitals} hospitals answered, some with the same model)."
        )
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
