"""A small client for the HTTP API used by the integration tests: it advances the test clock
a minute before each write, so every event has its own received-at moment."""

from __future__ import annotations

from typing import Any

from domain.accounts import LoginAttempt, Operation
from domain.topics import stored_topics
from service.config.clock import SettableClock
from tests.conftest import ADMIN

AUDIT_TOPICS = tuple(stored_topics(Operation.Logged, LoginAttempt.Attempted))


class Api:
    """`clock` is the test's settable clock, or None when the service runs its own clock."""

    def __init__(self, client, clock: SettableClock | None, headers: dict[str, str] | None = None):
        self.client = client
        self.clock = clock
        self.headers = headers or ADMIN

    def post(self, path: str, body: dict[str, Any], expect: int = 201, **headers: str) -> dict[str, Any]:
        if self.clock is not None:
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
        """How many ledger events there are, leaving out the security trail: a refused write
        writes nothing to the ledger, though the operation log records the refusal."""
        projection = self.client.app.state.container.ledger.projection
        return projection.count_events(AUDIT_TOPICS)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WORKER_DETAILS = {"name": "张三", "gender": "男", "birth_month": "1988-05", "political_status": "中共党员",
                  "unit_and_post": "县人社局 社保窗口", "work_start": "2010-07"}
UNIT_DETAILS = {"name": "社保窗口", "head": "李明", "head_post": "窗口负责人", "head_count": 6, "phone": "0772-8627972"}
SELF_SCORES = {  # 自评分 per section, each within its maximum
    "worker": {"A1.1": 23, "A1.2": 23, "A1.3": 22, "A1.4": 22},
    "window": {"A2.1": 18, "A2.2": 18, "A2.3": 18, "A2.4": 18, "A2.5": 18},
    "hall": {"A3.1": 18, "A3.2": 27, "A3.3": 18, "A3.4": 9, "A3.5": 18},
}


def upload(api: Api, data: bytes = PNG, name: str = "photo.png", expect: int = 201) -> dict:
    response = api.client.post("/api/evidence", files={"file": (name, data, "application/octet-stream")},
                               headers=api.headers)
    assert response.status_code == expect, response.text
    return response.json()


def nomination(subject_id: str, period_id: str, kind: str, photo_ids: list[str], **change) -> dict:
    return {"subject_id": subject_id, "period": period_id,
            "details": WORKER_DETAILS if kind == "worker" else UNIT_DETAILS,
            "self_scores": SELF_SCORES[kind], "deeds": "服务热情周到,群众满意。",
            "photos": photo_ids, **change}
