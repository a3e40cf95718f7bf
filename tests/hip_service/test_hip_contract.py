"""Property-based contract test: schemathesis generates inputs for every documented operation; the
HIP must never answer 5xx and must conform to its own OpenAPI schema (status codes, bodies).

Driven through plain hypothesis ``@given`` per operation because schemathesis' pytest plugin
(``from_fixture``) does not run under pytest 9.
"""

from __future__ import annotations

from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")  # dev-only dependency (pinned in the report)
from hip_helpers import AUTH, TOKEN  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

from hip_service.app import create_app  # noqa: E402
from hip_service.config import HipConfig  # noqa: E402


def test_no_server_errors_and_schema_conformance(bundle_dir: Path) -> None:
    app = create_app(HipConfig(bundle_dir=bundle_dir, token=TOKEN))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=AUTH)
            assert response.status_code < 500, (case.method, case.path, response.text)
            # positive_data_acceptance is excluded: schema-valid binary is not necessarily an image.
            case.validate_response(response, excluded_checks=[checks.positive_data_acceptance])

        check()
