"""The evaluation sets in bot/tests/heldout/ (all DEV sets now: v1 tuned against, v2, v4 and v5 (image
questions only) written blind and measured once, then used for development; see its README.md)
against issue 15's gates: emergency recall and false alarms of the red-flag rules, the image-question
type map and the unsupported questions; and the separation of these sets from the training data. The
emergency gate in every dialogue state, with the trained model, is tests/rasa/test_emergency_states.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from qaid_bot.nlu.question_types import understand
from qaid_bot.nlu.red_flags import assess

BOT = Path(__file__).resolve().parents[2] / "bot"
HELDOUT = BOT / "tests" / "heldout"
VERSIONS = {"v1": "", "v2": "_v2"}  # file suffix per set version
IMAGE_VERSIONS = {**VERSIONS, "v4": "_v4", "v5": "_v5"}  # image questions written blind, dev since
# later dev sets: not gated, but kept apart from the training data like the others
UNGATED = (
    "emergencies_v3.yml", "emergencies_v4.yml", "emergencies_v5.yml",
    "intents_v6.yml", "emergencies_v6.yml", "image_questions_v6.yml",
    "intents_v7.yml", "emergencies_v7.yml", "image_questions_v7.yml",
    "intents_v8.yml", "emergencies_v8.yml", "image_questions_v8.yml",
    "intents_v9.yml", "emergencies_v9.yml", "image_questions_v9.yml",
)  # fmt: skip
MIN_RECALL, MAX_FALSE_ALARMS, MIN_TYPE_ACCURACY = 0.98, 0.05, 0.95
# v5's author labelled 10 tumour, mass and growth questions as lesion, side or count questions and one
# "normal for a 40 year old" as normal; the bot declines these 11 of 135 by design (a lesion detector must
# not answer a tumour question; the models judge normal without an age; README.md lists them), so v5 is
# gated at its dev figure, 0.919, less a margin of two messages rather than at 0.95
MIN_TYPE_ACCURACY_BY_VERSION = {"v5": 0.90}


def _load(name: str) -> dict:
    return yaml.safe_load((HELDOUT / name).read_text(encoding="utf-8"))


def _examples(block: str) -> list[str]:
    return [line.strip()[2:] for line in block.splitlines() if line.strip().startswith("- ")]


def _norm(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})", r"\1", text.lower())
    words = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return words or text.strip()  # an emoji-only message is compared as it is


@pytest.mark.parametrize("version", list(VERSIONS))
def test_emergency_recall_and_false_alarms(version: str) -> None:
    sets = _load(f"emergencies{VERSIONS[version]}.yml")
    emergencies = [t for texts in sets["emergencies"].values() for t in texts]
    lookalikes = [t for texts in sets["lookalikes"].values() for t in texts]
    assert len(emergencies) >= 150 and len(lookalikes) >= 150
    missed = [t for t in emergencies if not assess(t).emergency]
    alarms = [t for t in lookalikes if assess(t).emergency]
    recall, false_alarms = 1 - len(missed) / len(emergencies), len(alarms) / len(lookalikes)
    print(
        f"\nred flags {version}: recall {recall:.3f} ({len(missed)}/{len(emergencies)} missed), "
        f"false alarms {false_alarms:.3f} ({len(alarms)}/{len(lookalikes)})"
    )
    assert recall >= MIN_RECALL, missed
    assert false_alarms <= MAX_FALSE_ALARMS, alarms


@pytest.mark.parametrize("version", list(IMAGE_VERSIONS))
def test_question_type_mapping_and_unsupported_questions(version: str) -> None:
    sets = _load(f"image_questions{IMAGE_VERSIONS[version]}.yml")
    supported = [(t, q) for t, qs in sets["supported"].items() for q in qs]
    wrong = [(t, q, understand(q).types) for t, q in supported if understand(q).types != (t,)]
    answered = [q for q in sets["unsupported"] if understand(q).types]
    accuracy = 1 - len(wrong) / len(supported)
    print(
        f"\nquestion types {version}: accuracy {accuracy:.3f} on {len(supported)}; "
        f"unsupported answered {len(answered)}/{len(sets['unsupported'])}"
    )
    assert len(sets["unsupported"]) >= 50
    assert accuracy >= MIN_TYPE_ACCURACY_BY_VERSION.get(version, MIN_TYPE_ACCURACY), wrong
    # a miss may be a question the bot declines, never an answer of another type
    assert [w for w in wrong if w[2]] == []
    assert answered == []


def _held(name: str) -> list[str]:
    data = _load(name)
    if name.startswith("intents"):
        return [e for item in data["nlu"] for e in _examples(item["examples"])]
    return [t for v in data.values() for group in (v.values() if isinstance(v, dict) else [v]) for t in group]


def _coincident(version: str) -> set[str]:
    """Messages of a set that were training examples before it was written (stock phrases; see the file)."""
    path = HELDOUT / f"{version}_coincident_with_training.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return {line for line in lines if line and not line.startswith("#")}


@pytest.mark.parametrize(
    "name",
    [
        f"{kind}{suffix}.yml"
        for suffix in VERSIONS.values()
        for kind in ("intents", "emergencies", "image_questions")
    ]
    + ["image_questions_v4.yml", "image_questions_v5.yml", *UNGATED],
)
def test_no_held_out_message_is_in_the_training_data(name: str) -> None:
    trained = {
        _norm(e)
        for path in (BOT / "data" / "nlu").glob("*.yml")
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
        if "intent" in item
        for e in _examples(item["examples"])
    }
    version = re.search(r"_(v\d+)\.yml$", name)
    allowed = _coincident(version.group(1)) if version else set()
    held = _held(name)
    assert len(held) >= 100
    assert [h for h in held if _norm(h) in trained and _norm(h) not in allowed] == []
