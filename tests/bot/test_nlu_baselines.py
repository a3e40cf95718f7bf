"""The trivial baselines printed beside the held-out intent figures (scripts/nlu_baselines.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "nlu_baselines.py"


@pytest.fixture(scope="module")
def baselines():
    spec = importlib.util.spec_from_file_location("nlu_baselines", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_examples_are_read_as_rasa_reads_them(baselines, tmp_path: Path) -> None:
    nlu = tmp_path / "nlu.yml"
    nlu.write_text(
        'version: "3.1"\nnlu:\n- intent: set_location\n  examples: |\n    - I am in [Cluj](location)\n'
        '    - near [Sibiu]{"entity": "location"} please\n- lookup: location\n  examples: |\n    - Iasi\n'
    )
    assert baselines.examples([nlu]) == [
        ("I am in Cluj", "set_location"),
        ("near Sibiu please", "set_location"),
    ]


def test_the_baselines_score_what_they_should(baselines) -> None:
    train = [("hello there", "greet"), ("hi", "greet"), ("hey", "greet"), ("what is an MRI", "define")]
    heldout = [("hello", "greet"), ("what is a CT scan", "define")]
    got = baselines.scores(train, heldout)
    assert got["majority"] == {"macro_f1": pytest.approx(1 / 3), "accuracy": 0.5}  # always "greet"
    assert got["nearest neighbour"] == {"macro_f1": 1.0, "accuracy": 1.0}


def test_the_red_flag_override_applies_as_in_the_pipeline(baselines) -> None:
    train = [("hello there", "greet"), ("what is an MRI", "define"), ("chest pain now", "emergency")]
    heldout = [("hello, help, I can't breathe", "emergency"), ("what is a CT", "define")]
    got = baselines.scores(train, heldout, emergency=lambda text: "breathe" in text)
    assert got["nearest neighbour"]["accuracy"] == 0.5  # "hello" looks like a greeting
    assert got["nearest neighbour + red-flag rules"]["accuracy"] == 1.0
