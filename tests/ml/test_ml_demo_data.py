"""Demo data: deterministic, labels and masks consistent with the images, sides in patient terms."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ml.demo_data import (
    ANSWER_TYPES,
    ANSWERS,
    NON_MEDICAL,
    QUESTIONS,
    DataConfig,
    Split,
    encode_questions,
    generate,
    partition,
    question_vocab,
)  # fmt: skip
from ml.lesions import _mni_slices, brain_mri, chest_xray, patient_side, side_answer
from qaid.bundle import BODY_PARTS, DEFAULT_LABEL_TOPICS, UNK_ID
from qaid.config import DEMO_HOSPITALS


def test_same_seed_same_bytes_other_seed_differs() -> None:
    cfg = DataConfig().scaled(0.02)
    a, b, c = generate(cfg, 5), generate(cfg, 5), generate(cfg, 6)
    for split in ("train", "test"):
        assert a[split].labels == b[split].labels
        assert all(np.array_equal(x, y) for x, y in zip(a[split].images, b[split].images, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a["train"].images, c["train"].images, strict=True))


def test_every_class_in_every_split(small_data: dict[str, Split]) -> None:
    for split in small_data.values():
        assert set(split.labels) == set(range(len(BODY_PARTS))) | {NON_MEDICAL}


def test_side_convention_is_radiological() -> None:
    # image left half = patient's right
    assert patient_side(10, 128) == "right" and patient_side(120, 128) == "left"
    assert side_answer([]) == "none" and side_answer(["left", "left"]) == "left"
    assert side_answer(["left", "right"]) == "both"


def test_brain_slices_are_centred_on_the_midline() -> None:
    slices, _ = _mni_slices(64)
    mass = slices.sum(axis=(0, 1))
    left, right = mass[:32].sum(), mass[32:].sum()
    assert abs(left - right) / (left + right) < 0.03


def test_masks_match_lesions_and_sides() -> None:
    rng = np.random.default_rng(0)
    for make in (brain_mri, chest_xray):
        for count in (0, 1, 2, 3):
            img, f = make(rng, 128, count)
            comps, n = ndimage.label(f.mask)
            assert n == f.count == len(f.sides) <= count  # placement may give up, never overlaps
            if n == 0:
                assert f.side == "none"
                continue
            # lesions are brighter than the tissue right around them
            ring = ndimage.binary_dilation(f.mask, iterations=3) & ~ndimage.binary_dilation(
                f.mask, iterations=1
            )
            assert img[f.mask].mean() > img[ring].mean() + 20
            cols = [ndimage.center_of_mass(comps == k)[1] for k in range(1, n + 1)]
            assert sorted(patient_side(c + 0.5, 128) for c in cols) == sorted(f.sides)
            # no lesion straddles the midline
            for k in range(1, n + 1):
                xs = np.nonzero(comps == k)[1]
                assert xs.max() < 64 or xs.min() >= 64


def test_vqa_answers_follow_ground_truth(small_data: dict[str, Split]) -> None:
    split = small_data["test"]
    qa = split.qa(split.indices(("brain", "chest")))
    for i, q, a in qa:
        f, part = split.findings[i], BODY_PARTS[split.labels[i]]
        if q == "which side is the lesion on?":
            assert a == f.side
        elif q == "is this image abnormal?":
            assert a == ("yes" if f.count else "no")
        elif q == "how many lesions?":
            assert a == str(f.count)
        elif q == "what organ is shown?":
            assert a == part
        elif q == "is this a brain mri?":
            assert a == ("yes" if part == "brain" else "no")
        assert a in ANSWERS
    asked = {q for _, q, _ in qa}
    assert {"is this image abnormal?", "which side is the lesion on?", "is there a lesion?"} <= asked
    assert len(ANSWER_TYPES) == len(ANSWERS) and {ANSWER_TYPES[ANSWERS.index(a)] for a in ("yes", "no")} == {
        "closed"
    }


def test_vocab_covers_every_template() -> None:
    vocab = question_vocab()
    assert vocab[:2] == ["<pad>", "<unk>"]
    ids = encode_questions([q for qs in QUESTIONS.values() for q in qs], vocab)
    assert not (ids == UNK_ID).any()


def test_partition_is_complete_and_non_iid(small_data: dict[str, Split]) -> None:
    split = small_data["train"]
    parts = partition(split, {h.id: h.offers for h in DEMO_HOSPITALS}, DEFAULT_LABEL_TOPICS, seed=0)
    flat = sorted(i for idx in parts.values() for i in idx)
    assert flat == list(range(len(split.labels)))
    shares = [
        np.bincount([split.labels[i] + 1 for i in idx], minlength=13) / max(len(idx), 1)
        for idx in parts.values()
    ]
    assert max(np.abs(shares[0] - s).sum() for s in shares[1:]) > 0.2
