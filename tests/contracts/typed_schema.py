"""Compare a contract TypedDict with a JSON Schema: the same keys, the same required keys and the
same JSON types, recursively. Used by the drift tests (and tested on a deliberately drifted copy)."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

_SCALARS = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _schema_branches(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return [b for s in schema["anyOf"] for b in _schema_branches(s, root)]
    return [schema]


def _json_type(schema: dict[str, Any]) -> str:
    if "enum" in schema or "const" in schema:
        values = schema.get("enum", [schema.get("const")])
        return _SCALARS[type(values[0])]
    if "properties" in schema or schema.get("type") == "object":
        return "object"
    return str(schema.get("type", "any"))


def _hint_branches(hint: Any) -> list[Any]:
    if get_origin(hint) in (Union, types.UnionType):
        return [b for a in get_args(hint) for b in _hint_branches(a)]
    return [hint]


def _hint_type(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is Literal:
        return _SCALARS[type(get_args(hint)[0])]
    if origin in (list, tuple):
        return "array"
    if origin is dict or hint is dict or typing.is_typeddict(hint):
        return "object"
    if hint is object or hint is Any:
        return "any"
    return _SCALARS[hint]


def compare(
    td: type, schema: dict[str, Any], root: dict[str, Any] | None = None, where: str = ""
) -> list[str]:
    """Differences between TypedDict ``td`` and object schema ``schema`` (empty when they agree)."""
    root = root or schema
    schema = _resolve(schema, root)
    where = where or td.__name__
    props = schema.get("properties", {})
    hints = get_type_hints(td)
    problems = [f"{where}.{k}: only in the TypedDict" for k in sorted(set(hints) - set(props))]
    problems += [f"{where}.{k}: only in the schema" for k in sorted(set(props) - set(hints))]
    required = set(schema.get("required", []))
    for key in sorted(set(hints) & set(props)):
        if (key in td.__required_keys__) != (key in required):  # type: ignore[attr-defined]
            problems.append(f"{where}.{key}: required in one, optional in the other")
        problems += _compare_value(hints[key], props[key], root, f"{where}.{key}")
    return problems


def _compare_value(hint: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    branches = _schema_branches(schema, root)
    hint_types = {_hint_type(h) for h in _hint_branches(hint)}
    schema_types = {_json_type(b) for b in branches}
    if "any" in hint_types or "any" in schema_types:
        return []
    if hint_types != schema_types:
        return [f"{where}: TypedDict {sorted(hint_types)} vs schema {sorted(schema_types)}"]
    problems = []
    for h in _hint_branches(hint):
        obj = [b for b in branches if _json_type(b) == _hint_type(h)]
        if typing.is_typeddict(h):
            problems += compare(h, obj[0], root, where)
        elif get_origin(h) in (list, tuple) and obj and "items" in obj[0]:
            problems += _compare_value(get_args(h)[0], obj[0]["items"], root, f"{where}[]")
        elif get_origin(h) is dict and obj and isinstance(obj[0].get("additionalProperties"), dict):
            problems += _compare_value(get_args(h)[1], obj[0]["additionalProperties"], root, f"{where}{{}}")
    return problems
