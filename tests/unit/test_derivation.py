"""Where a record counts, derived from the history (domain/derivation.py), by rule id: the
roll-up of a worker's veto to its window (reading 6, roster corrections included), a closed
window round left as frozen, attendance occurrences and corrections (reading 13), and what a
rulebook without the rule does. Pure: the history is folded in memory."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.history import MemoryBook
from domain.records import Record
from domain.round import Round
from domain.rulebook import RulebookLibrary
from domain.subjects import Subject
from tests.unit.rulebook_loader import rulebook_2022

T0 = datetime.fromisoformat("2022-01-01T00:00:00+08:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


class History:
    """A small county folded event by event, each event at the next log position."""

    def __init__(self):
        self.book = MemoryBook(RulebookLibrary([rulebook_2022()]))
        self.position = 0
        self.aggregates: dict[str, object] = {}
        self.hall = self.add(Subject(kind="hall", name="大厅", unit="县", code=None, parent_id=None, effective_at=None,
                                     actor="t", recorded_at=T0))
        self.w1 = self.add(Subject(kind="window", name="窗口一", unit="县", code=None, parent_id=self.hall,
                                   effective_at=None, actor="t", recorded_at=T0))
        self.w2 = self.add(Subject(kind="window", name="窗口二", unit="县", code=None, parent_id=self.hall,
                                   effective_at=None, actor="t", recorded_at=T0))
        self.worker = self.add(Subject(kind="worker", name="张三", unit="县", code=None, parent_id=self.w1,
                                       effective_at=None, actor="t", recorded_at=T0))

    def add(self, aggregate) -> str:
        for event in aggregate.collect_events():
            self.position += 1
            self.book.fold(self.position, event)
        self.aggregates[str(aggregate.id)] = aggregate
        return str(aggregate.id)

    def record(self, rule_id: str, when: str, subject: str | None = None, attendance: dict | None = None) -> str:
        subject = subject or self.worker
        kind = self.book.subjects[subject]["kind"]
        period = "2022" if kind == "hall" else "2022H1"
        return self.add(Record(subject_id=subject, subject_kind=kind, rule_id=rule_id, occurred_at=at(when),
                               source="patrol", note="", quantity=1, points=None, evidence=[], actor="t",
                               recorded_at=at(when), counts_in=[{"subject_id": subject, "period": period,
                                                                 "rule_id": rule_id}], attendance=attendance))

    def change(self, aggregate_id: str, act) -> None:
        aggregate = self.aggregates[aggregate_id]
        act(aggregate)
        self.add(aggregate)

    def vetoes(self, subject: str) -> tuple[str, ...]:
        return self.book.card(subject, "2022H1").veto_reasons

    def entries(self, subject: str) -> list[tuple[str, bool, str]]:
        return [(ln.rule_id, ln.effective, ln.reason) for ln in self.book.card(subject, "2022H1").lines]


@pytest.fixture
def county() -> History:
    return History()


@pytest.mark.parametrize("veto", [f"A1.5.{i}" for i in range(1, 7)])
def test_worker_vetoes_A1_5_1_to_6_also_count_on_the_window_served_at_then(county, veto):
    county.record(veto, "2022-03-01T10:00:00+08:00")
    assert county.vetoes(county.worker) == (veto,)
    assert county.vetoes(county.w1) == ("A2.6." + veto[-1],)
    assert county.vetoes(county.w2) == ()


@pytest.mark.parametrize("rule_id", ["A1.5.7", "A1.1.1"])
def test_A1_5_7_and_deductions_do_not_roll_up(county, rule_id):
    county.record(rule_id, "2022-03-01T10:00:00+08:00")
    assert county.entries(county.w1) == []


def test_a_roll_up_onto_a_window_whose_round_is_closed_is_left_out(county):
    county.add(Round(kind="window", period="2022H1", closed_at=T0, frozen_position=0, standings=[], rulebook="2022",
                     actor="t", recorded_at=T0))
    county.record("A1.5.3", "2022-03-01T10:00:00+08:00")
    assert county.vetoes(county.worker) == ("A1.5.3",) and county.entries(county.w1) == []


def test_reading_6_a_back_dated_reassignment_moves_the_veto_to_the_corrected_window(county):
    county.record("A1.5.2", "2022-03-10T10:00:00+08:00")
    assert county.vetoes(county.w1) == ("A2.6.2",)
    # The roster is corrected: the worker had served at window two since 1 March.
    county.change(county.worker, lambda s: s.reassign(parent_id=county.w2, effective_at=at("2022-03-01T00:00:00+08:00"),
                                                      actor="t", recorded_at=at("2022-04-01T10:00:00+08:00")))
    assert county.vetoes(county.w1) == () and county.vetoes(county.w2) == ("A2.6.2",)
    [(rule, counts, reason)] = county.entries(county.w1)
    assert (rule, counts) == ("A2.6.2", False) and "名册更正" in reason  # both histories show the move
    assert "名册更正" in county.entries(county.w2)[0][2]
    # A reassignment effective after the occurrence moves nothing.
    county.change(county.worker, lambda s: s.reassign(parent_id=county.w1, effective_at=at("2022-05-01T00:00:00+08:00"),
                                                      actor="t", recorded_at=at("2022-05-01T10:00:00+08:00")))
    assert county.vetoes(county.w2) == ("A2.6.2",) and county.vetoes(county.w1) == ()


def test_reading_6_a_retracted_veto_that_moves_still_does_not_count(county):
    record = county.record("A1.5.1", "2022-03-10T10:00:00+08:00")
    county.change(record, lambda r: r.retract(reason="复核", actor="t", recorded_at=at("2022-03-11T10:00:00+08:00")))
    county.change(county.worker, lambda s: s.reassign(parent_id=county.w2, effective_at=at("2022-03-01T00:00:00+08:00"),
                                                      actor="t", recorded_at=at("2022-04-01T10:00:00+08:00")))
    assert county.vetoes(county.w1) == county.vetoes(county.w2) == ()


def test_reading_13_two_lateness_occurrences_on_one_day_are_two_records(county):
    for number, minutes in ((1, 20), (2, 95)):
        county.record("A1.1.1" if minutes <= 90 else "A1.5.2", "2022-06-20T00:00:00+08:00",
                      attendance={"date": "2022-06-20", "kind": "late", "minutes": minutes, "excused": False,
                                  "occurrence": f"#{number}"})
    card = county.book.card(county.worker, "2022H1")
    assert (card.total, card.veto_reasons) == (95, ("A1.5.2",))
    assert county.vetoes(county.w1) == ("A2.6.2",)


def test_reading_13_a_correction_supersedes_the_earlier_row_and_both_stay_in_the_history(county):
    late = county.record("A1.5.2", "2022-06-20T00:00:00+08:00",
                         attendance={"date": "2022-06-20", "kind": "late", "minutes": 95, "excused": False,
                                     "occurrence": "#1"})
    county.change(late, lambda r: r.correct(
        attendance={"date": "2022-06-20", "kind": "late", "minutes": 95, "excused": True, "occurrence": "#1"},
        rule_id=None, counts_in=[], note="请假已批", actor="t", recorded_at=at("2022-06-21T10:00:00+08:00")))
    assert county.vetoes(county.worker) == () and county.vetoes(county.w1) == ()
    [(rule, counts, reason)] = county.entries(county.worker)
    assert (rule, counts) == ("A1.5.2", False) and "更正" in reason
    county.change(late, lambda r: r.correct(
        attendance={"date": "2022-06-20", "kind": "late", "minutes": 30, "excused": False, "occurrence": "#1"},
        rule_id="A1.1.1", counts_in=[{"subject_id": county.worker, "period": "2022H1", "rule_id": "A1.1.1"}],
        note="", actor="t", recorded_at=at("2022-06-22T10:00:00+08:00")))
    assert county.book.card(county.worker, "2022H1").total == 95
    assert [e[0] for e in county.entries(county.worker)] == ["A1.1.1"]
