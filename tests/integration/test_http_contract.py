"""The HTTP contract of api.md: refused input names the field and writes nothing;
Idempotency-Key; tokens and roles; read-your-writes. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from service.http.answers import FieldRefusal, RefusalPublic
from tests.api import Api, account, bearer
from tests.conftest import ADMIN


@pytest.fixture
def county(client, clock):
    api = Api(client, clock)
    clock.set(clock.now().replace(month=6, day=1))
    hall = api.subject("hall", "县政务服务中心", "H1")
    window = api.subject("window", "社保窗口", "W1", hall)
    worker = api.subject("worker", "张三", "G001", window)
    return api, {"hall": hall, "window": window, "worker": worker}


GOOD = {"rule_id": "A1.1.2", "occurred_at": "2022-05-01T10:00:00+08:00", "source": "patrol"}
BAD_RECORDS = [
    ({"occurred_at": "2022-05-01T10:00:00"}, 422, "occurred_at"),             # no offset
    ({"occurred_at": "2022-05-01"}, 422, "occurred_at"),
    ({"occurred_at": "next tuesday"}, 422, "occurred_at"),
    ({"occurred_at": "2022-06-01T12:00:00+08:00"}, 422, "occurred_at"),       # later than now + 10 minutes
    ({"occurred_at": "2021-12-31T10:00:00+08:00"}, 409, "occurred_at"),       # 2021H2 has ended
    ({"rule_id": "A1.9.9"}, 422, "rule_id"),
    ({"rule_id": "A2.2.4"}, 422, "rule_id"),                                  # a window's rule
    ({"quantity": 0}, 422, "quantity"),
    ({"quantity": "two"}, 422, "quantity"),
    ({"points": 3}, 422, "points"),
    ({"source": "rumour"}, 422, "source"),
    ({"subject_id": "no-such-subject"}, 404, "subject_id"),
    ({"colour": "red"}, 422, "colour"),
    ({"rule_id": None}, 422, "rule_id"),
]


@pytest.mark.parametrize(("change", "status", "field"), BAD_RECORDS)
def test_a_bad_record_is_refused_naming_the_field_and_writes_nothing(county, change, status, field):
    api, s = county
    before = api.log_end()
    body = {"subject_id": s["worker"], **GOOD, **change}
    answer = api.post("/api/records", body, expect=status)
    assert field in [d["field"] for d in answer["detail"]]
    assert all(d["message"] for d in answer["detail"])
    assert api.log_end() == before


@pytest.mark.parametrize(("path", "body", "status", "field"), [
    ("/api/subjects", {"kind": "room", "name": "x", "unit": "y"}, 422, "kind"),
    ("/api/subjects", {"kind": "worker", "name": "x", "unit": "y"}, 422, "parent_id"),
    ("/api/subjects", {"kind": "window", "name": "x", "unit": "y", "parent_id": "WORKER"}, 422, "parent_id"),
    ("/api/subjects", {"kind": "hall", "name": "", "unit": "y"}, 422, "name"),
    ("/api/subjects", {"kind": "hall", "name": "x", "unit": "y", "code": "H1"}, 409, "code"),
    ("/api/attendance", {"worker_id": "WORKER", "date": "2022-05-01", "kind": "late"}, 422, "minutes"),
    ("/api/attendance", {"worker_id": "WORKER", "date": "01/05/2022", "kind": "late", "minutes": 5}, 422, "date"),
    ("/api/attendance", {"worker_id": "WORKER", "date": "2022-06-02", "kind": "absent"}, 422, "date"),
    ("/api/attendance", {"worker_id": "HALL", "date": "2022-05-01", "kind": "absent"}, 422, "worker_id"),
    ("/api/attendance", {"worker_id": "WORKER", "date": "2022-05-01", "kind": "nap"}, 422, "kind"),
    ("/api/complaints", {"subject_id": "WORKER", "received_at": "2022-05-01T10:00", "channel": "c", "summary": "s"},
     422, "received_at"),
    ("/api/halls/HALL/figures", {"year": 2022, "satisfaction_rate": 150}, 422, "satisfaction_rate"),
    ("/api/halls/HALL/figures", {"year": 2022, "systems_missing": ["午休制"]}, 422, "systems_missing"),
    ("/api/halls/HALL/figures", {"year": 2022, "case_volume": -1}, 422, "case_volume"),
    ("/api/halls/HALL/figures", {"year": 2022}, 422, "figures"),
    ("/api/halls/WORKER/figures", {"year": 2022, "case_volume": 5}, 422, "hall_id"),
    ("/api/halls/HALL/figures", {"year": 2021, "case_volume": 5}, 409, "year"),
    ("/api/users", {"username": "bad name", "role": "inspector"}, 422, "username"),
    ("/api/users", {"username": "x", "role": "king"}, 422, "role"),
    ("/api/users", {"username": "x", "role": "unit_admin"}, 422, "unit"),
])
def test_other_bad_writes_are_refused_naming_the_field_and_write_nothing(county, path, body, status, field):
    api, s = county
    path = path.replace("HALL", s["hall"]).replace("WORKER", s["worker"])
    body = {k: (s["hall"] if v == "HALL" else s["worker"] if v == "WORKER" else v) for k, v in body.items()}
    before = api.log_end()
    answer = api.post(path, body, expect=status)
    assert field in [d["field"] for d in answer["detail"]], answer
    assert api.log_end() == before


def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer_and_writes_nothing(county):
    api, s = county
    body = {"subject_id": s["worker"], **GOOD}
    first = api.post("/api/records", body, **{"Idempotency-Key": "k-1"})
    end = api.log_end()
    again = api.post("/api/records", {**body}, **{"Idempotency-Key": "k-1"})
    assert again == first
    assert api.log_end() == end
    other = api.post("/api/records", {**body, "quantity": 2}, expect=409, **{"Idempotency-Key": "k-1"})
    assert other["detail"][0]["field"] == "Idempotency-Key"
    assert api.card(s["worker"], "2022H1")["total"] == 95  # counted once


def test_a_retry_after_the_period_closed_still_returns_the_first_answer(county, clock):
    api, s = county
    body = {"subject_id": s["worker"], **GOOD}
    first = api.post("/api/records", body, **{"Idempotency-Key": "k-2"})
    clock.set(clock.now().replace(month=7, day=2))
    assert api.post("/api/records", body, **{"Idempotency-Key": "k-2"})["id"] == first["id"]


def test_requests_need_a_token_and_roles_limit_what_each_may_do(county, client, clock):
    api, s = county
    assert client.get("/api/health").status_code == 200
    assert client.get("/api/rulebooks/2022").status_code == 401
    assert client.get("/api/rulebooks/2022", headers={"Authorization": "Bearer wrong"}).status_code == 401
    tokens = {}
    api.subject("hall", "另一个大厅", "H2", unit="县人社局")  # the unit administrator's unit, not the worker's
    for role in ("inspector", "unit_admin", "auditor", "office_admin"):
        user = account(api, role, username=f"u-{role.replace('_', '-')}")
        assert user["role"] == role and len(user["token"]) >= 32
        tokens[role] = bearer(user["token"])
    record = {"subject_id": s["worker"], **GOOD}
    for role, expected in {"inspector": 201, "office_admin": 201, "auditor": 403, "unit_admin": 403}.items():
        assert client.post("/api/records", json=record, headers=tokens[role]).status_code == expected, role
    made = client.post("/api/records", json=record, headers=tokens["inspector"]).json()
    assert made["actor"] == "u-inspector"
    retraction = {"reason": "误录"}
    assert client.post(f"/api/records/{made['id']}/retraction", json=retraction,
                       headers=tokens["inspector"]).status_code == 403
    assert client.post(f"/api/records/{made['id']}/retraction", json=retraction,
                       headers=tokens["office_admin"]).status_code == 201
    for role in ("inspector", "unit_admin", "auditor"):
        assert client.post("/api/subjects", json={"kind": "hall", "name": "x", "unit": "y"},
                           headers=tokens[role]).status_code == 403
        assert client.post("/api/users", json={"username": "z", "role": "auditor"},
                           headers=tokens[role]).status_code == 403
    for role in tokens:  # the unit administrator belongs to another unit than the worker's
        expected = 403 if role == "unit_admin" else 200
        assert client.get(f"/api/subjects/{s['worker']}/scorecard", params={"period": "2022H1"},
                          headers=tokens[role]).status_code == expected, role


def test_scorecard_and_standings_refuse_a_period_of_the_wrong_shape(county):
    api, s = county
    assert api.get(f"/api/subjects/{s['worker']}/scorecard", expect=422, period="2022")["detail"][0]["field"] == "period"
    assert api.get(f"/api/subjects/{s['hall']}/scorecard", expect=422, period="2022H1")["detail"][0]["field"] == "period"
    assert api.get("/api/periods/2022H3/standings", expect=422, kind="worker")["detail"][0]["field"] == "period"
    assert api.get(f"/api/subjects/{s['worker']}/scorecard", expect=422, period="2022H1",
                   as_of="2022-05-01T10:00:00")["detail"][0]["field"] == "as_of"
    assert api.get(f"/api/subjects/{s['worker']}/scorecard", expect=422, period="2022H1", position=10_000)


def test_the_rulebook_endpoint_lists_every_section_and_rule(county):
    api, _ = county
    book = api.get("/api/rulebooks/2022")
    worker = next(c for c in book["categories"] if c["kind"] == "worker")
    assert (worker["annex"], worker["quota"], worker["cadence"]) == (1, 10, "half-year")
    first = worker["sections"][0]
    assert (first["id"], first["title"], first["max"]) == ("A1.1", "工作纪律", 25)
    assert first["rules"][3] == {**first["rules"][3], "id": "A1.1.4a", "effect": "deduct", "points": 1}
    assert api.get("/api/rulebooks/1999", expect=404)["detail"][0]["field"] == "version"
    preview = api.get("/api/periods/2022H1/standings", expect=404, kind="worker", rulebook="2099")
    assert preview["detail"][0]["field"] == "rulebook"  # named as the request names it


def test_openapi_document_lists_the_minimum_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/health", "/api/rulebooks/{version}", "/api/users", "/api/subjects",
                 "/api/subjects/{subject_id}/assignment", "/api/records", "/api/records/{record_id}/retraction",
                 "/api/attendance", "/api/complaints", "/api/complaints/{complaint_id}/verdict",
                 "/api/halls/{hall_id}/figures", "/api/subjects/{subject_id}/scorecard",
                 "/api/periods/{period}/standings"):
        assert path in paths, path


def _declared(response: dict) -> list[str]:
    """What one documented answer leaves undeclared: a JSON body with a bare object schema."""
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return []
    if "$ref" in schema or "$ref" in schema.get("items", {}):
        return []
    return ["a bare JSON object"]


def test_every_operation_declares_what_it_answers_so_clients_can_rely_on_the_openapi_document(client):
    document = client.get("/openapi.json").json()
    undeclared = [f"{method.upper()} {path} {status}"
                  for path, operations in document["paths"].items()
                  for method, operation in operations.items()
                  for status, response in operation["responses"].items()
                  if status.startswith("2") and (_declared(response) or not response.get("content")
                                                 and status != "204")]
    assert undeclared == []
    refusal = document["components"]["schemas"]["ValidationError"]
    assert refusal["required"] == ["field", "message"]  # the shape the service answers, not FastAPI's loc/msg


def test_a_refusal_answers_in_the_documented_shape(county):
    api, subjects = county
    answer = api.post("/api/records", {**GOOD, "subject_id": subjects["worker"], "quantity": "two"}, expect=422)
    for item in answer["detail"]:
        FieldRefusal.model_validate(item)
    assert [item["field"] for item in answer["detail"]] == ["quantity"]
    # The refusals any operation may give are declared too, and answer as declared.
    declared = api.client.get("/openapi.json").json()["paths"]["/api/records"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422"} <= set(declared)
    unknown = api.post("/api/records", {**GOOD, "subject_id": "no-such-subject"}, expect=404)
    anonymous = api.client.post("/api/records", json={**GOOD, "subject_id": subjects["worker"]})
    assert anonymous.status_code == 401
    for refusal in (unknown, anonymous.json()):
        RefusalPublic.model_validate(refusal)


def test_admin_header_constant_matches_the_bootstrap_token(client):
    assert client.get("/api/rulebooks/2022", headers=ADMIN).status_code == 200
