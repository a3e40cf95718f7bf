"""The aggregation rules: how many hospitals agree, ties, normalisation, phrasing."""

from __future__ import annotations

import pytest

from qaid_bot.actions import consensus as cs
from qaid_bot.actions.verdict import topic_phrase


class TestMajority:
    def test_votes_of_one_model_file_count_once(self):
        """Three hospitals serving the same file are one opinion, not three."""
        v = cs.majority([("yes", 0.9, "sha-a"), ("yes", 0.9, "sha-a"), ("yes", 0.9, "sha-a")])
        assert (v.agree, v.total, v.hospitals) == (1, 1, 3) and v.shared
        assert cs.agreement(v) == "3 hospitals, one shared model"
        assert cs.describe_answer_vote(v) == "3 hospitals answered yes, with one shared model."

    def test_independent_models_are_counted_beside_the_hospitals(self):
        v = cs.majority([("yes", 0.9, "a"), ("yes", 0.8, "a"), ("no", 0.7, "b"), ("yes", 0.6, "c")])
        assert (v.value, v.agree, v.total, v.hospitals) == ("yes", 2, 3, 4)
        assert (
            cs.agreement(v)
            == "2 of 3 independent models agree; 4 hospitals answered, some with the same model"
        )
        assert not cs.majority([("yes", 0.9, "a"), ("yes", 0.8, "b")]).shared
        assert cs.agreement(cs.majority([("yes", 0.9, "a"), ("yes", 0.8, "b")])) == "2 of 2 hospitals agree"

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
        assert topic_phrase(topic) == phrase

    def test_topic_phrase_fallback(self):
        assert topic_phrase(None, "some_label") == "some label"

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
