"""The API fuzzed from its own OpenAPI document (schemathesis): whatever the input, no answer
is a 500. Runs in-process against the app on a real SQLite file, as the office administrator
(the role that may call the most operations). Schemathesis's pytest plugin does not load under
pytest 9, so its Hypothesis strategies are driven directly."""

from __future__ import annotations

from datetime import datetime

import schemathesis
from hypothesis import HealthCheck, given, settings

from service.config.clock import SettableClock
from service.http.app import create_app
from tests.conftest import ADMIN, make_container


def test_no_input_makes_the_service_fail(stores):
    clock = SettableClock(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    container = make_container(stores.url("sqlite"), clock)
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(container=container))
        failures: list[str] = []
        operations = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1

            @given(case=operation.as_strategy())
            @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def call(case) -> None:
                response = case.call(headers=ADMIN)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} {case.query} {str(case.body)[:200]}: "
                                    f"{response.status_code} {response.text[:300]}")

            call()
        assert operations >= 50
        assert failures == []
    finally:
        container.close()
