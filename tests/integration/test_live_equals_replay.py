"""Property: for random histories (records of every effect, retractions, complaints and
verdicts, attendance with several occurrences a day and corrections, back-dated reassignments
that move roll-ups, disputes, hall figures, a 2023 rulebook version loaded and loaded again that
carries, maps or drops the look-back records counting in 2023), the live read model equals a
replay of the log, on SQLite and on PostgreSQL:

- after each step, the live card of every subject equals the replay at that position;
- at the end, the card the read model gives *as of* every earlier position equals the replay
  at that position (the entry versions it keeps tell the whole history);
- `verify` finds no difference (cards, the summary columns the standings read, the roster).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import Refused
from domain.rulebook import rulebook_to_json
from projections.replay import replay_scorecard
from projections.verify import verify
from service.application.principal import Principal
from service.config.clock import SettableClock
from tests.conftest import STORES, make_container
from tests.rulebook_variants import variant

START = datetime.fromisoformat("2022-01-01T09:00:00+08:00")
NOW = datetime.fromisoformat("2022-06-29T12:00:00+08:00")
RULES = {
    "worker": ["A1.1.1", "A1.1.2", "A1.1.3", "A1.2.5", "A1.4.4", "A1.5.2", "A1.5.3", "A1.5.7", "A1.6.1", "A1.6.3"],
    "window": ["A2.1.1", "A2.2.4", "A2.3.3b", "A2.6.1", "A2.7.1", "A2.7.2"],
    "hall": ["A3.1.1", "A3.2.1", "A3.2.2", "A3.2.3", "A3.5.2", "A3.5.3", "A3.6.1", "A3.7.2"],
}
POINTS_RULES = {"A1.6.3", "A2.1.1", "A2.7.2", "A3.7.2"}
ONCE_RULES = {"A3.2.1", "A3.2.3", "A3.5.2"}
OFFICE = Principal("office", "office", "office_admin", None)


def _version_2023(shipped, **change) -> dict:
    return variant(rulebook_to_json(shipped), "2023", **{"carries_from": {}, **change})


# The 2023 versions a history may load (each replaces the one before: nothing is scored under it).
VARIANTS = [
    lambda shipped: _version_2023(shipped, drop=("A3.5.3",)),
    lambda shipped: _version_2023(shipped, drop=("A3.6.1",), rename={"A3.5.3": "A3.5.4"}, points={"A3.5.3": 7},
                                  carries_from={"A3.5.3": "A3.5.4"}),
    lambda shipped: _version_2023(shipped, points={"A3.5.3": 3, "A3.1.1": 4}),
    lambda shipped: _version_2023(shipped, drop=("A3.5.3", "A3.6.1")),
]

day = st.integers(min_value=0, max_value=175)
operation = st.one_of(
    st.tuples(st.just("record"), st.sampled_from(["worker", "window", "hall"]), st.integers(0, 2),
              st.integers(0, 9), day, st.integers(1, 4), st.integers(1, 10)),
    st.tuples(st.just("retract"), st.integers(0, 30)),
    st.tuples(st.just("complaint"), st.sampled_from(["worker", "window"]), st.integers(0, 2), day),
    st.tuples(st.just("verdict"), st.integers(0, 10), st.booleans()),
    st.tuples(st.just("reassign"), st.integers(0, 2), st.integers(0, 1), day),
    st.tuples(st.just("figures"), st.integers(0, 1), st.one_of(st.none(), st.integers(0, 3).map(lambda v: v * 100)),
              st.integers(0, 5), st.sampled_from([None, "0.985", "0.995"])),
    st.tuples(st.just("attendance"), st.integers(0, 2), st.integers(0, 20), st.sampled_from([20, 90, 95, 120]),
              st.booleans(), st.sampled_from([None, "#1", "#2"])),
    st.tuples(st.just("dispute"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("adopt"), st.integers(0, len(VARIANTS) - 1)),
)


def run(c, subjects, op, made) -> None:
    kind = op[0]
    if kind == "record":
        _, subject_kind, index, rule_index, offset, quantity, points = op
        rules = RULES[subject_kind]
        rule = rules[rule_index % len(rules)]
        # A3.5.3 and A3.6.1 look back: let some of them fall in 2021.
        when = START + timedelta(days=offset) - (timedelta(days=200) if rule in ("A3.5.3", "A3.6.1") and offset % 2 else
                                                 timedelta(0))
        extra = {"points": points} if rule in POINTS_RULES else {"quantity": 1 if rule in ONCE_RULES else quantity}
        made["records"].append(c.records.record("t", subjects[subject_kind][index % len(subjects[subject_kind])], rule,
                                                when, "patrol", **extra).id)
    elif kind == "retract" and made["records"]:
        c.records.retract("t", made["records"][op[1] % len(made["records"])], "复核撤销")
    elif kind == "complaint":
        _, subject_kind, index, offset = op
        made["complaints"].append(c.complaints.file(
            "t", subjects[subject_kind][index % len(subjects[subject_kind])], START + timedelta(days=offset), "热线", "投诉").id)
    elif kind == "verdict" and made["complaints"]:
        c.complaints.judge("t", made["complaints"][op[1] % len(made["complaints"])], op[2], "结论")
    elif kind == "reassign":
        _, worker, window, offset = op
        c.roster.reassign("t", subjects["worker"][worker], subjects["window"][window], START + timedelta(days=offset))
    elif kind == "figures":
        _, hall, volume, wrong, rate = op
        reported = {"case_volume": volume, "wrong_elements": wrong}
        if rate is not None:
            reported["satisfaction_rate"] = rate
        c.figures.report("t", subjects["hall"][hall], 2022, reported)
    elif kind == "attendance":
        _, worker, offset, minutes, excused, occurrence = op
        made["records"].append(c.records.attendance("t", subjects["worker"][worker], date(2022, 3, 1) + timedelta(days=offset),
                                                    "late", minutes, excused, occurrence=occurrence).id)
    elif kind == "adopt":
        c.rulebooks.adopt("office", "2023", VARIANTS[op[1]](c.ledger.rulebooks.get("2022")))
    elif kind == "dispute" and made["records"]:
        record_id = made["records"][op[1] % len(made["records"])]
        dispute = c.disputes.file(OFFICE, record_id, "申诉理由")
        c.disputes.rule("office", dispute.id, op[2], "裁定")


def live_cards(ledger, subjects) -> dict[tuple[str, str], dict]:
    projection = ledger.projection
    cards = {}
    for kind, ids in subjects.items():
        for period in ("2022", "2023") if kind == "hall" else ("2022H1",):
            for subject_id in ids:
                cards[(subject_id, period)] = projection.card(projection.subject(subject_id), period)
    return cards


@pytest.mark.parametrize("store", STORES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=20))
def test_live_read_model_equals_replay_at_every_position(store, stores, operations):
    clock = SettableClock(NOW)
    container = make_container(stores.url(store), clock)
    try:
        ledger = container.ledger
        halls = [container.roster.create("t", "hall", f"大厅{i}", "县", None, None, None).id for i in range(2)]
        windows = [container.roster.create("t", "window", f"窗口{i}", "县", None, halls[0], None).id for i in range(2)]
        workers = [container.roster.create("t", "worker", f"人员{i}", "县", None, windows[i % 2], None).id for i in range(3)]
        subjects = {"hall": halls, "window": windows, "worker": workers}
        made: dict[str, list[str]] = {"records": [], "complaints": []}
        snapshots = [(ledger.projection.position(), live_cards(ledger, subjects))]
        for op in operations:
            try:
                run(container, subjects, op, made)
            except Refused:
                pass  # refused input writes nothing; the history goes on
            snapshots.append((ledger.projection.position(), live_cards(ledger, subjects)))
        for position, cards in snapshots:
            for (subject_id, period), live in cards.items():
                replayed = replay_scorecard(ledger.recorder, ledger.mapper, ledger.rulebooks, subject_id, period, position)
                assert replayed is not None
                assert replayed.as_dict() == live, (position, subject_id)
                assert ledger.projection.card_at(subject_id, period, position) == live, (position, subject_id)
        assert verify(ledger.projection)[1] == []
    finally:
        container.close()
