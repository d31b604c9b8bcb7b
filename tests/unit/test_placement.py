"""Checking a record against the rulebook, and where it counts for its own subject: look-back
(point 4), closed periods, and refused input. (Roll-ups are derived: tests/unit/test_derivation.py.)"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from domain.errors import Conflict, Invalid
from domain.placement import check_rule, place
from domain.subjects import parent_at
from tests.unit.rulebook_loader import rulebook_2022


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def rulebook_for(_period):
    return rulebook_2022()


def test_the_window_of_a_roll_up_is_the_one_served_at_when_it_happened():
    assignments = [[None, "w1"], [at("2022-04-01T00:00:00+08:00"), "w2"]]
    assert parent_at(assignments, at("2022-03-31T23:59:00+08:00")) == "w1"
    assert parent_at(assignments, at("2022-04-01T00:00:00+08:00")) == "w2"
    assert parent_at([[at("2022-04-01T00:00:00+08:00"), "w2"]], at("2022-03-01T00:00:00+08:00")) is None


def test_A3_6_1_look_back_counts_only_in_the_open_period_when_the_first_is_closed():
    def open_after_2021(period, _kind):
        return period.year >= 2022

    targets = place(rulebook_for, "hall", "h", "A3.6.1", at("2021-11-10T10:00:00+08:00"), open_after_2021)
    assert [t["period"] for t in targets] == ["2022"]


def test_a_record_into_a_closed_period_is_refused_naming_it():
    with pytest.raises(Conflict) as refused:
        place(rulebook_for, "worker", "w", "A1.1.2", at("2022-03-01T10:00:00+08:00"), lambda p, k: False)
    assert "2022H1" in refused.value.message


@pytest.mark.parametrize(("kind", "rule_id", "quantity", "points", "field"), [
    ("worker", "A9.9.9", 1, None, "rule_id"),          # unknown rule
    ("worker", "A2.2.4", 1, None, "rule_id"),          # a window rule on a worker
    ("hall", "A3.2.6", 1, None, "rule_id"),            # computed from figures
    ("worker", "A1.1.2", 0, None, "quantity"),
    ("worker", "A1.1.2", 101, None, "quantity"),
    ("worker", "A1.1.2", 1, Decimal(3), "points"),     # points fixed by the rulebook
    ("window", "A2.1.1", 1, None, "points"),           # assessment needs points
    ("window", "A2.1.1", 1, Decimal(21), "points"),    # above the section's 20
    ("window", "A2.1.1", 1, Decimal(0), "points"),
    ("window", "A2.1.1", 2, Decimal(3), "quantity"),
    ("worker", "A1.6.3", 1, Decimal(11), "points"),    # discretionary cap 10
    ("hall", "A3.2.1", 2, None, "quantity"),           # deduct-once: once a period, however many
])
def test_check_rule_refuses_with_the_field_named(kind, rule_id, quantity, points, field):
    with pytest.raises(Invalid) as refused:
        check_rule(rulebook_2022(), kind, rule_id, quantity, points)
    assert refused.value.field == field
    assert refused.value.message


def test_check_rule_accepts_the_edges():
    check_rule(rulebook_2022(), "window", "A2.1.1", 1, Decimal(20))
    check_rule(rulebook_2022(), "worker", "A1.6.3", 1, Decimal(10))
    check_rule(rulebook_2022(), "worker", "A1.4.4", 100, None)
