"""Where the trained model and the held-out sets these evaluations read are (bot/tests/heldout/README.md)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "bot" / "models" / "qaid.tar.gz"
VERSIONS = ("v14",)  # every set no classifier trains on


def heldout(kind: str) -> dict[str, Path]:
    """The held-out ``kind`` sets ("emergencies", "image_questions") by version."""
    return {v: ROOT / "bot" / "tests" / "heldout" / f"{kind}_{v}.yml" for v in VERSIONS}
