"""Trivial baselines for the intent figures, on the same held-out messages as the trained model.

A macro-F1 means little alone: these say how much of it any text classifier gets for free.

* **majority**: every message gets the intent with the most training examples;
* **nearest neighbour**: the intent of the most similar training example (cosine over TF-IDF of
  words and character 3-5-grams, so typos still match) — what "looks up the closest thing we
  trained on" scores, with no model at all.

* **nearest neighbour + red-flag rules**: the same, with the rules the Rasa pipeline also applies
  after its classifier (``qaid_bot.nlu.red_flags``: a red flag makes the message an emergency),
  so the comparison with the model's figure is like for like.

All learn from exactly what the Rasa model learns from (``bot/data/nlu``: annotated entities
reduced to their text) and are scored like ``rasa test nlu`` scores it (macro-F1 over the intents
that occur in the held-out set, and accuracy).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize

__all__ = ["examples", "scores"]

_ENTITY = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def examples(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(text, intent) of every intent example in Rasa NLU YAML files (entity markup removed)."""
    out: list[tuple[str, str]] = []
    for path in paths:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in doc.get("nlu") or []:
            if "intent" not in block:
                continue  # lookup tables, synonyms, regexes
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text:
                    out.append((_ENTITY.sub(r"\1", text), str(block["intent"])))
    return out


def scores(
    train: list[tuple[str, str]],
    heldout: list[tuple[str, str]],
    emergency: Callable[[str], bool] | None = None,
) -> dict[str, dict[str, float]]:
    """{baseline: {"macro_f1", "accuracy"}} on ``heldout``, learning from ``train``; with
    ``emergency`` (the red-flag rules) also the nearest neighbour those rules override."""
    truth = [intent for _, intent in heldout]
    labels = sorted(set(truth))
    majority = Counter(intent for _, intent in train).most_common(1)[0][0]
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
            ),
        ]
    )
    train_x = normalize(features.fit_transform([t for t, _ in train]))
    held_x = normalize(features.transform([t for t, _ in heldout]))
    nearest = (held_x @ train_x.T).toarray().argmax(axis=1)
    guesses = {
        "majority": [majority] * len(heldout),
        "nearest neighbour": [train[i][1] for i in nearest],
    }
    if emergency is not None:
        guesses["nearest neighbour + red-flag rules"] = [
            "emergency" if emergency(text) else guess
            for (text, _), guess in zip(heldout, guesses["nearest neighbour"], strict=True)
        ]
    return {
        name: {
            "macro_f1": float(f1_score(truth, guess, labels=labels, average="macro", zero_division=0)),
            "accuracy": float(accuracy_score(truth, guess)),
        }
        for name, guess in guesses.items()
    }
