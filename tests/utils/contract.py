"""Validate a payload against the contract's JSON Schema (``qaid_contracts/schemas``), in either
runtime's tests: every test fake answers through this, so a fake can never answer in a shape the
real service does not (the schemas are generated from the services' own models)."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema

from qaid_contracts import schemas


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    """One checked, compiled validator per schema: the fakes answer inside the event loop the
    action under test runs in, so a validation that re-checks the schema on every answer (what
    ``jsonschema.validate`` does) is time the action's HIP deadline sees."""
    schema = schemas.load(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check(name: str, payload: Any) -> Any:
    """``payload`` unchanged if it matches schema ``name`` (e.g. ``"hip.Analysis"``); else raise."""
    error = jsonschema.exceptions.best_match(_validator(name).iter_errors(payload))
    if error is not None:
        raise error
    return payload


def problems(name: str, payload: Any) -> list[str]:
    """Every way ``payload`` breaks schema ``name`` (empty when it matches)."""
    return sorted(e.message for e in _validator(name).iter_errors(payload))
