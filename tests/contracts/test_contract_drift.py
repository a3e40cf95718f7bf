"""The contract package, the platform's pydantic models and the generated JSON Schemas agree.

A field renamed, added, dropped or retyped on one side fails here: in the generated schemas (run
scripts/contract_schemas.py and commit) or in its TypedDict twin (qaid_contracts)."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import TypedDict

import pytest
from typed_schema import compare

from qaid_contracts import schemas

REPO = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "contract_schemas", REPO / "scripts" / "contract_schemas.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_schemas_are_what_the_pydantic_models_generate() -> None:
    gen = _generator()
    assert gen.drift(gen.generate()) == [], "run: .venv/bin/python scripts/contract_schemas.py"


@pytest.mark.parametrize("name", schemas.names())
def test_each_typeddict_matches_its_schema(name: str) -> None:
    module, _, cls = name.partition(".")
    typed = getattr(importlib.import_module(f"qaid_contracts.{module}"), cls)
    assert compare(typed, schemas.load(name)) == []


def test_a_renamed_field_is_caught() -> None:
    """The comparison itself: a copy of a contract with one field renamed must be reported."""

    class Drifted(TypedDict):
        image_id: str
        sha: str  # was sha256
        width: int
        height: int
        format: str

    problems = compare(Drifted, schemas.load("hip.ImageCreated"))
    assert "Drifted.sha: only in the TypedDict" in problems
    assert "Drifted.sha256: only in the schema" in problems


def test_a_retyped_or_optional_field_is_caught() -> None:
    schema = json.loads(json.dumps(schemas.load("hub.StoredImage")))
    schema["properties"]["sha256"] = {"type": "integer"}
    schema["required"].remove("token")
    from qaid_contracts.hub import StoredImage

    problems = compare(StoredImage, schema)
    assert any(p.startswith("StoredImage.sha256: TypedDict") for p in problems)
    assert "StoredImage.token: required in one, optional in the other" in problems


def test_the_contract_package_imports_only_the_standard_library() -> None:
    """Both runtimes import it: a third-party import would break the bot (or pin its versions)."""
    root = REPO / "contracts" / "qaid_contracts"
    stdlib = set(sys.stdlib_module_names) | {"qaid_contracts", "__future__"}
    for path in root.rglob("*.py"):
        for line in path.read_text().splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]) and len(words) > 1:
                top = words[1].split(".")[0]
                assert top in stdlib, f"{path.relative_to(REPO)} imports {top}"
