"""What the operation log keeps (#13 item 10 and the low items on the trail): a flood of write
requests refused without a login adds one event per address and minute, not one each, and the
address is answered 429 at once past its limit; refused reads and reads of personal data are
logged with who made them; a role change is logged with the new role; the client's address is
the connection's unless the proxy is configured as trusted."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.config.clock import SettableClock
from service.config.settings import Settings
from service.http.app import create_app
from tests.api import Api, account, as_user, bearer, nomination, upload
from tests.conftest import ADMIN, ADMIN_TOKEN, make_container
from tests.servers import NOW, ROOT, Service


def trail(api: Api, auditor: dict | None = None, **filters) -> list[dict]:
    auditor = auditor or account(api, "audit_admin")
    return api.client.get("/api/audit-log", params=filters, headers=bearer(auditor["token"])).json()["items"]


def test_a_flood_of_anonymous_refused_writes_adds_one_event_per_address_and_minute(client, clock):
    api = Api(client, clock)
    auditor = account(api, "audit_admin")  # a login from a flooding address waits a minute like the rest
    projection = client.app.state.container.ledger.projection
    before = projection.count_events()
    tries = [("POST", "/api/nowhere", None), ("POST", "/api/records", {}), ("PATCH", "/api/subjects", {}),
             ("POST", "/api/objections", {"period": "x"})]
    answers = [client.request(*tries[i % 4][:2], json=tries[i % 4][2]).status_code for i in range(130)]
    assert set(answers[:60]) == {404, 401, 405, 422} and set(answers[60:]) == {429}
    assert client.post("/api/subjects", json={"kind": "hall", "name": "大厅", "unit": "县"},
                       headers=ADMIN).status_code == 201  # someone logged in from there is not held up
    clock.advance(minutes=1)
    assert client.get("/api/health").status_code == 200
    added = projection.count_events() - before
    assert added == 3, added  # the subject, its operation-log entry, and one count for the 130
    [counted] = [i for i in trail(api, auditor, actor="anonymous") if i["action"] == "refused"]
    assert counted["address"] == "testclient" and counted["detail"].startswith("130 次未登录请求被拒绝")
    assert "429 ×70" in counted["detail"]


def test_refused_reads_reads_of_personal_data_and_role_changes_are_in_the_trail(client, clock):
    api = Api(client, clock)
    clock.set(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    hall = api.subject("hall", "大厅", "H")
    window = api.subject("window", "社保窗口", "W1", hall, unit="县人社局")
    worker = api.subject("worker", "张三", "G1", window, unit="县人社局")
    api.subject("window", "医保窗口", "W2", hall, unit="县医保局")  # a unit administrator names a roster unit
    made = api.post("/api/nominations", nomination(worker, "2022H1", "worker", [upload(api)["id"]]))
    stranger = account(api, "unit_admin", unit="县医保局")
    stranger_name = stranger["username"]
    as_user(api, stranger).get(f"/api/nominations/{made['id']}", expect=403)
    reader = account(api, "auditor")
    assert client.get(f"/api/nominations/{made['id']}/form.docx", headers=bearer(reader["token"])).status_code == 200
    security = account(api, "security_admin")
    inspector = account(api, "inspector")
    changed = client.post(f"/api/users/{inspector['id']}/role", json={"role": "unit_admin", "unit": "县医保局"},
                          headers=bearer(security["token"]))
    assert changed.status_code == 201
    rows = trail(api)
    seen = {(i["actor"], i["action"], i["status"]) for i in rows}
    assert (stranger_name, f"GET /api/nominations/{made['id']}", 403) in seen
    assert (reader["username"], f"GET /api/nominations/{made['id']}/form.docx", 200) in seen
    # A success is logged with the status its route answers: a password change 204 (it was 201).
    assert (inspector["username"], "POST /api/auth/password", 204) in seen
    [role] = [i for i in rows if i["action"] == "user.role_changed"]
    assert role["actor"] == security["username"]
    assert role["detail"] == f"{inspector['username']}:inspector → unit_admin(县医保局)"


@pytest.mark.parametrize("trusted", [[], ["testclient"]])
def test_x_forwarded_for_counts_only_from_a_configured_proxy(stores, clock, trusted):
    settings = Settings(database_url=stores.url("sqlite"), admin_token=ADMIN_TOKEN, scheduler=False,
                        trusted_proxies=trusted)
    with TestClient(create_app(settings, clock)) as client:
        api = Api(client, clock)
        forwarded = {"X-Forwarded-For": "6.6.6.6, 10.1.1.1"}
        api.post("/api/subjects", {"kind": "hall", "name": "大厅", "unit": "县"}, **forwarded)
        [row] = [i for i in trail(api) if i["action"] == "POST /api/subjects"]
        assert row["address"] == ("10.1.1.1" if trusted else "testclient")


def test_the_service_as_scripts_serve_runs_it_does_not_believe_x_forwarded_for(stores):
    for launcher in (ROOT / "scripts" / "serve", ROOT / "docker" / "Dockerfile"):
        assert "--no-proxy-headers" in Path(launcher).read_text(), launcher
    url = stores.url("sqlite")
    service = Service(url)  # started with the same uvicorn options
    try:
        made = httpx.post(f"{service.base}/api/subjects", json={"kind": "hall", "name": "大厅", "unit": "县"},
                          headers={**ADMIN, "X-Forwarded-For": "6.6.6.6"})
        assert made.status_code == 201
    finally:
        service.stop()
    container = make_container(url, SettableClock(datetime.fromisoformat(NOW)))
    try:
        [row] = container.ledger.projection.audit_log(None, None, "admin", "subjects", 10)
        assert row["address"] == "127.0.0.1"
    finally:
        container.close()
