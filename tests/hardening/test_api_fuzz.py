"""Schemathesis over the HIP, hub and inbox OpenAPI specs, in-process, with a CI-sized budget.

Positive and negative cases for every operation, plus variants that reach past authentication and
"not found" (known ids, webhook bodies signed with the hospital's secret, stored transcripts rendered
as HTML, PDF and FHIR). No case may get a 5xx or a response that contradicts the schema.
``bench/fuzz_apis.py`` runs the same thing with ≥ 10k cases per API.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import fuzz_targets
import pytest
from fuzz_runner import Target, run

CASES_PER_API = 200
PER_UNIT = 8  # cases per (operation, mode, variant) per round: every operation is reached in CI

TARGETS: dict[str, Callable[[Path], Target]] = {
    "hip": fuzz_targets.hip,
    "hub": fuzz_targets.hub,
    "inbox": fuzz_targets.inbox_app,
}


@pytest.mark.parametrize("api", sorted(TARGETS))
def test_no_server_error_and_responses_match_the_schema(api: str, tmp_path: Path) -> None:
    report = run(TARGETS[api](tmp_path), target_cases=CASES_PER_API, per_unit=PER_UNIT, seed=1)
    assert report.failed == 0, report.summary()
    assert report.cases >= CASES_PER_API, report.summary()
    assert report.statuses["2xx"] > 0 and report.statuses["4xx"] > 0, report.summary()


@pytest.mark.parametrize("api", sorted(TARGETS))
def test_every_documented_error_is_the_one_json_error_shape(api: str, tmp_path: Path) -> None:
    """Found by the fuzzing: undocumented 4xx on the hub and inbox, inbox errors labelled text/html."""
    schema = TARGETS[api](tmp_path).app.openapi()
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {s: r for s, r in operation["responses"].items() if s[0] == "4" and path != "/ready"}
            assert all(r["content"] == error for r in errors.values()), (method, path, errors)
            if operation.get("parameters") or operation.get("requestBody"):
                assert {"400", "422"} <= set(errors), (method, path)  # malformed / invalid input
    if api == "hub":  # idempotent re-posts answer 200 with the same id
        for path in ("/api/v1/transcripts", "/api/v1/images"):
            assert {"200", "201"} <= set(schema["paths"][path]["post"]["responses"]), path
    if api == "inbox":  # the webhook body is documented, so it can be generated and checked
        body = schema["paths"]["/webhooks/transcripts"]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"]["$ref"].endswith("/WebhookEvent")
        assert "Transcript" in schema["components"]["schemas"]
