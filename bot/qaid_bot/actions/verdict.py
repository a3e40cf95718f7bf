"""What the nearby hospitals' models said about one image, and how to say it — abstentions included.

Pure functions (no I/O), unit-tested directly. Each hospital's ``/analyze`` answer carries a
calibrated verdict (medical yes / no / unsure), a body part that may be "other" or unsure with a
reason, and whether its anomaly check ran on this kind of image. The bot passes on exactly that:
a confident answer only where the models agree they know; otherwise what they can say ("a medical
image, but I can't tell which body part") and nothing more. No finding is reported for an image
whose body part the models did not agree on.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from qaid_contracts.hip import Analysis
from qaid_contracts.transcript import Consensus
from qaid_contracts.vocabulary import Side

from . import consensus as cs

__all__ = ["ImageVerdict", "aggregate_analyses", "describe", "topic_phrase", "side_words", "size_words"]

UNSURE = "unsure"
OTHER = "other"

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


def topic_phrase(topic: str | None, fallback: str | None = None) -> str:
    """``"brain_mri"`` -> ``"brain MRI"``; ``"chest_xray"`` -> ``"chest X-ray"``."""
    if not topic:
        return (fallback or "this kind of").replace("_", " ")
    part, _, modality = topic.partition("_")
    part = _PART_WORDS.get(part, part)
    if not modality:
        return part
    return f"{part} {_MODALITY_WORDS.get(modality, modality.replace('_', ' '))}"


@dataclass(frozen=True)
class ImageVerdict:
    """The hospitals' combined view of one image (from their ``/analyze`` answers)."""

    medical: cs.Vote | None  # value: "yes" | "no" | "unsure"
    part: cs.Vote | None  # among hospitals sure it is medical; value: a topic id, "other" or "unsure"
    anomaly: cs.Vote | None  # value: True (abnormal) / False, only when the body part is agreed
    anomaly_side: Side | None
    anomaly_size: tuple[float | None, float | None]  # (cm², share of the imaged tissue)
    responders: int
    reasons: tuple[str, ...] = ()  # why the models were unsure, in plain words
    checks_skipped: tuple[str, ...] = ()  # why an anomaly check did not run on this image

    @property
    def is_medical(self) -> bool:
        return self.medical is not None and self.medical.value == "yes" and not self.medical.tied

    @property
    def unsure_if_medical(self) -> bool:
        """The models cannot tell whether this is a medical image (they said so, or they disagree)."""
        return not self.is_medical and not self.not_medical

    @property
    def not_medical(self) -> bool:
        return self.medical is not None and self.medical.value == "no" and not self.medical.tied

    @property
    def topic(self) -> str | None:
        """The agreed kind of image (a topic id); None when the body part is other, unsure or disputed."""
        p = self.part
        if not self.is_medical or p is None or p.tied or p.value in (OTHER, UNSURE):
            return None
        return str(p.value)


def _medical_value(a: Analysis) -> str:
    med: Mapping[str, Any] = a.get("medical") or {}
    verdict = med.get("verdict")
    if verdict in ("yes", "no", UNSURE):
        return str(verdict)
    return "yes" if med.get("is_medical") else "no"  # a HIP from before calibrated verdicts


def _part_value(a: Analysis) -> str:
    part: Mapping[str, Any] = a.get("body_part") or {}
    label = a.get("label")
    if part.get("status") == OTHER:
        return OTHER
    if label and (label.get("topic") or label.get("name")):
        return str(label.get("topic") or label.get("name"))
    return UNSURE


def _field(part: Mapping[str, Any] | None, name: str) -> Any:
    """``part[name]`` of an optional sub-object of an analysis (None when either is missing)."""
    return part.get(name) if isinstance(part, Mapping) else None


def aggregate_analyses(results: Iterable[tuple[Analysis, Hashable | None]]) -> ImageVerdict:
    """Combine ``(analysis, model key)`` pairs, nearest hospital first; analyses from one model file
    (one key) are one opinion."""
    analyses = [(a, key) for a, key in results if isinstance(a, dict)]
    medical = cs.majority([(_medical_value(a), a["medical"]["confidence"], key) for a, key in analyses])
    sure = [(a, key) for a, key in analyses if _medical_value(a) == "yes"]
    part = cs.majority(
        [(_part_value(a), _field(a.get("body_part"), "confidence") or 0.0, key) for a, key in sure]
    )
    reasons = [str(r) for a, _ in analyses if (r := _field(a.get("medical"), "reason"))]
    reasons += [str(r) for a, _ in sure if (r := _field(a.get("body_part"), "reason"))]
    verdict = ImageVerdict(medical, part, None, None, (None, None), len(analyses), _unique(reasons))
    topic = verdict.topic
    if topic is None:
        return verdict  # no finding for an image the models could not place
    agreeing = [(a, key) for a, key in sure if _part_value(a) == topic]
    votes: list[cs.Ballot] = []
    skipped = []
    for a, key in agreeing:
        anomaly, check = a.get("anomaly"), a.get("anomaly_check")
        if anomaly is not None:
            votes.append((bool(anomaly["abnormal"]), float(anomaly["confidence"]), key))
        elif check is not None and not check.get("ran") and check.get("reason"):
            skipped.append(str(check["reason"]))
    vote = cs.majority(votes)
    side: Side | None = None
    size: tuple[float | None, float | None] = (None, None)
    flagged = [an for a, _ in agreeing if (an := a.get("anomaly")) is not None and an["abnormal"]]
    if vote is not None and vote.value is True and not vote.tied and flagged:
        first = flagged[0]
        side, size = first.get("side"), (first.get("area_cm2"), first.get("brain_share"))
    skipped_reasons = _unique(skipped) if vote is None else ()
    return ImageVerdict(medical, part, vote, side, size, len(analyses), verdict.reasons, skipped_reasons)


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def side_words(side: str | None, explain: bool) -> str:
    """The patient's side in plain words; ``explain`` adds once how it maps onto the picture."""
    if side == "both":
        return "on both sides"
    if side not in ("left", "right"):
        return ""
    if not explain:
        return f"on your {side} side"
    picture = "right" if side == "left" else "left"
    return f"on your {side} side (which is on the {picture} of the picture: scans show you as if facing you)"


def size_words(area_cm2: float | None, share: float | None) -> str:
    """``"about 1.2 cm²"`` when the pixel spacing is known, else a share of the imaged tissue."""
    if area_cm2 is not None:
        return f"about {area_cm2:.1f} cm²"
    if share is not None:
        return f"about {max(share, 0.001):.1%} of the tissue in the picture"
    return ""


def describe(
    v: ImageVerdict,
    able: int,
    nearby: int,
    *,
    can_outline: bool,
    explain_side: bool,
    tail: list[str],
) -> tuple[str, list[Consensus]]:
    """The patient-facing summary of ``v`` and the consensus lines the transcript records.

    ``able``/``nearby``: how many nearby hospitals serve this kind of image, of how many;
    ``can_outline``: offer an outline; ``tail``: what always ends the reply (hospitals left out,
    where the answer came from, "not a diagnosis")."""
    consensus: list[Consensus] = []
    if v.medical is not None:
        answer = "yes" if v.is_medical else "no" if v.not_medical else UNSURE
        consensus.append(
            cs.record("analyze", "Is this a medical image?", answer, v.medical.agree, v.medical.total)
        )
    if v.not_medical and v.medical is not None:
        parts = [
            f"This doesn't look like a medical image to me ({cs.agreement(v.medical)}), so I can't analyse "
            "it. I can help with medical scans such as an MRI, a CT scan or an X-ray."
        ]
    elif not v.is_medical:
        why = v.reasons[0] if v.reasons else "the hospitals' models are not sure"
        parts = [
            f"I can't tell whether this is a medical image: {why}. I won't guess. If it is a scan, the "
            "original file (DICOM) or a straight, well-lit photo of the whole image may help, and a "
            "doctor can always look at it."
        ]
    else:
        parts = _medical_parts(v, able, nearby, can_outline, explain_side, consensus)
    return " ".join(p for p in [*parts, *tail] if p), consensus


def _medical_parts(
    v: ImageVerdict, able: int, nearby: int, can_outline: bool, explain_side: bool, consensus: list[Consensus]
) -> list[str]:
    assert v.medical is not None
    how = cs.agreement(v.medical)
    if v.topic is None:
        if v.part is not None and v.part.value == OTHER and not v.part.tied:
            return [
                f"This looks like a medical image ({how}) of a part of the body the hospitals' models "
                "don't cover, so I can't say more about it; a doctor can."
            ]
        why = next((r for r in v.reasons if "body part" in r), "the models are not sure")
        return [
            f"This looks like a medical image ({how}), but I can't tell which body part it shows ({why}), "
            "so I won't answer questions about it. A doctor can look at it."
        ]
    assert v.part is not None
    what = topic_phrase(v.topic)
    consensus.append(cs.record("analyze", "What does the image show?", what, v.part.agree, v.part.total))
    parts = [f"This looks like a medical image: a {what} ({cs.agreement(v.part)})."]
    if able:
        parts.append(f"{able} of {nearby} nearby hospitals can analyse {what} images.")
    else:
        parts.append(
            f"Unfortunately none of the {nearby} nearby hospitals can analyse {what} images yet, so I "
            "can't answer questions about this one."
        )
    parts += _anomaly_parts(v, explain_side, consensus)
    if able:
        parts.append(
            'You can ask me questions about it, e.g. "is there a lesion?"'
            + (", or ask me to outline the lesion." if can_outline else ".")
        )
    return parts


def _anomaly_parts(v: ImageVerdict, explain_side: bool, consensus: list[Consensus]) -> list[str]:
    a = v.anomaly
    if a is None:
        return [f"The abnormality check was not run: {why}." for why in v.checks_skipped[:1]]
    answer = "possible abnormality" if a.value else "nothing abnormal"
    consensus.append(
        cs.record("analyze", "Is anything abnormal?", "disagreement" if a.tied else answer, a.agree, a.total)
    )
    if a.tied:
        yes = dict(a.split).get(True, 0)
        return [f"Anomaly check: the models disagree ({yes} of {a.total} flag a possible abnormality)."]
    if not a.value:
        return [f"Anomaly check: nothing abnormal found ({cs.agreement(a)})."]
    where = ", ".join(w for w in (side_words(v.anomaly_side, explain_side), size_words(*v.anomaly_size)) if w)
    return [f"Anomaly check: a possible abnormality{' ' + where if where else ''} ({cs.agreement(a)})."]
