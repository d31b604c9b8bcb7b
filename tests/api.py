"""A small client for the HTTP API used by the integration tests: it advances the test clock
a minute before each write, so every event has its own received-at moment."""

from __future__ import annotations

from typing import Any

from service.clock import SettableClock
from tests.conftest import ADMIN


class Api:
    def __init__(self, client, clock: SettableClock, headers: dict[str, str] | None = None):
        self.client = client
        self.clock = clock
        self.headers = headers or ADMIN

    def post(self, path: str, body: dict[str, Any], expect: int = 201, **headers: str) -> dict[str, Any]:
        self.clock.advance(minutes=1)
        response = self.client.post(path, json=body, headers={**self.headers, **headers})
        assert response.status_code == expect, response.text
        return response.json()

    def get(self, path: str, expect: int = 200, **params: Any) -> dict[str, Any]:
        response = self.client.get(path, params=params, headers=self.headers)
        assert response.status_code == expect, response.text
        return response.json()

    def subject(self, kind: str, name: str, code: str, parent_id: str | None = None, unit: str = "县政管办") -> str:
        body = {"kind": kind, "name": name, "unit": unit, "code": code}
        if parent_id:
            body["parent_id"] = parent_id
        return self.post("/api/subjects", body)["id"]

    def record(self, subject_id: str, rule_id: str, occurred_at: str, expect: int = 201, **extra: Any) -> dict:
        body = {"subject_id": subject_id, "rule_id": rule_id, "occurred_at": occurred_at, "source": "patrol", **extra}
        return self.post("/api/records", body, expect=expect)

    def card(self, subject_id: str, period: str, **params: Any) -> dict:
        return self.get(f"/api/subjects/{subject_id}/scorecard", period=period, **params)

    def log_end(self) -> int:
        return self.get("/api/health")["log_position"]
