"""One transaction per command: a command's events and the read-model rows they change commit
together or not at all; an event the read model cannot apply is never stored; what was
appended otherwise is caught up exactly once, also with two projectors at once; a read that
starts after a write reflects it on any instance; and reads never write. On both stores."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from domain.accounts import ApiToken, User
from domain.records import Record
from projections.replay import replay_scorecard
from projections.store import ReadStore
from projections.verify import verify
from projections.writer import Writer
from service.config.clock import SettableClock
from service.http.app import create_app
from tests.api import AUDIT_TOPICS, Api, account
from tests.conftest import ADMIN, make_container

NOW = datetime.fromisoformat("2022-06-20T12:00:00+08:00")
STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def county(c, workers: int = 4):
    hall = c.roster.create("t", "hall", "大厅", "县", "H", None, None).id
    window = c.roster.create("t", "window", "窗口", "县", "W", hall, None).id
    return hall, window, [c.roster.create("t", "worker", f"人员{i}", "县", f"G{i}", window, None).id
                          for i in range(workers)]


def findings(c, workers, n: int) -> None:
    for i in range(n):
        c.records.record("t", workers[i % len(workers)], ["A1.1.2", "A1.2.1", "A1.5.3", "A1.6.1"][i % 4],
                         NOW - timedelta(days=1 + i % 100), "patrol")


def assert_matches_replay(ledger, subject_ids, period="2022H1") -> None:
    end = ledger.projection.log_end()
    assert ledger.projection.position() == end
    for subject_id in subject_ids:
        live = ledger.projection.card(ledger.projection.subject(subject_id), period)
        replayed = replay_scorecard(ledger.recorder, ledger.mapper, ledger.rulebooks, subject_id, period, end)
        assert live == replayed.as_dict()


class Crash(Exception):
    pass


@pytest.fixture
def url(request, stores):
    return stores.url(request.param)


@pytest.mark.parametrize("url", STORES, indirect=True)
def test_a_command_the_read_model_cannot_apply_stores_nothing_and_the_service_still_answers(url, monkeypatch):
    container = make_container(url, SettableClock(NOW))
    with TestClient(create_app(container=container), raise_server_exceptions=False) as http:
        hall = http.post("/api/subjects", json={"kind": "hall", "name": "大厅", "unit": "县"}, headers=ADMIN).json()
        record = {"subject_id": hall["id"], "rule_id": "A3.1.2", "source": "patrol",
                  "occurred_at": "2022-05-01T10:00:00+08:00"}
        ledger_events = container.ledger.projection.count_events(AUDIT_TOPICS)
        real = Writer._apply_one

        def failing(self, book, rows, position, topic, event):
            if isinstance(event, Record.Created):
                raise Crash("forced in a test")
            return real(self, book, rows, position, topic, event)

        monkeypatch.setattr(Writer, "_apply_one", failing)
        refused = http.post("/api/records", json=record, headers=ADMIN)
        assert refused.status_code == 500 and "未保存任何数据" in refused.json()["detail"][0]["message"]
        assert container.ledger.projection.count_events(AUDIT_TOPICS) == ledger_events  # nothing but the refusal's log
        assert container.ledger.projection.audit_log(None, None, None, "/api/records", 1)[0]["status"] == 500
        monkeypatch.undo()
        assert http.get("/api/health").json()["status"] == "ok"
        assert http.post("/api/records", json=record, headers=ADMIN).status_code == 201
        assert verify(container.ledger.projection)[1] == []


@pytest.mark.parametrize("url", STORES, indirect=True)
def test_events_appended_outside_any_command_are_caught_up_once_even_after_a_crash(url, monkeypatch):
    clock = SettableClock(NOW)
    first = make_container(url, clock)
    _, window, workers = county(first)
    first.ledger.recorder.read_model = None  # as an earlier release, or another program, would append
    findings(first, workers, 40)
    written = first.ledger.projection.log_end()
    behind = first.ledger.projection.position()
    assert behind < written
    real = Writer._apply_page
    pages = {"n": 0}

    def crashing(self, cur, book, events):
        pages["n"] += 1
        real(self, cur, book, events)
        raise Crash()

    monkeypatch.setattr(Writer, "_apply_page", crashing)
    with pytest.raises(Crash):
        first.ledger.projection.catch_up()
    monkeypatch.undo()
    assert pages["n"] == 1 and first.ledger.projection.position() == behind  # the transaction was undone
    first.close()

    second = make_container(url, clock)  # starting catches up
    try:
        assert second.ledger.projection.position() == written
        assert_matches_replay(second.ledger, [window, *workers])
        total = sum(len(second.ledger.projection.card(second.ledger.projection.subject(w), "2022H1")["entries"])
                    for w in workers)
        assert total == 40  # each finding once
        # A command that finds the read model behind applies the gap first, in its own transaction.
        second.ledger.recorder.read_model = None
        findings(second, workers, 3)
        second.ledger.recorder.read_model = second.ledger.projection.writer.apply_appended
        findings(second, workers, 1)
        assert_matches_replay(second.ledger, [window, *workers])
        assert verify(second.ledger.projection)[1] == []
    finally:
        second.close()


@pytest.mark.parametrize("url", STORES, indirect=True)
def test_two_projectors_at_once_apply_each_event_once(url):
    clock = SettableClock(NOW)
    a = make_container(url, clock)
    b = make_container(url, clock)
    try:
        _, window, workers = county(a)
        a.ledger.recorder.read_model = None
        findings(a, workers, 60)
        errors = []

        def run(container):
            try:
                container.ledger.projection.catch_up()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(c,)) for c in (a, b, a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert_matches_replay(b.ledger, [window, *workers])
        assert verify(b.ledger.projection)[1] == []
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("url", STORES, indirect=True)
def test_a_read_on_another_instance_reflects_a_write_that_has_answered(url):
    clock = SettableClock(NOW)
    writer = make_container(url, clock)
    reader = make_container(url, clock)
    try:
        with TestClient(create_app(container=writer)) as w, TestClient(create_app(container=reader)) as r:
            hall = w.post("/api/subjects", json={"kind": "hall", "name": "大厅", "unit": "县"}, headers=ADMIN).json()
            window = w.post("/api/subjects", json={"kind": "window", "name": "窗口", "unit": "县",
                                                   "parent_id": hall["id"]}, headers=ADMIN).json()
            for i in range(5):
                w.post("/api/records", json={"subject_id": window["id"], "rule_id": "A2.2.5", "source": "patrol",
                                             "occurred_at": "2022-05-01T10:00:00+08:00"}, headers=ADMIN)
                card = r.get(f"/api/subjects/{window['id']}/scorecard", params={"period": "2022H1"},
                             headers=ADMIN).json()
                assert card["total"] == 100 - 5 * min(i + 1, 4)
    finally:
        writer.close()
        reader.close()


@pytest.mark.parametrize("url", STORES, indirect=True)
def test_standings_kept_per_position_follow_every_write_even_one_made_by_another_process(url):
    clock = SettableClock(NOW)
    first, second = make_container(url, clock), make_container(url, clock)
    try:
        _, _, workers = county(first, workers=2)
        _, before = first.ledger.projection.standings("worker", "2022H1")
        assert [i["total"] for i in before] == [100, 100]
        assert first.ledger.projection.standings("worker", "2022H1")[1] is before  # nothing moved: the same answer
        second.records.record("t", workers[0], "A1.1.2", NOW - timedelta(days=1), "patrol")
        _, after = first.ledger.projection.standings("worker", "2022H1")
        assert [(i["subject_id"], i["total"]) for i in after] == [(workers[1], 100), (workers[0], 95)]
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("url", STORES, indirect=True)
def test_reads_never_write(url, monkeypatch):
    """Neither catching up, nor a session's activity, nor replaying the user's events: a GET, with
    a session or an API token, writes nothing (a session's activity is kept in memory and written
    by a background job)."""
    clock = SettableClock(NOW)
    container = make_container(url, clock)
    with TestClient(create_app(container=container)) as http:
        made = account(Api(http, clock, ADMIN), "inspector")
        session = {"Authorization": f"Bearer {made['session']}"}
        token = made["token"]
        _, window, workers = county(container, workers=2)
        findings(container, workers, 6)
        record_id = container.ledger.projection.authored_by("t", 1)[0]
        earlier = container.ledger.projection.position() - 2
        writes = []
        real = ReadStore.transaction

        def watched(self, commit=True):
            if commit:
                writes.append("transaction")
            return real(self, commit)

        monkeypatch.setattr(ReadStore, "transaction", watched)
        monkeypatch.setattr(container.ledger.recorder, "read_model", lambda *_: writes.append("append"))
        real_get = container.ledger.repository.get

        def get(*args, **kwargs):  # authenticating must not replay a user's or a token's events
            found = real_get(*args, **kwargs)
            if isinstance(found, User | ApiToken):
                writes.append(f"replayed {type(found).__name__}")
            return found

        monkeypatch.setattr(container.ledger.repository, "get", get)
        clock.advance(minutes=5)  # a session's activity changes, and must not be written by the read
        for headers in (ADMIN, session, {"Authorization": f"Bearer {token}"}):
            for path, params in (
                (f"/api/subjects/{workers[0]}/scorecard", {"period": "2022H1"}),
                (f"/api/subjects/{workers[0]}/scorecard", {"period": "2022H1", "position": earlier}),
                ("/api/periods/2022H1/standings", {"kind": "worker"}),
                ("/api/subjects", {}),
                ("/api/periods/2022H1", {"kind": "worker"}),
                ("/api/health", {}),
            ):
                assert http.get(path, params=params, headers=headers).status_code == 200, (path, headers)
        monkeypatch.undo()
        writes = []
        for path in (f"/api/records/{record_id}", f"/api/records/{record_id}/history"):  # records read their history
            assert http.get(path, headers=ADMIN).status_code == 200
        monkeypatch.setattr(ReadStore, "transaction", watched)
        assert writes == []
        monkeypatch.undo()
        # The session stays alive on reads alone, and the background job writes its activity.
        clock.advance(minutes=28)
        assert http.get("/api/health", headers=session).status_code == 200
        assert http.get("/api/subjects", headers=session).status_code == 200
        container.accounts.flush_activity()
        clock.advance(minutes=29)
        assert http.get("/api/subjects", headers=session).status_code == 200
