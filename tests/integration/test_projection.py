"""The read model is updated exactly once, resumes after a crash, tolerates two projectors at
once, and a read that starts after a write reflects it, even on another service instance."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from projections.replay import replay_scorecard
from projections.scorecards import ScorecardProjection
from service.config.clock import SettableClock
from tests.conftest import make_container

NOW = datetime.fromisoformat("2022-06-20T12:00:00+08:00")


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


@pytest.mark.parametrize("url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_a_crash_in_the_middle_of_catch_up_loses_nothing_and_applies_nothing_twice(url, monkeypatch):
    clock = SettableClock(NOW)
    first = make_container(url, clock)
    _, window, workers = county(first)
    # Acknowledged writes whose read-model update has not run yet (the process dies next).
    monkeypatch.setattr(ScorecardProjection, "catch_up", lambda self, until=None: 0)
    findings(first, workers, 40)
    monkeypatch.undo()
    written = first.ledger.projection.log_end()
    # The next catch-up crashes in its third batch.
    projection = first.ledger.projection
    projection.batch_size = 7
    applied = {"batches": 0}
    real_apply = ScorecardProjection._apply

    def crashing_apply(self, cur, batch, events):
        applied["batches"] += 1  # batches of 7 are read in one page each
        real_apply(self, cur, batch, events)
        if applied["batches"] == 3:
            raise Crash()

    monkeypatch.setattr(ScorecardProjection, "_apply", crashing_apply)
    with pytest.raises(Crash):
        projection.catch_up()
    monkeypatch.undo()
    stopped_at = projection.position()
    assert 0 < stopped_at < written  # two batches committed, the third rolled back
    first.close()

    # Restart: catch-up resumes from the tracked position.
    second = make_container(url, clock)
    try:
        assert second.ledger.projection.position() == written
        assert_matches_replay(second.ledger, [window, *workers])
        total_entries = sum(len(second.ledger.projection.card(second.ledger.projection.subject(w), "2022H1")["entries"])
                            for w in workers)
        assert total_entries == 40  # each finding once
    finally:
        second.close()


@pytest.mark.parametrize("url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_two_projectors_at_once_apply_each_event_once(url, monkeypatch):
    clock = SettableClock(NOW)
    a = make_container(url, clock)
    b = make_container(url, clock)
    try:
        _, window, workers = county(a)
        monkeypatch.setattr(ScorecardProjection, "catch_up", lambda self, until=None: 0)
        findings(a, workers, 60)
        monkeypatch.undo()
        a.ledger.projection.batch_size = b.ledger.projection.batch_size = 5
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
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_a_read_on_another_instance_reflects_a_write_that_has_answered(url):
    from fastapi.testclient import TestClient

    from service.http.app import create_app
    from tests.conftest import ADMIN

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


@pytest.mark.parametrize("url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_standings_kept_per_position_follow_every_write_even_one_made_by_another_process(url):
    clock = SettableClock(NOW)
    first, second = make_container(url, clock), make_container(url, clock)
    try:
        _, _, workers = county(first, workers=2)
        first.ledger.projection.catch_up()
        _, before = first.ledger.projection.standings("worker", "2022H1")
        assert [i["total"] for i in before] == [100, 100]
        assert first.ledger.projection.standings("worker", "2022H1")[1] is before  # nothing moved: the same answer
        second.records.record("t", workers[0], "A1.1.2", NOW - timedelta(days=1), "patrol")
        first.ledger.projection.catch_up()
        _, after = first.ledger.projection.standings("worker", "2022H1")
        assert [(i["subject_id"], i["total"]) for i in after] == [(workers[1], 100), (workers[0], 95)]
    finally:
        first.close()
        second.close()
