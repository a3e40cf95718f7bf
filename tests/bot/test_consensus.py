"""The aggregation rules: how many hospitals agree, ties, normalisation, phrasing."""

from __future__ import annotations

import pytest

from qaid_bot.actions import consensus as cs


def analysis(medical=True, topic="brain_mri", conf=0.9, abnormal=None, side=None):
    return {
        "medical": {"is_medical": medical, "confidence": 0.95},
        "label": {"name": topic.split("_")[0], "confidence": conf, "topic": topic} if topic else None,
        "anomaly": None if abnormal is None else {"abnormal": abnormal, "confidence": conf, "side": side},
    }


class TestMajority:
    def test_empty_is_none(self):
        assert cs.majority([]) is None

    def test_counts_agreement(self):
        v = cs.majority([("yes", 0.9), ("yes", 0.7), ("no", 0.99)])
        assert (v.value, v.agree, v.total) == ("yes", 2, 3)
        assert v.confidence == pytest.approx(0.8)
        assert not v.unanimous and not v.tied

    def test_unanimous(self):
        v = cs.majority([("yes", 0.5), ("yes", 0.6)])
        assert v.unanimous and v.agree == 2 and v.total == 2

    def test_tie_is_flagged_and_broken_by_confidence(self):
        v = cs.majority([("no", 0.6), ("yes", 0.9)])
        assert v.tied
        assert v.value == "yes"
        assert dict(v.split) == {"yes": 1, "no": 1}

    def test_tie_with_equal_confidence_is_deterministic(self):
        a = cs.majority([("b", 0.5), ("a", 0.5)])
        b = cs.majority([("a", 0.5), ("b", 0.5)])
        assert a.value == b.value == "a"

    def test_none_confidence_counts_as_zero(self):
        v = cs.majority([("x", None), ("x", 1.0)])
        assert v.confidence == pytest.approx(0.5)


class TestNormalisation:
    @pytest.mark.parametrize(
        "raw,expected",
        [
            ("Yes", "yes"),
            (" yes. ", "yes"),
            ("Left  Frontal\nlobe", "left frontal lobe"),
            (None, ""),
            ("NO!", "no"),
        ],
    )
    def test_normalize_answer(self, raw, expected):
        assert cs.normalize_answer(raw) == expected

    def test_answers_that_differ_in_case_agree(self):
        v = cs.aggregate_answers(
            [{"answer": "Yes", "confidence": 0.9}, {"answer": "yes.", "confidence": 0.8}]
        )
        assert (v.value, v.agree, v.total) == ("yes", 2, 2)

    def test_empty_answers_are_ignored(self):
        v = cs.aggregate_answers(
            [{"answer": "", "confidence": 0.9}, {"answer": "no", "confidence": 0.8}, "junk"]
        )
        assert (v.value, v.agree, v.total) == ("no", 1, 1)

    def test_no_answers(self):
        assert cs.aggregate_answers([]) is None


class TestPhrases:
    @pytest.mark.parametrize(
        "topic,phrase",
        [
            ("brain_mri", "brain MRI"),
            ("chest_xray", "chest X-ray"),
            ("heart_ct", "heart CT"),
            ("eyes_fundus", "eye fundus photo"),
            ("breast_mammography", "breast mammogram"),
            ("knee_ultrasound", "knee ultrasound"),
            ("hand", "hand"),
        ],
    )
    def test_topic_phrase(self, topic, phrase):
        assert cs.topic_phrase(topic) == phrase

    def test_topic_phrase_fallback(self):
        assert cs.topic_phrase(None, "some_label") == "some label"

    def test_vote_sentence(self):
        v = cs.majority([("yes", 0.9), ("yes", 0.8)])
        assert cs.describe_answer_vote(v) == "2 of 2 hospitals answered yes."

    def test_vote_sentence_single(self):
        assert cs.describe_answer_vote(cs.majority([("no", 1)])) == "1 of 1 hospital answered no."

    def test_disagreement_sentence(self):
        text = cs.describe_answer_vote(cs.majority([("yes", 0.9), ("no", 0.8)]))
        assert "disagree" in text and "1 answered yes" in text and "1 answered no" in text

    def test_not_a_diagnosis(self):
        assert cs.not_a_diagnosis(3) == "(From 3 hospitals' models, not a diagnosis.)"
        assert "1 hospital's model, not a diagnosis" in cs.not_a_diagnosis(1)
        same = cs.not_a_diagnosis(2, [("Herastrau", "fed-1"), ("Cismigiu", "fed-1")])
        assert same == "(From 2 hospitals' models: Herastrau and Cismigiu, version fed-1; not a diagnosis.)"
        mixed = cs.not_a_diagnosis(3, [("A", "fed-2"), ("B", "demo-1"), ("C", None)])
        assert mixed == (
            "(From 3 hospitals' models: A (fed-2), B (demo-1) and C (version unknown); not a diagnosis.)"
        )
        assert cs.not_a_diagnosis(1, [("A", None)]) == "(From 1 hospital's model: A; not a diagnosis.)"

    def test_unreachable_note(self):
        assert cs.unreachable_note(0) == ""
        assert cs.unreachable_note(1) == "1 hospital was unreachable and left out."
        assert cs.unreachable_note(2) == "2 hospitals were unreachable and left out."


class TestAnalyses:
    def test_majority_label_and_anomaly(self):
        v = cs.aggregate_analyses(
            [
                analysis(abnormal=True, side="left"),
                analysis(abnormal=True, side="left"),
                analysis(topic="chest_xray", conf=0.4, abnormal=False),
            ]
        )
        assert v.is_medical and v.medical.agree == 3
        assert v.topic == "brain_mri" and (v.label.agree, v.label.total) == (2, 3)
        assert v.anomaly.value is True and (v.anomaly.agree, v.anomaly.total) == (2, 3)
        assert v.anomaly_side == "left"
        assert v.responders == 3

    def test_hospitals_without_anomaly_check_do_not_vote(self):
        v = cs.aggregate_analyses([analysis(abnormal=True), analysis(abnormal=None)])
        assert (v.anomaly.agree, v.anomaly.total) == (1, 1)

    def test_non_medical_majority(self):
        v = cs.aggregate_analyses([analysis(medical=False, topic=None)] * 2 + [analysis()])
        assert not v.is_medical
        assert (v.medical.value, v.medical.agree, v.medical.total) == (False, 2, 3)

    def test_non_medical_votes_do_not_label(self):
        v = cs.aggregate_analyses([analysis(medical=False, topic="hand_xray"), analysis()])
        assert v.label.total == 1 and v.topic == "brain_mri"

    def test_medical_tie_counts_as_medical(self):
        v = cs.aggregate_analyses([analysis(medical=False, topic=None), analysis()])
        assert v.is_medical

    def test_no_side_when_majority_is_normal(self):
        v = cs.aggregate_analyses(
            [analysis(abnormal=False), analysis(abnormal=False), analysis(abnormal=True, side="right")]
        )
        assert v.anomaly.value is False and v.anomaly_side is None

    def test_label_without_topic_uses_name(self):
        v = cs.aggregate_analyses(
            [
                {
                    "medical": {"is_medical": True, "confidence": 1},
                    "label": {"name": "wrist", "confidence": 0.7, "topic": None},
                }
            ]
        )
        assert v.topic == "wrist"

    def test_empty(self):
        v = cs.aggregate_analyses([])
        assert v.medical is None and not v.is_medical and v.responders == 0


class TestOffers:
    H = {"offers": {"vqa": ["brain_mri", "chest_xray"], "segmentation": ["brain_mri"]}}

    def test_any_task(self):
        assert cs.offers_topic(self.H, "chest_xray")
        assert not cs.offers_topic(self.H, "hand_xray")

    def test_specific_task(self):
        assert cs.offers_topic(self.H, "brain_mri", "segmentation")
        assert not cs.offers_topic(self.H, "chest_xray", "segmentation")

    def test_missing(self):
        assert not cs.offers_topic({}, "brain_mri")
        assert not cs.offers_topic(self.H, None)
