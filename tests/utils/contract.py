"""Validate a payload against the contract's JSON Schema (``qaid_contracts/schemas``), in either
runtime's tests: every test fake answers through this, so a fake can never answer in a shape the
real service does not (the schemas are generated from the services' own models)."""

from __future__ import annotations

from typing import Any

import jsonschema

from qaid_contracts import schemas


def check(name: str, payload: Any) -> Any:
    """``payload`` unchanged if it matches schema ``name`` (e.g. ``"hip.Analysis"``); else raise."""
    jsonschema.validate(payload, schemas.load(name))
    return payload


def problems(name: str, payload: Any) -> list[str]:
    """Every way ``payload`` breaks schema ``name`` (empty when it matches)."""
    validator = jsonschema.Draft202012Validator(schemas.load(name))
    return sorted(e.message for e in validator.iter_errors(payload))
