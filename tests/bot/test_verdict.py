"""What the bot makes of the hospitals' analyses: abstentions kept, findings only for an agreed kind
of image, independent models counted, plain words (qaid_bot.actions.verdict)."""

from __future__ import annotations

from typing import Any

from qaid_bot.actions.verdict import aggregate_analyses, describe, side_words, size_words


def analysis(
    verdict: str = "yes",
    topic: str | None = "brain_mri",
    status: str = "known",
    abnormal: bool | None = None,
    side: str | None = None,
    reason: str | None = None,
    part_reason: str | None = None,
    skipped: str | None = None,
    share: float | None = 0.02,
) -> dict[str, Any]:
    known = status == "known" and topic
    return {
        "medical": {"is_medical": verdict == "yes", "confidence": 0.9, "verdict": verdict, "reason": reason},
        "label": {"name": topic.split("_")[0], "confidence": 0.9, "topic": topic} if known else None,
        "body_part": {
            "name": topic.split("_")[0] if known else None,
            "confidence": 0.8,
            "status": status,
            "reason": part_reason,
        },  # fmt: skip
        "anomaly": None
        if abnormal is None
        else {
            "abnormal": abnormal,
            "confidence": 0.8,
            "side": side,
            "description": "d",
            "area_cm2": None,
            "brain_share": share,
        },  # fmt: skip
        "anomaly_check": None
        if skipped is None
        else {"task": "segmentation", "ran": False, "reason": skipped},
    }


def each(*analyses: dict[str, Any], keys: list[str] | None = None) -> list[tuple[dict[str, Any], str]]:
    return [(a, (keys or [f"m{i}" for i in range(len(analyses))])[i]) for i, a in enumerate(analyses)]


def say(v: Any, explain_side: bool = True) -> str:
    return describe(v, 2, 3, can_outline=False, explain_side=explain_side, tail=["(not a diagnosis.)"])[0]


def test_agreed_body_part_and_anomaly_on_the_patients_side() -> None:
    v = aggregate_analyses(each(analysis(abnormal=True, side="left"), analysis(abnormal=True, side="left"),
                                analysis(topic="chest_xray", abnormal=False)))  # fmt: skip
    assert v.is_medical and v.topic == "brain_mri" and (v.part.agree, v.part.total) == (2, 3)
    assert v.anomaly.value is True and (v.anomaly.agree, v.anomaly.total) == (
        2,
        2,
    )  # the chest voter has no say
    text = say(v)
    assert "a brain MRI (2 of 3 hospitals agree)" in text
    assert "possible abnormality on your left side (which is on the right of the picture" in text
    assert "about 2.0% of the tissue in the picture" in text and "px" not in text and "pixel" not in text
    assert "which is on the right of the picture" not in say(v, explain_side=False)


def test_unsure_whether_medical_claims_nothing_and_says_why() -> None:
    v = aggregate_analyses(each(analysis("unsure", reason="unlike the images the models were trained on"),
                                analysis("unsure", abnormal=True)))  # fmt: skip
    assert v.unsure_if_medical and v.topic is None and v.anomaly is None
    text = say(v)
    assert (
        "I can't tell whether this is a medical image: unlike the images the models were trained on" in text
    )
    for claim in ("brain", "abnormal", "lesion", "MRI images"):
        assert claim not in text


def test_a_yes_no_tie_is_unsure_not_medical() -> None:
    v = aggregate_analyses(each(analysis("no", topic=None), analysis("yes")))
    assert v.unsure_if_medical and not v.is_medical and not v.not_medical


def test_a_medical_image_whose_body_part_the_models_cannot_tell_gets_no_finding() -> None:
    unsure = analysis(status="unsure", part_reason="the models are not sure which body part this is",
                      abnormal=True, side="left")  # fmt: skip
    v = aggregate_analyses(each(unsure, unsure))
    assert v.is_medical and v.topic is None and v.anomaly is None
    text = say(v)
    assert "I can't tell which body part it shows (the models are not sure which body part this is)" in text
    assert "abnormal" not in text


def test_a_body_part_outside_the_classes_is_other_not_forced() -> None:
    v = aggregate_analyses(each(analysis(status="other"), analysis(status="other")))
    assert v.topic is None and v.part.value == "other"
    assert "a part of the body the hospitals' models don't cover" in say(v)


def test_hospitals_sharing_one_model_file_count_once() -> None:
    v = aggregate_analyses(each(analysis(), analysis(), analysis(), keys=["sha", "sha", "sha"]))
    assert (v.medical.total, v.medical.hospitals) == (1, 3)
    assert "a brain MRI (3 hospitals, one shared model)" in say(v)


def test_a_check_that_did_not_run_says_why() -> None:
    why = "the model was trained on axial brain MRI slices only; this image looks sagittal"
    v = aggregate_analyses(each(analysis(skipped=why), analysis(skipped=why)))
    assert v.anomaly is None and f"The abnormality check was not run: {why}." in say(v)


def test_not_medical() -> None:
    v = aggregate_analyses(each(analysis("no", topic=None), analysis("no", topic=None)))
    assert v.not_medical and "doesn't look like a medical image to me (2 of 2 hospitals agree)" in say(v)


def test_plain_words() -> None:
    assert side_words("both", True) == "on both sides"
    assert side_words("right", False) == "on your right side"
    assert size_words(1.234, 0.3) == "about 1.2 cm²"
    assert size_words(None, None) == ""


def test_a_hip_from_before_verdicts_still_reads() -> None:
    old = {"medical": {"is_medical": True, "confidence": 0.9},
           "label": {"name": "brain", "confidence": 0.9, "topic": "brain_mri"}}  # fmt: skip
    assert aggregate_analyses(each(old)).topic == "brain_mri"
