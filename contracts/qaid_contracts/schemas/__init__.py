"""The JSON Schemas generated from the platform's pydantic models (``python -m qaid.contract_schemas``).

Test code validates payloads and test fakes against them (with ``jsonschema``, a test dependency);
the package itself stays standard-library only.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_DIR", "names", "load"]

SCHEMA_DIR = Path(__file__).resolve().parent


def names() -> list[str]:
    """Every schema's name (file name without ``.json``), e.g. ``hip.Analysis``."""
    return sorted(p.stem for p in SCHEMA_DIR.glob("*.json"))


@cache
def load(name: str) -> dict[str, Any]:
    """The JSON Schema ``name`` (e.g. ``"hub.NearbyHospitals"``)."""
    if name not in names():
        raise KeyError(f"no contract schema {name!r}; known: {', '.join(names())}")
    data: dict[str, Any] = json.loads((SCHEMA_DIR / f"{name}.json").read_text())
    return data
