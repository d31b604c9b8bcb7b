"""三员 (#13 item 2, 9 and the low items on usernames): who may create, reset and re-role which
accounts, tried for every caller and every role over HTTP; a new or reset account's only
credential is its initial password; a password change or reset ends the user's sessions and API
tokens; `evalctl create-user` makes the first accounts without any token; reserved and
case-variant usernames are refused."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from domain.accounts import ASSIGNMENTS, CREATE, RESET, ROLE
from domain.vocabulary import ADMIN_ROLES, ROLES
from service.cli import app as evalctl
from service.http.app import create_app
from service.http.security import PERMISSIONS
from tests.api import Api, account, bearer, create_user, first_login
from tests.conftest import make_container

# The README's 三员 table, written out again here so that the code's table is checked against it.
EXPECTED = {
    ("system_admin", CREATE): {"inspector", "unit_admin"},
    ("system_admin", RESET): {"inspector", "unit_admin"},
    ("office_admin", CREATE): {"inspector", "unit_admin"},
    ("security_admin", ROLE): {"inspector", "unit_admin"},
}
ENDPOINT_PERMISSION = {CREATE: "create_user", RESET: "reset_password", ROLE: "set_role"}
# Powers over accounts, the trail and the round's decisions: what nobody may give (or take over by
# a reset) without holding it.
ACCOUNT_POWERS = ("create_user", "reset_password", "set_role", "unlock", "read_trail",
                  "retract", "judge_complaint", "rule_objection", "rule_dispute", "run_round", "manage_rulebooks")


def powers(role: str) -> set[str]:
    return {p for p in ACCOUNT_POWERS if role in PERMISSIONS[p]}


def expected(caller: str, action: str, role: str) -> bool:
    return caller in PERMISSIONS[ENDPOINT_PERMISSION[action]] and role in EXPECTED.get((caller, action), set())


def test_the_table_is_the_readmes_and_keeps_its_principle():
    assert {(c, a): set(roles) for c, table in ASSIGNMENTS.items() for a, roles in table.items()} == EXPECTED
    for (caller, action), roles in EXPECTED.items():
        assert caller in PERMISSIONS[ENDPOINT_PERMISSION[action]], (caller, action)
        for role in roles:
            assert role not in ADMIN_ROLES, "the three administrators come from evalctl create-user only"
            assert powers(role) <= powers(caller), f"{caller} may {action} {role}, which holds {powers(role)}"
    assert "auditor" not in {r for roles in EXPECTED.values() for r in roles}  # reads the trail: the operator's


@pytest.fixture
def api(sqlite_client, clock) -> Api:
    """Who may do what does not depend on the store: SQLite."""
    return Api(sqlite_client, clock)


def named(role: str) -> str:
    return f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"


def test_every_caller_creates_resets_and_re_roles_only_what_the_table_allows(api):
    callers = {role: bearer(account(api, role)["token"]) for role in ROLES}
    targets = {role: create_user(api, named(role), role, "县人社局")["id"] for role in ROLES}  # refusals change nothing
    wrong = []
    for caller, headers in callers.items():
        for role in ROLES:
            answer = api.client.post("/api/users", json={"username": named(role), "role": role, "unit": "县人社局"},
                                     headers=headers)
            if answer.status_code != (201 if expected(caller, CREATE, role) else 403):
                wrong.append(f"{caller} creates {role}: {answer.status_code}")
            elif answer.status_code == 201:
                assert "token" not in answer.json() and answer.json()["initial_password"]
            answer = api.client.post(f"/api/users/{targets[role]}/password-reset", headers=headers)
            if answer.status_code != (201 if expected(caller, RESET, role) else 403):
                wrong.append(f"{caller} resets {role}: {answer.status_code}")
        for old in ROLES:
            for new in ROLES:
                allowed = expected(caller, ROLE, old) and expected(caller, ROLE, new)
                target = create_user(api, named(old), old, "县人社局")["id"] if allowed else targets[old]
                answer = api.client.post(f"/api/users/{target}/role", json={"role": new, "unit": "县医保局"},
                                         headers=headers)
                if answer.status_code != (201 if allowed else 403):
                    wrong.append(f"{caller} re-roles {old} to {new}: {answer.status_code}")
    assert wrong == []


def test_the_pentests_takeovers_are_refused_and_say_why(api):
    system = bearer(account(api, "system_admin")["token"])
    security = account(api, "security_admin")
    audit = account(api, "audit_admin")
    office = bearer(account(api, "office_admin")["token"])
    for headers in (system, office):
        refused = api.client.post("/api/users", json={"username": named("x"), "role": "security_admin"}, headers=headers)
        assert refused.status_code == 403 and "evalctl create-user" in refused.json()["detail"][0]["message"]
    for victim in (security, audit):  # the system administrator cannot take them over by a reset
        refused = api.client.post(f"/api/users/{victim['id']}/password-reset", headers=system)
        assert refused.status_code == 403 and refused.json()["detail"][0]["field"] == "user_id"
        assert api.client.get("/api/tokens", headers=bearer(victim["token"])).status_code == 200  # still theirs
    refused = api.client.post("/api/users", json={"username": named("x"), "role": "auditor"}, headers=office)
    assert refused.status_code == 403 and "三员" in refused.json()["detail"][0]["message"]
    mine = api.client.post(f"/api/users/{security['id']}/role", json={"role": "inspector"},
                           headers=bearer(security["token"]))
    assert mine.status_code == 403


@pytest.mark.parametrize("how", ["change", "reset"])
def test_a_password_change_or_reset_ends_the_users_sessions_and_tokens(client, clock, how):
    api = Api(client, clock)
    user = account(api, "inspector")
    second = api.post("/api/tokens", {"name": "第二个脚本"}, Authorization=f"Bearer {user['session']}")
    other_session = client.post("/api/auth/login", json={"username": user["username"],
                                                         "password": user["password"]}).json()["token"]
    listed = client.get("/api/tokens", headers=bearer(user["session"])).json()["items"]
    assert [(t["name"], t["active"]) for t in listed] == [("第二个脚本", True), ("测试脚本", True)]
    clock.advance(minutes=1)
    if how == "change":
        assert client.post("/api/auth/password", json={"old": user["password"], "new": "Another-2023!"},
                           headers=bearer(user["session"])).status_code == 204
        kept = user["session"]  # the session the change was made in goes on
    else:
        system = bearer(account(api, "system_admin")["token"])
        assert client.post(f"/api/users/{user['id']}/password-reset", headers=system).status_code == 201
        kept = None
    for ended in (user["token"], second["token"], other_session):
        answer = client.get("/api/subjects", headers=bearer(ended))
        assert answer.status_code == 401, (ended, answer.text)
    if kept is not None:
        assert client.get("/api/subjects", headers=bearer(kept)).status_code == 200
        listed = client.get("/api/tokens", headers=bearer(kept)).json()["items"]
        assert [t["active"] for t in listed] == [False, False]
        clock.advance(minutes=1)
        fresh = api.post("/api/tokens", {"label": "新脚本"}, Authorization=f"Bearer {kept}")
        assert client.get("/api/subjects", headers=bearer(fresh["token"])).status_code == 200
        assert client.post(f"/api/tokens/{fresh['id']}/revocation", headers=bearer(kept)).status_code == 201
        assert client.get("/api/subjects", headers=bearer(fresh["token"])).status_code == 401
    else:
        assert client.get("/api/subjects", headers=bearer(user["session"])).status_code == 401


def test_reserved_and_case_variant_usernames_are_refused(api):
    for reserved in ("admin", "Anonymous", "scheduler", "EVALCTL"):
        refused = api.post("/api/users", {"username": reserved, "role": "inspector"}, expect=422)
        assert refused["detail"][0]["field"] == "username"
    made = api.post("/api/users", {"username": "insp", "role": "inspector", "password": "Patrol-2022!"})
    clash = api.post("/api/users", {"username": "Insp", "role": "inspector"}, expect=409)
    assert clash["detail"][0]["field"] == "username"
    session, _ = first_login(api, "INSP", "Patrol-2022!")  # one account, whatever the case typed
    assert api.client.get("/api/tokens", headers=bearer(session)).status_code == 200
    assert made["username"] == "insp"


def test_evalctl_create_user_makes_the_first_administrators_without_any_token(stores, clock, monkeypatch):
    url = stores.url("sqlite")
    monkeypatch.setenv("EVAL_DATABASE_URL", url)
    monkeypatch.delenv("EVAL_ADMIN_TOKEN", raising=False)
    runner = CliRunner()
    printed = runner.invoke(evalctl, ["create-user", "sysadmin1", "--role", "system_admin"])
    assert printed.exit_code == 0, printed.output
    initial = printed.output.split("first login): ")[1].split()[0]
    given = runner.invoke(evalctl, ["create-user", "secadmin1", "--role", "security_admin", "--password-stdin"],
                          input="Given-Secret-2022!\n")
    assert given.exit_code == 0 and "Given-Secret-2022!" not in given.output
    assert runner.invoke(evalctl, ["create-user", "admin", "--role", "inspector"]).exit_code == 1
    refused = runner.invoke(evalctl, ["create-user", "u1", "--role", "unit_admin"])
    assert refused.exit_code == 1 and "unit" in refused.output
    container = make_container(url, clock)
    try:
        with TestClient(create_app(container=container)) as client:
            api = Api(client, clock, headers={})
            login = client.post("/api/auth/login", json={"username": "sysadmin1", "password": initial}).json()
            assert login["must_change_password"] is True
            assert client.get("/api/subjects", headers=bearer(login["token"])).status_code == 403  # change it first
            session, _ = first_login(api, "secadmin1", "Given-Secret-2022!")
            assert client.get("/api/users", headers=bearer(session)).status_code == 200
            log = [(i["actor"], i["action"], i["detail"]) for i in container.ledger.projection.audit_log(
                None, None, "evalctl", None, 10)]
            assert ("evalctl", "user.created", "sysadmin1:system_admin") in log
    finally:
        container.close()
    again = runner.invoke(evalctl, ["reset-password", "secadmin1"])
    assert again.exit_code == 0 and "first login): " in again.output


def test_a_unit_administrator_names_a_unit_of_the_roster(api):
    """A unit the roster does not name would see nothing (review: 县人社局 for 县人力资源和社会保障局)."""
    api.subject("hall", "县政务服务中心", named("H"), unit="县人力资源和社会保障局")
    refused = api.post("/api/users", {"username": named("unit"), "role": "unit_admin", "unit": "县人社局"}, expect=422)
    assert refused["detail"][0]["field"] == "unit" and "县人力资源和社会保障局" in refused["detail"][0]["message"]
    api.post("/api/users", {"username": named("unit"), "role": "unit_admin", "unit": "县人力资源和社会保障局"})
