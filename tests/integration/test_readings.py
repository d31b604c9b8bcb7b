"""The notice as it words the rules (#14), over HTTP on SQLite and PostgreSQL, by rule id:
once-a-year items (reading 14), A3.5.2 once (reading 9), the roll-up following a roster
correction (reading 6, live equal to replay at every position), and attendance occurrences
entered one by one (reading 13)."""

from __future__ import annotations

from datetime import datetime

import pytest

from projections.replay import replay_scorecard
from projections.verify import verify
from tests.api import Api


@pytest.fixture
def api(client, clock) -> Api:
    clock.set(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    return Api(client, clock)


def section(card: dict, section_id: str) -> dict:
    return next(s for s in card["sections"] if s["id"] == section_id)


def test_reading_14_A3_2_1_recorded_three_times_takes_5_points_once(api):
    hall = api.subject("hall", "县政务服务中心", "H1")
    for day in (1, 2, 3):
        api.record(hall, "A3.2.1", f"2022-05-0{day}T10:00:00+08:00")
    card = api.card(hall, "2022")
    assert (section(card, "A3.2")["deducted"], card["total"]) == (5, 95)
    assert [e["delta"] for e in card["entries"] if e["rule_id"] == "A3.2.1"] == [-5, -5, -5]
    refused = api.record(hall, "A3.2.3", "2022-05-04T10:00:00+08:00", expect=422, quantity=2)
    assert refused["detail"][0]["field"] == "quantity"


def test_reading_9_A3_5_2_by_figures_and_by_hand_takes_5_points_once(api):
    hall = api.subject("hall", "县政务服务中心", "H1")
    api.post(f"/api/halls/{hall}/figures", {"year": 2022, "satisfaction_rate": 98.5})
    assert section(api.card(hall, "2022"), "A3.5")["deducted"] == 5
    api.record(hall, "A3.5.2", "2022-05-01T10:00:00+08:00", note="群众满意度调查")
    card = api.card(hall, "2022")
    assert (section(card, "A3.5")["deducted"], card["total"]) == (5, 95)


def test_reading_6_a_back_dated_reassignment_moves_the_A1_5_2_veto_between_windows(api, container):
    hall = api.subject("hall", "县政务服务中心", "H1")
    w1 = api.subject("window", "社保窗口", "W1", hall)
    w2 = api.subject("window", "医保窗口", "W2", hall)
    worker = api.subject("worker", "张三", "G1", w1)
    api.post("/api/attendance", {"worker_id": worker, "date": "2022-05-10", "kind": "absent"})
    assert api.card(w1, "2022H1")["veto_reasons"] == ["A2.6.2"] and not api.card(w2, "2022H1")["vetoed"]
    positions = [container.ledger.projection.position()]
    # The roster is corrected: he had served at the second window since 1 May.
    api.post(f"/api/subjects/{worker}/assignment", {"parent_id": w2, "effective_at": "2022-05-01T00:00:00+08:00"})
    positions.append(container.ledger.projection.position())
    now_w1, now_w2 = api.card(w1, "2022H1"), api.card(w2, "2022H1")
    assert not now_w1["vetoed"] and now_w2["veto_reasons"] == ["A2.6.2"]
    assert "名册更正" in now_w1["entries"][0]["reason"] and "名册更正" in now_w2["entries"][0]["reason"]
    ledger = container.ledger
    for position in range(1, positions[-1] + 1):  # live (as of every position) equals the replay
        for window in (w1, w2):
            replayed = replay_scorecard(ledger.recorder, ledger.mapper, ledger.rulebooks, window, "2022H1", position)
            as_of = ledger.projection.card_at(window, "2022H1", position)
            assert (replayed.as_dict() if replayed else None) == as_of, (position, window)
    assert verify(ledger.projection)[1] == []


def test_reading_13_two_lateness_occurrences_entered_one_by_one_are_two_records_and_a_time_corrects(api):
    hall = api.subject("hall", "县政务服务中心", "H1")
    window = api.subject("window", "社保窗口", "W1", hall)
    worker = api.subject("worker", "张三", "G1", window)
    morning = api.post("/api/attendance", {"worker_id": worker, "date": "2022-06-01", "kind": "late", "minutes": 20,
                                           "time": "08:20"})
    api.post("/api/attendance", {"worker_id": worker, "date": "2022-06-01", "kind": "late", "minutes": 95,
                                 "time": "14:35"})
    card = api.card(worker, "2022H1")
    assert (card["total"], card["veto_reasons"]) == (95, ["A1.5.2"])
    assert api.card(window, "2022H1")["veto_reasons"] == ["A2.6.2"]
    # The afternoon's lateness was on approved leave after all: the same occurrence, corrected.
    corrected = api.post("/api/attendance", {"worker_id": worker, "date": "2022-06-01", "kind": "late",
                                             "minutes": 95, "excused": True, "time": "14:35"})
    assert corrected["id"] != morning["id"] and corrected["rule_id"] is None
    assert not api.card(worker, "2022H1")["vetoed"] and not api.card(window, "2022H1")["vetoed"]
    history = api.get(f"/api/records/{corrected['id']}/history")
    assert [e["event"] for e in history["events"]] == ["recorded", "corrected"]
