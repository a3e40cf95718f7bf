"""The held-out sets (bot/tests/heldout/, never trained or tuned on) measured against issue 15's
gates: emergency recall and false alarms of the red-flag rules, the image-question type map and the
unsupported questions; and the separation of held-out and training data. The emergency gate in
every dialogue state, with the trained model, is tests/rasa/test_emergency_states.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from qaid_bot.nlu.question_types import understand
from qaid_bot.nlu.red_flags import assess

BOT = Path(__file__).resolve().parents[2] / "bot"
HELDOUT = BOT / "tests" / "heldout"


def _load(name: str) -> dict:
    return yaml.safe_load((HELDOUT / name).read_text(encoding="utf-8"))


def _examples(block: str) -> list[str]:
    return [line.strip()[2:] for line in block.splitlines() if line.strip().startswith("- ")]


def _norm(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})", r"\1", text.lower())
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def test_emergency_recall_and_false_alarms() -> None:
    sets = _load("emergencies.yml")
    emergencies = [t for texts in sets["emergencies"].values() for t in texts]
    lookalikes = [t for texts in sets["lookalikes"].values() for t in texts]
    assert len(emergencies) >= 150 and len(lookalikes) >= 150
    missed = [t for t in emergencies if not assess(t).emergency]
    alarms = [t for t in lookalikes if assess(t).emergency]
    recall, false_alarms = 1 - len(missed) / len(emergencies), len(alarms) / len(lookalikes)
    print(f"\nred flags: recall {recall:.3f} ({len(missed)} missed), false alarms {false_alarms:.3f}")
    assert recall >= 0.98, missed
    assert false_alarms <= 0.05, alarms


def test_question_type_mapping_and_unsupported_questions() -> None:
    sets = _load("image_questions.yml")
    supported = [(t, q) for t, qs in sets["supported"].items() for q in qs]
    wrong = [(t, q, understand(q).types) for t, q in supported if understand(q).types != (t,)]
    answered = [q for q in sets["unsupported"] if understand(q).types]
    accuracy = 1 - len(wrong) / len(supported)
    print(
        f"\nquestion types: accuracy {accuracy:.3f} on {len(supported)}; unsupported answered {len(answered)}"
    )
    assert len(sets["unsupported"]) >= 50
    assert accuracy >= 0.95, wrong
    assert answered == []


@pytest.mark.parametrize("name", ["intents.yml", "emergencies.yml", "image_questions.yml"])
def test_no_held_out_message_is_in_the_training_data(name: str) -> None:
    trained = {
        _norm(e)
        for path in (BOT / "data" / "nlu").glob("*.yml")
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
        if "intent" in item
        for e in _examples(item["examples"])
    }
    data = _load(name)
    if name == "intents.yml":
        held = [e for item in data["nlu"] for e in _examples(item["examples"])]
    else:
        held = [
            t for v in data.values() for group in (v.values() if isinstance(v, dict) else [v]) for t in group
        ]
    assert len(held) >= 100
    assert [h for h in held if _norm(h) in trained] == []
