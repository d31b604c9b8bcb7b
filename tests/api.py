"""A small client for the HTTP API used by the integration tests: it advances the test clock
a minute before each write, so every event has its own received-at moment."""

from __future__ import annotations

import uuid
from typing import Any

from domain.accounts import CREATE, LoginAttempt, Operation, may_assign
from domain.topics import stored_topics
from service.application.principal import OPERATOR
from service.config.clock import SettableClock
from tests.conftest import ADMIN

AUDIT_TOPICS = tuple(stored_topics(Operation.Logged, LoginAttempt.Attempted))


class Api:
    """`clock` is the test's settable clock, or None when the service runs its own clock."""

    def __init__(self, client, clock: SettableClock | None, headers: dict[str, str] | None = None, container=None):
        self.client = client
        self.clock = clock
        self.headers = headers or ADMIN
        self._container = container  # the service's, when the client is not an in-process TestClient

    @property
    def container(self):
        return self._container or self.client.app.state.container

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


def create_user(api: Api, username: str, role: str, unit: str | None = None, password: str | None = None) -> dict:
    """An account made as the 三员 rules allow: through the API by the bootstrap office
    administrator when it may (inspectors, unit administrators), else as the machine's operator
    makes it (`evalctl create-user`: the same application command). The API's answer."""
    body = {"username": username, "role": role, **({"unit": unit} if unit else {}),
            **({"password": password} if password else {})}
    if may_assign("office_admin", CREATE, role):
        return api.post("/api/users", body)
    container = api.container
    saved, initial = container.accounts.create_user(OPERATOR, username, role, unit, password)
    user = container.accounts.user(saved.id)
    answer = {"id": saved.id, "username": username, "role": role, "unit": unit,
              "must_change_password": user.must_change_password}
    return answer if password else {**answer, "initial_password": initial}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def first_login(api: Api, username: str, initial: str, password: str | None = None) -> tuple[str, str]:
    """Logs in with the initial password and changes it, as a new user must first: the session
    token and the password now in force."""
    password = password or f"Chosen-{uuid.uuid4().hex[:6]}!"
    login = api.client.post("/api/auth/login", json={"username": username, "password": initial})
    assert login.status_code == 200, login.text
    session = login.json()["token"]
    changed = api.client.post("/api/auth/password", json={"old": initial, "new": password}, headers=bearer(session))
    assert changed.status_code == 204, changed.text
    return session, password


def account(api: Api, role: str, unit: str | None = "县人社局", username: str | None = None,
            password: str | None = None) -> dict:
    """An account ready for use as a script uses it: made (see `create_user`), its initial password
    changed at the first login, and an API token minted with that session (`token`; `password`
    and `session` too)."""
    username = username or f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
    made = create_user(api, username, role, unit, password)
    session, now_password = first_login(api, username, password or made["initial_password"])
    if api.clock is not None:
        api.clock.advance(seconds=1)  # a token minted in the very instant of a password change counts as before it
    minted = api.client.post("/api/tokens", json={"label": "测试脚本"}, headers=bearer(session))
    assert minted.status_code == 201, minted.text
    return {**made, "token": minted.json()["token"], "password": now_password, "session": session}


def as_user(api: Api, user: dict) -> Api:
    """The same client acting with the user's API token."""
    return Api(api.client, api.clock, bearer(user["token"]), api._container)


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
