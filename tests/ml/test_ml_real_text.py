"""Real text for document images (ml.real_text): held-out texts never reach training, pages vary."""

from __future__ import annotations

import numpy as np

from ml import real_text
from ml.rendered import document_items
from ml.synth_everyday import document


def _held_texts() -> list[str]:
    dists = (*real_text.EVAL_TEXTS, *real_text.VAL_TEXTS)
    return [read(d) for d in dists for read in (real_text.description, real_text.licence)]


def test_training_pages_never_use_an_evaluation_or_validation_text() -> None:
    train = real_text.train_texts()
    assert len(train) >= 50  # the point is breadth: one text per installed distribution
    for held in _held_texts():
        # a held text's opening paragraph, wherever a training text might quote it
        opening = held.strip()[:300]
        assert not any(opening in t for t in train), opening[:60]


def test_a_page_is_readable_text_in_a_layout_chosen_by_its_rng() -> None:
    text = real_text.description("pydicom")
    a = real_text.page(text, np.random.default_rng(1))
    b = real_text.page(text, np.random.default_rng(1))
    c = real_text.page(text, np.random.default_rng(2))
    assert a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3
    np.testing.assert_array_equal(a, b)
    assert a.shape != c.shape or not np.array_equal(a, c)
    paper = np.median(a.reshape(-1, 3), axis=0)
    ink = np.abs(a.astype(int) - paper).sum(axis=2) > 120
    assert 0.005 < ink.mean() < 0.4  # text was drawn, and the page is not a block of ink


def test_training_documents_are_square_store_size_images() -> None:
    rng = np.random.default_rng(3)
    pages = [document(rng, 96) for _ in range(6)]
    assert all(p.shape == (96, 96, 3) and p.dtype == np.uint8 for p in pages)
    assert len({p.tobytes() for p in pages}) == 6


def test_validation_pages_are_the_same_every_build() -> None:
    first, second = document_items("val"), document_items("val")
    assert [n for n, *_ in first] == [n for n, *_ in second]
    assert len(first) == 1 + len(real_text.VAL_TEXTS)
    for (_, x, _), (_, y, _) in zip(first, second, strict=True):
        np.testing.assert_array_equal(x, y)
