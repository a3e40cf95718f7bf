"""The held-out set in bot/tests/heldout/ and the dev sets that became training data.

bot/tests/heldout/ holds what is measured and never trained on: v14 (written blind and measured once; the
red-flag and question-type rules may be tuned on its misses since, no classifier ever saw it). The sets
before it (v1-v13) train the classifiers now: their intent messages are NLU data
(bot/data/nlu/patients_v*.yml), their emergencies and look-alikes the emergency classifier's corpus
(bot/corpus/emergencies/), their image questions the question-type classifier's
(bot/corpus/image_questions/). The rules were tuned on those sets, so the rules alone must still hold
some of them (regression gates here). The held-out set through the trained model (emergencies in every
dialogue state, image questions with the learnt types) is tests/rasa's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from qaid_bot.nlu.question_types import understand
from qaid_bot.nlu.red_flags import assess

BOT = Path(__file__).resolve().parents[2] / "bot"
HELDOUT = BOT / "tests" / "heldout"
CORPUS = BOT / "corpus"
HELD = ("intents_v14.yml", "emergencies_v14.yml", "image_questions_v14.yml")
RULE_GATED = ("v1", "v2")  # emergency dev sets the rules alone must still hold
QUESTION_RULE_GATED = ("v1", "v2", "v4", "v5")  # image-question dev sets the type rules must still hold
MIN_RECALL, MAX_FALSE_ALARMS, MIN_TYPE_ACCURACY = 0.98, 0.05, 0.95
# v5's author labelled 10 tumour, mass and growth questions as lesion, side or count questions and one
# "normal for a 40 year old" as normal; the bot declines these 11 of 135 by design (a lesion detector must
# not answer a tumour question; the models judge normal without an age; heldout/README.md lists them), so
# v5 is gated at its dev figure, 0.919, less a margin of two messages rather than at 0.95
MIN_TYPE_ACCURACY_BY_VERSION = {"v5": 0.90}


def _load(name: str) -> dict:
    return yaml.safe_load((HELDOUT / name).read_text(encoding="utf-8"))


def _corpus(kind: str, version: str) -> dict:
    return yaml.safe_load((CORPUS / kind / f"{kind}_{version}.yml").read_text(encoding="utf-8"))


def _examples(block: str) -> list[str]:
    return [line.strip()[2:] for line in block.splitlines() if line.strip().startswith("- ")]


def _norm(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})", r"\1", text.lower())
    words = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return words or text.strip()  # an emoji-only message is compared as it is


@pytest.mark.parametrize("version", RULE_GATED)
def test_the_rules_alone_hold_their_dev_sets(version: str) -> None:
    sets = _corpus("emergencies", version)
    emergencies = [t for texts in sets["emergencies"].values() for t in texts]
    lookalikes = [t for texts in sets["lookalikes"].values() for t in texts]
    # (a few of each set's messages were removed as also in a held-out set: bot/corpus/README.md)
    assert len(emergencies) >= 130 and len(lookalikes) >= 130
    missed = [t for t in emergencies if not assess(t).emergency]
    alarms = [t for t in lookalikes if assess(t).emergency]
    recall, false_alarms = 1 - len(missed) / len(emergencies), len(alarms) / len(lookalikes)
    print(
        f"\nred flags {version}: recall {recall:.3f} ({len(missed)}/{len(emergencies)} missed), "
        f"false alarms {false_alarms:.3f} ({len(alarms)}/{len(lookalikes)})"
    )
    assert recall >= MIN_RECALL, missed
    assert false_alarms <= MAX_FALSE_ALARMS, alarms


@pytest.mark.parametrize("version", QUESTION_RULE_GATED)
def test_the_question_type_rules_alone_hold_their_dev_sets(version: str) -> None:
    sets = _corpus("image_questions", version)
    supported = [(t, q) for t, qs in sets["supported"].items() for q in qs]
    wrong = [(t, q, understand(q).types) for t, q in supported if understand(q).types != (t,)]
    answered = [q for q in sets["unsupported"] if understand(q).types]
    accuracy = 1 - len(wrong) / len(supported)
    print(
        f"\nquestion types {version}: accuracy {accuracy:.3f} on {len(supported)}; "
        f"unsupported answered {len(answered)}/{len(sets['unsupported'])}"
    )
    assert len(sets["unsupported"]) >= 30  # (less those also in a held-out set: bot/corpus/README.md)
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


def _trained() -> set[str]:
    """Every text a classifier trains on, normalised: the NLU examples and both corpora."""
    nlu = {
        _norm(e)
        for path in (BOT / "data" / "nlu").glob("*.yml")
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
        if "intent" in item
        for e in _examples(item["examples"])
    }
    corpus = {
        _norm(t)
        for path in CORPUS.glob("*/*.yml")
        for group in yaml.safe_load(path.read_text(encoding="utf-8")).values()
        for texts in (group.values() if isinstance(group, dict) else [group])
        for t in texts
    }
    return nlu | corpus


@pytest.mark.parametrize("name", HELD)
def test_no_held_out_message_is_in_the_training_data(name: str) -> None:
    trained = _trained()
    version = re.search(r"_(v\d+)\.yml$", name)
    allowed = _coincident(version.group(1)) if version else set()
    held = _held(name)
    assert len(held) >= 100
    assert [h for h in held if _norm(h) in trained and _norm(h) not in allowed] == []
