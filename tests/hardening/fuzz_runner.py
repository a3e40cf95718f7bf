"""Schemathesis over an in-process ASGI app, counting every failure instead of stopping at the first.

Each operation of the app's OpenAPI schema is driven by plain hypothesis ``@given`` over
``operation.as_strategy(mode)`` (schemathesis' pytest plugin does not run under pytest 9), in positive
and negative mode, and once more with known ids in the path (an uploaded image, a stored transcript)
so requests reach past "404 not found". Every response goes through schemathesis' checks (no 5xx,
status code, content type, headers and body conforming to the schema, negative data rejected); a
failed check is counted by kind with its first example, never raised, so one run measures everything.

The budget is spent in rounds: each (operation, mode, variant) unit draws ``per_unit`` cases per
round with a new seed until the API has had ``target`` cases; a unit whose input space is exhausted
(hypothesis stops early: ``GET /health`` has one possible request) leaves the rotation.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode, checks
from schemathesis.core.control import SkipTest
from schemathesis.core.failures import Failure, FailureGroup

# Sends one case and returns the response (default: ``case.call`` through the ASGI transport).
Sender = Callable[[Case], Any]
# Schema-valid binary is not necessarily an image and a schema-valid transcript may name unknown
# hospitals: a 4xx for them is right, so "positive data must be accepted" does not hold here.
EXCLUDED_CHECKS = [checks.positive_data_acceptance]


@dataclass
class Variant:
    """Extra cases for one operation: some parameters fixed (``as_strategy`` keywords such as
    ``path_parameters``, ``query``) and/or a sender replacing ``case.call`` (e.g. one that signs)."""

    name: str
    fixed: dict[str, Any] = field(default_factory=dict)
    sender: Sender | None = None


@dataclass
class Target:
    """One API under test: the app, the credentials it is called with, ids that exist in it."""

    name: str
    app: Any
    headers: dict[str, str]
    # "METHOD /path" -> variants run besides the plain positive and negative cases.
    variants: Mapping[str, list[Variant]] = field(default_factory=dict)
    # "METHOD /path" -> credentials replacing ``headers`` for that operation.
    headers_for: Mapping[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Report:
    api: str
    cases: int = 0
    seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)  # "2xx", "4xx", "5xx"
    failures: Counter[str] = field(default_factory=Counter)  # failure kind -> count
    examples: dict[str, str] = field(default_factory=dict)  # failure kind -> first example
    per_operation: Counter[str] = field(default_factory=Counter)
    skipped: dict[str, str] = field(default_factory=dict)  # unit -> why hypothesis could not generate

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def summary(self) -> str:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        lines = [
            f"{self.api}: {self.cases} cases in {self.seconds:.1f} s ({statuses}); "
            f"{self.failed} failures in {len(self.failures)} kinds"
        ]
        lines += [f"  {kind}: {n} e.g. {self.examples[kind]}" for kind, n in self.failures.most_common()]
        return "\n".join(lines)


@dataclass
class _Unit:
    label: str
    strategy: st.SearchStrategy[Case]
    sender: Sender | None
    headers: dict[str, str]
    exhausted: bool = False


def _units(target: Target) -> list[_Unit]:
    units = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        # One schema per mode: configured for negative data only, schemathesis skips an operation with
        # nothing to break at once instead of rejecting ~500 draws (seconds) before giving up.
        schema = schemathesis.openapi.from_asgi("/openapi.json", target.app)
        schema.config.generation.update(modes=[mode])
        for result in schema.get_all_operations():
            operation = result.ok()
            label = f"{operation.method.upper()} {operation.path}"
            headers = target.headers_for.get(label, target.headers)
            units.append(_Unit(f"{label} [{mode.value}]", operation.as_strategy(mode), None, headers))
            for v in target.variants.get(label, []):
                strategy = operation.as_strategy(mode, **v.fixed)
                units.append(_Unit(f"{label} [{mode.value}, {v.name}]", strategy, v.sender, headers))
    return units


def _record(report: Report, case: Case, send: Callable[[], Any], headers: dict[str, str]) -> None:
    label = f"{case.method.upper()} {case.operation.path}"
    report.cases += 1
    report.per_operation[label] += 1
    try:
        response = send()
    except Exception as exc:  # the app raised through the transport: a server error by another name
        kind = f"exception {type(exc).__name__}"
        report.failures[kind] += 1
        report.examples.setdefault(kind, f"{label}: {exc!r}"[:300])
        return
    report.statuses[f"{response.status_code // 100}xx"] += 1
    try:
        case.validate_response(response, excluded_checks=EXCLUDED_CHECKS, headers=headers)
    except FailureGroup as group:
        for failure in group.exceptions:
            _count(report, label, response.status_code, failure)
    except Failure as failure:
        _count(report, label, response.status_code, failure)


def _count(report: Report, label: str, status: int, failure: Failure) -> None:
    kind = f"{type(failure).code} {type(failure).kind_title}"
    report.failures[kind] += 1
    detail = f"{label} -> {status}: {failure.title}; {failure.message}".replace("\n", " ")
    report.examples.setdefault(kind, detail[:400])


def run(target: Target, *, target_cases: int, per_unit: int, seed: int = 0, max_rounds: int = 1000) -> Report:
    """Fuzz ``target`` until it has had ``target_cases`` cases (or every unit is exhausted)."""
    units = _units(target)
    report = Report(target.name)
    start = time.perf_counter()
    for round_no in range(max_rounds):
        live = [u for u in units if not u.exhausted]
        if not live or report.cases >= target_cases:
            break
        for unit in live:
            before = report.cases
            stopped = _run_unit(report, unit, per_unit, seed * 100_003 + round_no)
            # A short batch means the input space is used up; a batch cut short by a skip (a draw with
            # nothing negated) only if it produced nothing at all.
            if (report.cases - before < per_unit and not stopped) or report.cases == before:
                unit.exhausted = True
            if report.cases >= target_cases:
                break
    report.seconds = time.perf_counter() - start
    return report


def _run_unit(report: Report, unit: _Unit, examples: int, seed: int) -> bool:
    """One batch of ``examples`` cases; True if generation stopped early with an error (recorded)."""

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # nothing is raised, so there is nothing to shrink
        suppress_health_check=list(HealthCheck),
    )
    @given(case=unit.strategy)
    def one(case: Case) -> None:
        sender = unit.sender
        send = (lambda: sender(case)) if sender else (lambda: case.call(headers=unit.headers))
        _record(report, case, send, unit.headers)

    try:
        one()
    except (SkipTest, Exception) as exc:  # nothing to generate (negative data of an operation without input)
        report.skipped[unit.label] = f"{type(exc).__name__}: {exc}"[:200]
        return True
    return False
