"""Audit and disputes on SQLite and PostgreSQL: record history, disputes and revisions of frozen
standings, verify against a hand-edited read model, rebuild, the hash chain against direct
tampering, and the dispute file."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import psycopg
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from projections import chain
from projections.verify import verify
from service.cli import app as evalctl
from tests.api import Api, account, as_user, nomination, upload
from tests.conftest import ADMIN


@pytest.fixture
def api(client, clock) -> Api:
    clock.set(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    return Api(client, clock)


def two_windows(api: Api) -> tuple[str, str, str]:
    hall = api.subject("hall", "县政务服务中心", "H", unit="县政管办")
    a = api.subject("window", "社保窗口", "WA", hall, unit="县人社局")
    b = api.subject("window", "医保窗口", "WB", hall, unit="县医保局")
    return hall, a, b


def unit_admin(api: Api, unit: str, name: str) -> Api:
    return as_user(api, account(api, "unit_admin", unit=unit, username=name))


def test_a_records_history_shows_every_event_with_actor_times_and_evidence(api):
    _, a, _ = two_windows(api)
    photo = upload(api)
    made = api.record(a, "A2.2.5", "2022-06-01T09:00:00+08:00", evidence=[photo["id"]], note="档案混乱")
    unit = unit_admin(api, "县人社局", "rs-admin")
    first = unit.post("/api/disputes", {"record_id": made["id"], "grounds": "当天系系统故障"})
    assert first["status"] == "open"
    assert unit.post("/api/disputes", {"record_id": made["id"], "grounds": "再次申诉"}, expect=409)
    api.post(f"/api/disputes/{first['id']}/ruling", {"upheld": False, "note": "故障记录不实"})
    second = unit.post("/api/disputes", {"record_id": made["id"], "grounds": "补充系统日志"})
    api.post(f"/api/disputes/{second['id']}/ruling", {"upheld": True, "note": "系统日志证实故障"})

    history = api.get(f"/api/records/{made['id']}/history")
    assert [e["event"] for e in history["events"]] == ["recorded", "disputed", "ruled", "disputed", "ruled", "retracted"]
    recorded = history["events"][0]
    assert recorded["actor"] == "admin" and recorded["occurred_at"] == "2022-06-01T09:00:00+08:00"
    assert recorded["evidence"] == [{"id": photo["id"], "sha256": photo["sha256"]}]
    assert [e["actor"] for e in history["events"][1:4]] == ["rs-admin", "admin", "rs-admin"]
    assert history["events"][-1]["reason"] == "申诉成立:系统日志证实故障"
    positions = [e["position"] for e in history["events"]]
    assert positions == sorted(positions) and len(set(positions)) == 6
    assert positions[-1] == positions[-2] + 1  # the upheld ruling and the retraction are one transaction
    assert history["effective"] is False
    assert api.card(a, "2022H1")["total"] == 100


def test_only_the_subjects_unit_may_dispute(api):
    _, a, b = two_windows(api)
    made = api.record(b, "A2.2.5", "2022-06-01T09:00:00+08:00")
    other = unit_admin(api, "县人社局", "rs-admin")
    assert other.post("/api/disputes", {"record_id": made["id"], "grounds": "x"}, expect=403)
    api.client.post("/api/disputes", json={"record_id": made["id"], "grounds": "x"}, headers=ADMIN)


def nominate(api: Api, subject: str, kind: str = "window") -> None:
    api.post("/api/nominations", nomination(subject, "2022H1", kind, [upload(api)["id"]]))


def test_a_dispute_upheld_after_close_produces_a_revision_with_the_differences(api, clock):
    _, a, b = two_windows(api)
    finding = api.record(a, "A2.4.3", "2022-06-01T09:00:00+08:00", source="supervision")  # a: 90
    api.record(b, "A2.2.5", "2022-06-02T09:00:00+08:00")                                 # b: 95
    nominate(api, a)
    nominate(api, b)
    clock.set(datetime.fromisoformat("2022-07-01T09:00:00+08:00"))
    api.client.app.state.container.rounds.tick()
    frozen = api.get("/api/periods/2022H1", kind="window")
    assert frozen["status"] == "closed" and frozen["revisions"] == []
    assert api.record(a, "A2.2.5", "2022-06-03T09:00:00+08:00", expect=409)  # closed for everyone else
    assert api.post(f"/api/records/{finding['id']}/retraction", {"reason": "x"}, expect=409)

    dispute = api.post("/api/disputes", {"record_id": finding["id"], "grounds": "督查时窗口人员在处理急件"})
    api.post(f"/api/disputes/{dispute['id']}/ruling", {"upheld": True, "note": "情况属实"})
    period = api.get("/api/periods/2022H1", kind="window")
    [revision] = period["revisions"]
    assert revision["number"] == 1 and revision["after_final"] is False
    assert revision["cause"] == {"dispute_id": dispute["id"], "record_id": finding["id"]}
    assert revision["changes"] == [  # in the order of the frozen list
        {"subject_id": b, "name": "医保窗口", "old_total": 95, "new_total": 95, "old_rank": 1, "new_rank": 2,
         "old_vetoed": False, "new_vetoed": False},
        {"subject_id": a, "name": "社保窗口", "old_total": 90, "new_total": 100, "old_rank": 2, "new_rank": 1,
         "old_vetoed": False, "new_vetoed": False},
    ]
    assert [i["subject_id"] for i in api.get("/api/periods/2022H1/proposal", kind="window")["items"]] == [a, b]
    # The as-of-close replay still shows the frozen numbers.
    assert api.card(a, "2022H1", position=period["frozen_position"])["total"] == 90


def test_a_revision_after_the_final_list_is_flagged_and_leaves_the_list(api, clock):
    _, a, b = two_windows(api)
    nominate(api, a)
    complaint = api.post("/api/complaints", {"subject_id": a, "received_at": "2022-06-05T09:00:00+08:00",
                                             "channel": "12345", "summary": "推诿"})
    clock.set(datetime.fromisoformat("2022-07-01T09:00:00+08:00"))
    rounds = api.client.app.state.container.rounds
    rounds.tick()
    api.post("/api/periods/2022H1/notice?kind=window", {})
    clock.set(datetime.fromisoformat("2022-07-07T09:00:00+08:00"))
    rounds.tick()
    final = api.get("/api/periods/2022H1", kind="window")
    assert final["status"] == "final" and [i["subject_id"] for i in final["final_list"]] == [a]
    assert final["chain_head"]["position"] > final["frozen_position"]
    # A verdict given after close is accepted and revises the standings; after final, flagged.
    api.post(f"/api/complaints/{complaint['id']}/verdict", {"substantiated": True, "note": "查证属实"})
    period = api.get("/api/periods/2022H1", kind="window")
    assert period["revised_after_final"] is True
    [revision] = period["revisions"]
    assert revision["cause"] == {"complaint_id": complaint["id"]}
    assert revision["changes"][0]["old_rank"] == 1 and revision["changes"][0]["new_rank"] is None
    assert revision["changes"][0]["new_vetoed"] is True
    assert [i["subject_id"] for i in period["final_list"]] == [a]


def test_verify_catches_a_read_model_edited_by_hand(api, container, monkeypatch):
    _, a, _ = two_windows(api)
    api.record(a, "A2.2.5", "2022-06-01T09:00:00+08:00")
    projection = container.ledger.projection
    assert verify(projection)[1] == []
    with projection.store.transaction() as cur:  # an entry edited: the card shows another total
        cur.execute("UPDATE {p}rm_entries SET effective = 0 WHERE subject_id = ?", [a])
    _, differences = verify(projection)
    assert [(d.subject_id, d.period) for d in differences] == [(a, "2022H1")]
    assert "total: 读模型 100,重放 95" in differences[0].what
    with projection.store.transaction() as cur:  # the entry put right, the standings column edited instead
        cur.execute("UPDATE {p}rm_entries SET effective = 1 WHERE subject_id = ?", [a])
        cur.execute("UPDATE {p}rm_cards SET total = '99' WHERE subject_id = ?", [a])
    assert [(d.subject_id, d.period) for d in verify(projection)[1]] == [(a, "2022H1")]
    with projection.store.transaction() as cur:
        cur.execute("UPDATE {p}rm_cards SET total = '95' WHERE subject_id = ?", [a])
        cur.execute("UPDATE {p}rm_entries SET effective = 0 WHERE subject_id = ?", [a])
    monkeypatch.setenv("EVAL_DATABASE_URL", container.settings.database_url)
    result = CliRunner().invoke(evalctl, ["verify"])
    assert result.exit_code == 1 and "total: 读模型 100,重放 95" in result.output


def test_rebuild_recreates_the_same_read_models(api, container, monkeypatch):
    hall, a, b = two_windows(api)
    api.record(a, "A2.2.5", "2022-06-01T09:00:00+08:00", quantity=2)
    api.post(f"/api/halls/{hall}/figures", {"year": 2022, "case_volume": 10, "satisfaction_rate": 0.95})
    api.record(b, "A2.7.2", "2022-06-01T09:00:00+08:00", points=2.5, source="other")
    projection = container.ledger.projection
    before = projection.all_cards()
    head_before = projection.chain_head()
    monkeypatch.setenv("EVAL_DATABASE_URL", container.settings.database_url)
    result = CliRunner().invoke(evalctl, ["rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.output
    assert projection.all_cards() == before
    assert projection.chain_head() == head_before


def raw(container, as_owner: bool = True):
    """A connection to the store behind the service's back, and the events table's name. As the
    database's owner would, it first lifts the triggers that keep the log append-only (on
    PostgreSQL for its session only)."""
    url = container.settings.database_url
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)  # each statement commits
        for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            if as_owner:
                conn.execute(f"DROP TRIGGER {trigger}")
        return conn, "stored_events", "rowid", "?"
    schema = url.split("schema=")[1]
    conn = psycopg.connect(url.split("?")[0], autocommit=True)
    if as_owner:
        conn.execute("SET session_replication_role = replica")
    return conn, f'"{schema}".ledger_events', "notification_id", "%s"


@pytest.mark.parametrize("tamper", ["change", "delete", "swap"])
def test_verify_chain_names_the_first_tampered_position(api, container, tamper, monkeypatch):
    _, a, b = two_windows(api)
    for day in range(1, 6):
        api.record(a if day % 2 else b, "A2.2.5", f"2022-06-0{day}T09:00:00+08:00")
    projection = container.ledger.projection
    projection.catch_up()
    assert chain.verify(container.ledger.recorder, projection.store).ok
    conn, table, pos, ph = raw(container)
    target = 5
    if tamper == "change":
        conn.execute(f"UPDATE {table} SET state = {'CAST(? AS BLOB)' if ph == '?' else '%s'} WHERE {pos} = {ph}",
                     (b'{"tampered": true}', target))
    elif tamper == "delete":
        conn.execute(f"DELETE FROM {table} WHERE {pos} = {ph}", (target,))
    else:  # swap the contents of positions 5 and 6
        rows = {r[0]: r[1:] for r in conn.execute(
            f"SELECT {pos}, originator_id, originator_version, topic, state FROM {table} WHERE {pos} IN (5, 6)")}
        for position, other in ((5, 6), (6, 5)):
            conn.execute(f"UPDATE {table} SET originator_id = {ph}, originator_version = {ph}, topic = {ph},"
                         f" state = {ph} WHERE {pos} = {ph}",
                         (*_placeholder(rows[other], position), position))
        for position, other in ((5, 6), (6, 5)):
            conn.execute(f"UPDATE {table} SET originator_id = {ph}, originator_version = {ph} WHERE {pos} = {ph}",
                         (rows[other][0], rows[other][1], position))
    if hasattr(conn, "commit"):
        conn.commit()
    conn.close()
    check = chain.verify(container.ledger.recorder, projection.store)
    assert not check.ok and check.problem_position == target
    assert check.problem == {"change": "changed", "delete": "removed", "swap": "changed"}[tamper]
    monkeypatch.setenv("EVAL_DATABASE_URL", container.settings.database_url)
    result = CliRunner().invoke(evalctl, ["verify-chain"])
    assert result.exit_code == 1 and f"第 {target} 条" in result.output


def _placeholder(row, position):
    """The other row's topic and state under a temporary stream key (the key is swapped next)."""
    originator_id, version, topic, state = row
    return (f"{position}-tmp" if isinstance(originator_id, str) else originator_id, version + 1000, topic, state)


def test_the_dossier_workbook_holds_the_cards_entries_and_chain_head(api, clock):
    _, a, _ = two_windows(api)
    photo = upload(api)
    finding = api.record(a, "A2.4.3", "2022-06-01T09:00:00+08:00", source="supervision", evidence=[photo["id"]])
    api.record(a, "A2.2.5", "2022-06-02T09:00:00+08:00")
    clock.set(datetime.fromisoformat("2022-07-01T09:00:00+08:00"))
    api.client.app.state.container.rounds.tick()
    dispute = api.post("/api/disputes", {"record_id": finding["id"], "grounds": "急件"})
    api.post(f"/api/disputes/{dispute['id']}/ruling", {"upheld": True, "note": "属实"})

    response = api.client.get(f"/api/subjects/{a}/dossier", params={"period": "2022H1"}, headers=ADMIN)
    assert response.status_code == 200 and "spreadsheetml" in response.headers["content-type"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["说明", "考评表(当前)", "考评表(关闭时)", "明细"]
    info = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True)}
    assert info["考评期"] == "2022H1" and info["修订次数"] == 1 and "哈希链完整" in info["哈希链核对"]
    assert len(info["链头"]) == 64
    total = {row[0]: row[4] for row in book["考评表(当前)"].iter_rows(values_only=True)}["总分"]
    at_close = {row[0]: row[4] for row in book["考评表(关闭时)"].iter_rows(values_only=True)}["总分"]
    assert (total, at_close) == (95, 85)
    rows = list(book["明细"].iter_rows(values_only=True))
    assert rows[0][:3] == ("记录编号", "规则", "规则内容")
    disputed = next(r for r in rows if r[0] == finding["id"])
    assert disputed[7] == "否" and photo["sha256"] in disputed[9] and "申诉成立:属实" in disputed[10]
    assert "裁定成立:属实" in disputed[11]


def test_the_dossier_of_a_subject_with_a_chinese_code_downloads_under_its_name(api):
    """A code in Chinese (or with a quote) once made the dossier's header unencodable: a 500."""
    hall = api.subject("hall", "县政务服务中心", "H", unit="县政管办")
    window = api.subject("window", "测试窗口", '窗口"一', hall, unit="县人社局")
    response = api.client.get(f"/api/subjects/{window}/dossier", params={"period": "2022H1"}, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
    assert "%E7%AA%97%E5%8F%A3%22%E4%B8%80" in response.headers["content-disposition"]  # 窗口"一, quoted


def test_a_crash_between_a_ruling_and_its_revision_is_completed_at_the_next_start(api, clock, container,
                                                                                   monkeypatch):
    from fastapi.testclient import TestClient

    from service.application.rounds import Rounds
    from service.http.app import create_app
    from tests.conftest import make_container

    _, a, _ = two_windows(api)
    finding = api.record(a, "A2.4.3", "2022-06-01T09:00:00+08:00", source="supervision")
    clock.set(datetime.fromisoformat("2022-07-01T09:00:00+08:00"))
    api.client.app.state.container.rounds.tick()
    dispute = api.post("/api/disputes", {"record_id": finding["id"], "grounds": "急件"})

    def crash(*_args, **_kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(Rounds, "revise", crash)
    with pytest.raises(RuntimeError):
        api.post(f"/api/disputes/{dispute['id']}/ruling", {"upheld": True, "note": "属实"})
    monkeypatch.undo()
    assert api.get("/api/periods/2022H1", kind="window")["revisions"] == []  # the ruling is saved, no revision
    restarted = make_container(container.settings.database_url, clock)
    with TestClient(create_app(container=restarted)) as client:
        period = client.get("/api/periods/2022H1", params={"kind": "window"}, headers=ADMIN).json()
    [revision] = period["revisions"]
    assert revision["cause"] == {"reconciled_at_start": True}
    assert revision["changes"][0]["old_total"] == 90 and revision["changes"][0]["new_total"] == 100
