"""No request can poison the store (#13 item 1): text that a store cannot keep (a NUL, an
unpaired surrogate, a control or direction-changing character) is refused at the boundary
naming the field, what is logged about a refused request is made safe first, and afterwards the
service still answers, restarts, and its read model and chain verify. On both stores; the
PostgreSQL read model is the one a NUL used to break for good."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from projections import chain
from projections.verify import verify
from service.http.app import create_app
from tests.api import Api
from tests.conftest import ADMIN, make_container


@pytest.fixture
def api(client, clock) -> Api:
    return Api(client, clock)


def still_healthy(api: Api, database_url: str, clock) -> None:
    """The service answers, takes a write, and a new process on the same store starts, catches
    up and verifies."""
    assert api.client.get("/api/health").status_code == 200
    api.subject("hall", "县政务服务中心", f"H{api.log_end()}")
    again = make_container(database_url, clock)
    try:
        with TestClient(create_app(container=again)) as second:
            assert second.get("/api/health").json()["status"] == "ok"
            assert verify(again.ledger.projection)[1] == []
            assert chain.verify(again.ledger.recorder, again.ledger.projection.store).ok
    finally:
        again.close()


def raw_post(api: Api, path: str, body: str, headers: dict | None = None):
    return api.client.post(path, content=body.encode("utf-8", "surrogatepass"),
                           headers={"Content-Type": "application/json", **(headers or ADMIN)})


def test_a_nul_in_a_path_is_refused_and_logs_nothing_unstorable(api, database_url, clock):
    answer = api.client.post("/api/%00")
    assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == "path"
    assert api.client.post("/api/subjects/%E2%80%AE/assignment", json={}).status_code == 422  # U+202E
    assert api.client.get("/api/health?x=%00").status_code == 422
    still_healthy(api, database_url, clock)


@pytest.mark.parametrize("name", ["县\x00中心", "县\ud800中心", "县\u202e中心", "县\x1b中心", "第一行\n第二行", "\u200b ", ""])
def test_a_subject_name_the_store_cannot_keep_or_that_is_blank_is_refused_naming_it(api, database_url, clock, name):
    before = api.log_end()
    body = json.dumps({"kind": "hall", "name": name, "unit": "县政管办"}, ensure_ascii=True)
    answer = raw_post(api, "/api/subjects", body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == "name"
    assert api.log_end() == before
    still_healthy(api, database_url, clock)


def test_a_nul_in_a_login_username_is_refused_and_the_service_still_answers(api, database_url, clock):
    answer = raw_post(api, "/api/auth/login", '{"username": "ad\\u0000min", "password": "x"}', headers={})
    assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == "username"
    still_healthy(api, database_url, clock)


def test_a_note_may_have_lines_but_no_nul_and_an_idempotency_key_is_printable(api, database_url, clock):
    hall = api.subject("hall", "县政务服务中心", "H1")
    record = {"subject_id": hall, "rule_id": "A3.1.2", "occurred_at": "2022-01-03T08:00:00+08:00",
              "source": "patrol"}
    lines = api.post("/api/records", {**record, "note": "第一行\n第二行"})
    assert lines["note"] == "第一行\n第二行"
    refused = raw_post(api, "/api/records", json.dumps({**record, "note": "坏\u0000"}))
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "note"
    keyed = api.client.post("/api/records", json=record, headers={**ADMIN, "Idempotency-Key": "k\x7f1"})
    assert keyed.status_code == 422
    still_healthy(api, database_url, clock)


def test_an_import_cell_the_store_cannot_keep_is_named_by_line_and_column(api, database_url, clock):
    roster = "类型,编码,名称,单位,上级编码\n大厅,H1,县政务服务中心,县政管办,\n大厅,H2,坏\x01名字,县政管办,\n".encode()
    answer = api.client.post("/api/imports/roster", files={"file": ("roster.csv", roster, "text/csv")},
                             data={"effective_date": "2022-01-01"}, headers=ADMIN)
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"row": 3, "column": "名称", "message": "第 2 个字符是不可见的控制字符(U+0001),不能保存"}]
    assert api.get("/api/subjects")["items"] == []
    still_healthy(api, database_url, clock)


def test_the_last_gate_refuses_any_command_whose_events_hold_unstorable_text(container):
    """Whatever door a command comes in by (a page, an import, the command line), the ledger
    checks every string its events would keep."""
    from domain.errors import Invalid

    before = container.ledger.projection.log_end()
    with pytest.raises(Invalid) as refused:
        container.roster.create("t", "hall", "县\x00中心", "县政管办", None, None, None)
    assert refused.value.field == "name"
    assert container.ledger.projection.log_end() == before


def test_a_later_rulebook_without_a_look_back_rule_earlier_records_name_poisons_nothing(stores, clock):
    """#15 point 5: a 2023 rulebook lacking A3.5.3 (look-back: a 2022 finding also counts in
    2023). The record is still stored and counts in 2022; in 2023 it stays on the card without
    counting, saying why; nothing fails, on replay neither."""
    from pathlib import Path

    import domain
    from domain.rulebook import RulebookLibrary, parse_rulebook

    data = json.loads((Path(domain.__file__).parent / "rulebooks" / "2022.json").read_text(encoding="utf-8"))
    shipped = parse_rulebook(data)
    data.update(version="2023-test", effective_from="2023-01-01")
    for category in data["categories"]:
        for section in category["sections"]:
            section["rules"] = [r for r in section["rules"] if r["id"] != "A3.5.3"]
    library = RulebookLibrary([shipped, parse_rulebook(data)])
    from service.bootstrap import bootstrap
    from service.config.settings import Settings
    from tests.conftest import ADMIN_TOKEN

    for kind in ("sqlite", "postgresql"):
        url = stores.url(kind)
        container = bootstrap(Settings(database_url=url, admin_token=ADMIN_TOKEN), clock, rulebooks=library)
        try:
            hall = container.roster.create("t", "hall", "大厅", "县", None, None, None).id
            made = container.records.record("t", hall, "A3.5.3", clock.now() - timedelta(days=1), "patrol")
            projection = container.ledger.projection
            subject = projection.subject(hall)
            assert projection.card(subject, "2022")["total"] == 90
            [line] = [e for e in projection.card(subject, "2023")["entries"] if e["record_id"] == made.id]
            assert line["effective"] is False and "A3.5.3" in line["reason"]
            assert projection.card(subject, "2023")["total"] == 100
            assert verify(projection)[1] == []
        finally:
            container.close()
