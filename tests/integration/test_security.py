"""Accounts and security to the 等保 2.0 level-2 baseline: the endpoint × role matrix from the
OpenAPI document, the password policy, lockout and unlock, session expiry, token expiry and
revocation, the operation and login log, unit scoping and masking, HTTP hardening."""

from __future__ import annotations

import io
import re
import uuid
from datetime import datetime, timedelta

import pytest
from docx import Document
from fastapi.testclient import TestClient

from service.config.settings import Settings
from service.http.app import create_app
from tests.api import Api, account, bearer, create_user, first_login, nomination, upload
from tests.conftest import ADMIN, ADMIN_TOKEN

ROLES = ("inspector", "unit_admin", "office_admin", "auditor", "system_admin", "security_admin", "audit_admin")
READERS = {"inspector", "unit_admin", "office_admin", "auditor", "system_admin"}
ANYONE = set(ROLES)  # any logged-in account
PUBLIC = "public"
OFFICE = {"office_admin"}
# Who may call each endpoint. A new endpoint without a line here fails the matrix test.
RULES: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/api/health"): PUBLIC,
    ("POST", "/api/auth/login"): PUBLIC,
    ("POST", "/api/objections"): PUBLIC,
    ("GET", "/notice/{period}"): PUBLIC,
    ("POST", "/notice/{period}/objections"): PUBLIC,
    ("POST", "/api/auth/password"): ANYONE,
    ("POST", "/api/auth/logout"): ANYONE,
    ("POST", "/api/tokens"): ANYONE,
    ("GET", "/api/tokens"): ANYONE,
    ("GET", "/api/users"): {"system_admin", "security_admin"},
    ("POST", "/api/tokens/{token_id}/revocation"): ANYONE,
    ("POST", "/api/users"): {"office_admin", "system_admin"},
    ("POST", "/api/users/{user_id}/password-reset"): {"system_admin"},
    ("POST", "/api/users/{user_id}/role"): {"security_admin"},
    ("POST", "/api/users/{user_id}/unlock"): {"security_admin"},
    ("GET", "/api/audit-log"): {"audit_admin", "auditor"},
    ("GET", "/api/rulebooks"): READERS,
    ("GET", "/api/rulebooks/{version}"): READERS,
    ("PUT", "/api/rulebooks/{version}"): OFFICE,
    ("GET", "/api/rulebooks/{version}/diff"): READERS,
    ("POST", "/api/subjects"): {"office_admin", "system_admin"},
    ("GET", "/api/subjects"): READERS,
    ("POST", "/api/subjects/{subject_id}/assignment"): {"office_admin", "system_admin"},
    ("GET", "/api/subjects/{subject_id}"): READERS,
    ("GET", "/api/subjects/{subject_id}/dossier"): READERS,
    ("GET", "/api/subjects/{subject_id}/scorecard"): READERS,
    ("POST", "/api/records"): {"inspector", "office_admin"},
    ("POST", "/api/records/{record_id}/retraction"): OFFICE,
    ("GET", "/api/records/{record_id}"): READERS,
    ("GET", "/api/records/{record_id}/history"): READERS,
    ("POST", "/api/attendance"): OFFICE,
    ("POST", "/api/complaints"): {"inspector", "office_admin"},
    ("POST", "/api/complaints/{complaint_id}/verdict"): OFFICE,
    ("POST", "/api/halls/{hall_id}/figures"): OFFICE,
    ("GET", "/api/periods/{period}/standings"): READERS,
    ("GET", "/api/periods/{period}"): READERS,
    ("POST", "/api/periods/{period}/close"): OFFICE,
    ("GET", "/api/periods/{period}/proposal"): READERS,
    ("POST", "/api/periods/{period}/tie-decision"): OFFICE,
    ("POST", "/api/periods/{period}/notice"): OFFICE,
    ("POST", "/api/periods/{period}/final"): OFFICE,
    ("POST", "/api/nominations"): {"unit_admin", "office_admin"},
    ("GET", "/api/nominations"): READERS,
    ("GET", "/api/nominations/{nomination_id}"): READERS,
    ("POST", "/api/evidence"): {"inspector", "unit_admin", "office_admin"},
    ("GET", "/api/evidence/{evidence_id}"): READERS,
    ("GET", "/api/evidence/{evidence_id}/file"): READERS,
    ("GET", "/api/objections/{objection_id}"): READERS,
    ("POST", "/api/objections/{objection_id}/ruling"): OFFICE,
    ("GET", "/api/calendar"): READERS,
    ("PUT", "/api/calendar/{day}"): OFFICE,
    ("DELETE", "/api/calendar/{day}"): OFFICE,
    ("POST", "/api/disputes"): {"unit_admin", "office_admin"},
    ("GET", "/api/disputes/{dispute_id}"): READERS,
    ("POST", "/api/disputes/{dispute_id}/ruling"): OFFICE,
    ("POST", "/api/imports/attendance"): OFFICE,
    ("POST", "/api/imports/figures"): OFFICE,
    ("POST", "/api/imports/roster"): OFFICE,
    ("GET", "/api/periods/{period}/scores.xlsx"): READERS,
    ("GET", "/api/nominations/{nomination_id}/form.docx"): READERS,
    ("GET", "/api/periods/{period}/notice.docx"): READERS,
    ("GET", "/api/periods/{period}/final.docx"): READERS,
}
PATH_VALUES = {"period": "2022H1", "version": "2022", "day": "2022-10-01"}


def named(role: str) -> str:
    return f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"


def test_every_endpoint_answers_each_role_as_its_rule_says(sqlite_client, clock):
    api = Api(sqlite_client, clock)
    paths = sqlite_client.app.openapi()["paths"]
    endpoints = [(method.upper(), path) for path, item in paths.items() for method in item]
    assert sorted(set(endpoints) - set(RULES)) == [], "an endpoint without an access rule"
    tokens: dict[str | None, dict[str, str]] = {None: {}}
    for role in ROLES:
        tokens[role] = bearer(account(api, role)["token"])
    wrong = []
    for method, path in endpoints:
        url = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), str(uuid.uuid4())), path)
        rule = RULES[(method, path)]
        for role, headers in tokens.items():
            answer = sqlite_client.request(method, url, params={"kind": "worker", "period": "2022H1"}, json={},
                                           headers=headers)
            allowed = rule == PUBLIC or (role is not None and role in rule)
            if allowed and answer.status_code in (401, 403):
                wrong.append(f"{method} {path} as {role}: {answer.status_code}, expected access")
            if not allowed and answer.status_code != (401 if role is None else 403):
                wrong.append(f"{method} {path} as {role}: {answer.status_code}, expected {401 if role is None else 403}")
    assert wrong == []


def test_the_password_policy_says_what_is_missing(sqlite_client, clock):
    api = Api(sqlite_client, clock)
    for weak, hint in (("Ab1!", "至少 8 个字符"), ("abcdefgh", "还缺 2 类"), ("abcdefg1", "还缺 1 类")):
        refused = api.post("/api/users", {"username": "x1", "role": "inspector", "password": weak}, expect=422)
        assert hint in refused["detail"][0]["message"]
    made = create_user(api, named("inspector"), "inspector", password="Start-2022!")
    login = sqlite_client.post("/api/auth/login", json={"username": made["username"], "password": "Start-2022!"})
    assert login.status_code == 200 and login.json()["must_change_password"] is True
    session = bearer(login.json()["token"])
    assert sqlite_client.get("/api/rulebooks/2022", headers=session).status_code == 403  # change it first
    weak = sqlite_client.post("/api/auth/password", json={"old": "Start-2022!", "new": "password"}, headers=session)
    assert weak.status_code == 422 and "还缺" in weak.json()["detail"][0]["message"]
    assert sqlite_client.post("/api/auth/password", json={"old": "nope", "new": "Better-2022!"},
                              headers=session).status_code == 422
    assert sqlite_client.post("/api/auth/password", json={"old": "Start-2022!", "new": "Better-2022!"},
                              headers=session).status_code == 204
    assert sqlite_client.get("/api/rulebooks/2022", headers=session).status_code == 200
    # An administrator's reset forces a change again; the old sessions end.
    system = bearer(account(api, "system_admin")["token"])
    reset = sqlite_client.post(f"/api/users/{made['id']}/password-reset", headers=system).json()
    assert reset["must_change_password"] is True and sqlite_client.get("/api/rulebooks/2022", headers=session).status_code == 401
    again = sqlite_client.post("/api/auth/login", json={"username": made["username"], "password": reset["initial_password"]})
    assert again.json()["must_change_password"] is True


def test_an_initial_password_is_shown_once_when_none_is_given_and_no_token_ever(sqlite_client, clock):
    api = Api(sqlite_client, clock)
    made = api.post("/api/users", {"username": named("inspector"), "role": "inspector"})
    assert len(made["initial_password"]) >= 8 and made["must_change_password"] is True
    assert "token" not in made  # the creator gets no credential of the new account but its initial password
    given = api.post("/api/users", {"username": named("inspector"), "role": "inspector", "password": "Given-2022!"})
    assert "initial_password" not in given and "token" not in given


def test_five_failures_in_a_row_lock_the_account_for_15_minutes(sqlite_client, clock):
    api = Api(sqlite_client, clock)
    made = create_user(api, named("inspector"), "inspector", password="Right-2022!")
    name = made["username"]
    for _ in range(4):
        assert sqlite_client.post("/api/auth/login", json={"username": name, "password": "wrong"}).status_code == 401
    fifth = sqlite_client.post("/api/auth/login", json={"username": name, "password": "wrong"})
    assert fifth.status_code == 423
    assert datetime.fromisoformat(fifth.json()["locked_until"]) == clock.now() + timedelta(minutes=15)
    assert sqlite_client.post("/api/auth/login", json={"username": name, "password": "Right-2022!"}).status_code == 423
    clock.advance(minutes=15)
    assert sqlite_client.post("/api/auth/login", json={"username": name, "password": "Right-2022!"}).status_code == 200
    # Locked again, a security administrator may unlock at once.
    for _ in range(5):
        sqlite_client.post("/api/auth/login", json={"username": name, "password": "wrong"})
    security = bearer(account(api, "security_admin")["token"])
    assert sqlite_client.post(f"/api/users/{made['id']}/unlock", headers=security).status_code == 201
    assert sqlite_client.post("/api/auth/login", json={"username": name, "password": "Right-2022!"}).status_code == 200


def test_one_address_cannot_keep_guessing_across_accounts(stores, clock):
    settings = Settings(database_url=stores.url("sqlite"), admin_token=ADMIN_TOKEN, login_per_address=3,
                        scheduler=False)
    with TestClient(create_app(settings, clock)) as client:
        answers = [client.post("/api/auth/login", json={"username": f"user{i}", "password": "x"}) for i in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 15 * 60  # when this address may try again


def test_logins_that_succeed_do_not_count_against_an_offices_shared_address(stores, clock):
    """An office behind one NAT address logs in many times a morning (review finding)."""
    settings = Settings(database_url=stores.url("sqlite"), admin_token=ADMIN_TOKEN, login_per_address=3,
                        scheduler=False)
    with TestClient(create_app(settings, clock)) as client:
        api = Api(client, clock)
        made = create_user(api, named("inspector"), "inspector", password="Right-2022!")
        right = {"username": made["username"], "password": "Right-2022!"}
        answers = [client.post("/api/auth/login", json=right).status_code for _ in range(6)]
        answers.append(client.post("/api/auth/login", json={**right, "password": "wrong"}).status_code)
    assert answers == [200] * 6 + [401]


def test_sessions_end_after_30_idle_minutes_and_12_hours_at_most(sqlite_client, clock):
    api = Api(sqlite_client, clock)
    made = create_user(api, named("inspector"), "inspector", password="Right-2022!")
    login = lambda: bearer(sqlite_client.post("/api/auth/login", json={"username": made["username"],  # noqa: E731
                                                                       "password": "Right-2022!"}).json()["token"])
    session = login()
    sqlite_client.post("/api/auth/password", json={"old": "Right-2022!", "new": "Right-2023!"}, headers=session)
    made_password = "Right-2023!"
    session = bearer(sqlite_client.post("/api/auth/login", json={"username": made["username"],
                                                                 "password": made_password}).json()["token"])
    clock.advance(minutes=29)
    assert sqlite_client.get("/api/rulebooks/2022", headers=session).status_code == 200
    clock.advance(minutes=31)
    idle = sqlite_client.get("/api/rulebooks/2022", headers=session)
    assert idle.status_code == 401 and "30 分钟" in idle.json()["detail"]
    session = bearer(sqlite_client.post("/api/auth/login", json={"username": made["username"],
                                                                 "password": made_password}).json()["token"])
    for _ in range(28):  # active every 25 minutes: 11 h 40 min
        clock.advance(minutes=25)
        assert sqlite_client.get("/api/rulebooks/2022", headers=session).status_code == 200
    clock.advance(minutes=25)
    late = sqlite_client.get("/api/rulebooks/2022", headers=session)
    assert late.status_code == 401 and "12 小时" in late.json()["detail"]
    assert sqlite_client.post("/api/auth/logout", headers=session).status_code == 401


def test_api_tokens_expire_and_can_be_revoked(sqlite_client, clock):
    api = Api(sqlite_client, clock)
    own = bearer(account(api, "inspector")["token"])
    issued = sqlite_client.post("/api/tokens", json={"label": "巡查脚本", "days": 1}, headers=own).json()
    script = bearer(issued["token"])
    assert sqlite_client.get("/api/rulebooks/2022", headers=script).status_code == 200
    clock.advance(days=1)
    assert sqlite_client.get("/api/rulebooks/2022", headers=script).status_code == 401
    second = sqlite_client.post("/api/tokens", json={"label": "另一个", "days": 30}, headers=own).json()
    assert sqlite_client.post(f"/api/tokens/{second['id']}/revocation", headers=own).status_code == 201
    revoked = sqlite_client.get("/api/rulebooks/2022", headers=bearer(second["token"]))
    assert revoked.status_code == 401 and "吊销" in revoked.json()["detail"]
    other = bearer(account(api, "inspector")["token"])
    assert sqlite_client.post(f"/api/tokens/{issued['id']}/revocation", headers=other).status_code == 404


def test_every_write_and_login_is_in_the_log_which_only_auditors_read(client, clock):
    api = Api(client, clock)
    clock.set(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    hall = api.subject("hall", "大厅", "H")
    inspector = create_user(api, named("inspector"), "inspector", password="Right-2022!")
    client.post("/api/auth/login", json={"username": inspector["username"], "password": "nope"})
    session, _ = first_login(api, inspector["username"], "Right-2022!")
    client.post("/api/records", json={"subject_id": hall, "rule_id": "A3.1.2", "source": "patrol",
                                      "occurred_at": "2022-06-01T10:00:00+08:00"}, headers=bearer(session))
    client.post("/api/periods/2022H1/close?kind=worker", json={}, headers=bearer(session))  # refused
    auditor = bearer(account(api, "audit_admin")["token"])
    log = client.get("/api/audit-log", headers=auditor).json()
    assert log["retention_days"] >= 183
    actions = [(i["actor"], i["action"], i["status"], i["success"]) for i in log["items"]]
    assert ("admin", "POST /api/subjects", 201, True) in actions
    assert (inspector["username"], "POST /api/records", 201, True) in actions
    assert (inspector["username"], "POST /api/periods/2022H1/close", 403, False) in actions
    logins = [i for i in log["items"] if i["action"] == "login" and i["actor"] == inspector["username"]]
    assert [(i["actor"], i["success"]) for i in logins] == [(inspector["username"], True), (inspector["username"], False)]
    requests = [i for i in log["items"] if i["action"] == "login" or i["status"] is not None]
    assert requests and all(i["address"] for i in requests)
    # What accounts became is in the trail too (the events say it; no address: no request made them).
    assert ("evalctl", "user.created") in [(i["actor"], i["action"]) for i in log["items"]]
    assert (inspector["username"], "user.password_changed") in [(i["actor"], i["action"]) for i in log["items"]]
    mine = client.get("/api/audit-log", params={"actor": inspector["username"], "action": "records"},
                      headers=auditor).json()["items"]
    assert [i["action"] for i in mine] == ["POST /api/records"]
    exported = client.get("/api/audit-log", params={"format": "csv"}, headers=auditor)
    assert exported.headers["content-type"].startswith("text/csv") and "POST /api/records" in exported.text
    assert client.get("/api/audit-log", headers=ADMIN).status_code == 403  # whoever acts cannot read the trail
    for method in ("DELETE", "PUT", "PATCH"):
        assert client.request(method, "/api/audit-log", headers=auditor).status_code == 405  # nobody erases it


def test_a_retention_shorter_than_six_months_is_refused():
    with pytest.raises(ValueError):
        Settings(audit_retention_days=90)


def test_a_unit_administrator_sees_only_its_unit_and_personal_details_are_masked(client, clock):
    api = Api(client, clock)
    clock.set(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    hall = api.subject("hall", "大厅", "H", unit="县政管办")
    window = api.subject("window", "社保窗口", "W1", hall, unit="县人社局")
    mine = api.subject("worker", "张三", "G1", window, unit="县人社局")
    other = api.subject("worker", "李四", "G2", window, unit="县医保局")
    made = api.post("/api/nominations", nomination(mine, "2022H1", "worker", [upload(api)["id"]]))
    assert made["details"]["birth_month"] == "1988-05"  # the office sees it
    unit = bearer(account(api, "unit_admin", unit="县人社局")["token"])
    names = {s["name"] for s in client.get("/api/subjects", headers=unit).json()["items"]}
    assert names == {"社保窗口", "张三"}
    standings = client.get("/api/periods/2022H1/standings", params={"kind": "worker"}, headers=unit).json()
    assert [i["name"] for i in standings["items"]] == ["张三"]
    assert client.get(f"/api/subjects/{other}/scorecard", params={"period": "2022H1"}, headers=unit).status_code == 403
    assert client.get(f"/api/nominations/{made['id']}", headers=unit).json()["details"]["birth_month"] == "1988-05"
    auditor = bearer(account(api, "auditor")["token"])
    seen = client.get(f"/api/nominations/{made['id']}", headers=auditor).json()["details"]
    assert seen["birth_month"] == "****" and seen["name"] == "张三"
    form = Document(io.BytesIO(client.get(f"/api/nominations/{made['id']}/form.docx", headers=auditor).content))
    cells = [c.text for row in form.tables[0].rows for c in row.cells]
    assert "****" in cells and "1988-05" not in cells
    stranger = bearer(account(api, "unit_admin", unit="县医保局")["token"])
    assert client.get(f"/api/nominations/{made['id']}", headers=stranger).status_code == 403


def test_security_headers_body_cap_and_closed_cors(sqlite_client):
    page = sqlite_client.get("/api/health")
    csp = page.headers["content-security-policy"]
    script = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    too_big = sqlite_client.post("/api/records", content=b"x", headers={**ADMIN, "Content-Length": str(10**9)})
    assert too_big.status_code == 413
    preflight = sqlite_client.options("/api/records", headers={"Origin": "http://evil.example",
                                                               "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    docs = sqlite_client.get("/docs")
    assert docs.status_code == 200 and "/static/swagger/swagger-ui-bundle.js" in docs.text and "<script>" not in docs.text
    assert sqlite_client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200


def test_nobody_changes_their_own_role(sqlite_client, clock):
    api = Api(sqlite_client, clock)
    security = account(api, "security_admin")
    refused = sqlite_client.post(f"/api/users/{security['id']}/role", json={"role": "inspector"},
                                 headers=bearer(security["token"]))
    assert refused.status_code == 403
    inspector = account(api, "inspector")
    changed = sqlite_client.post(f"/api/users/{inspector['id']}/role", json={"role": "unit_admin", "unit": "县人社局"},
                                 headers=bearer(security["token"]))
    assert changed.status_code == 201 and changed.json()["role"] == "unit_admin"
    # The change takes effect on the user's existing token at once.
    assert sqlite_client.post("/api/records", json={}, headers=bearer(inspector["token"])).status_code == 403


def test_the_service_hashes_passwords_with_argon2id_at_the_librarys_full_cost(stores, clock):
    """The tests use cheap parameters (tests/conftest.py); the service, as built by the composition
    root without them, uses argon2id with the library's own."""
    from argon2 import PasswordHasher

    from service.bootstrap import bootstrap
    from service.config.settings import Settings

    container = bootstrap(Settings(database_url=stores.url("sqlite"), scheduler=False), clock)
    try:
        stored = container.accounts.hasher.hash("Correct-Horse-1")
        real = PasswordHasher()
        assert stored.startswith(f"$argon2id$v=19$m={real.memory_cost},t={real.time_cost},p={real.parallelism}$")
        assert real.verify(stored, "Correct-Horse-1")
    finally:
        container.close()
