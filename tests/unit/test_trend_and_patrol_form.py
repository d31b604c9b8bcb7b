"""The desk's running score (domain/trend.py) and the reading of a patrol form
(service/web/patrol.py): both pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from domain.errors import Invalid
from domain.facts import Entry, Facts
from domain.trend import running_totals
from service.http.web.patrol import fingerprint, read_finding
from tests.unit.rulebook_loader import rulebook_2022

T = datetime.fromisoformat("2022-03-01T10:00:00+08:00")
NOW = datetime.fromisoformat("2022-05-10T10:00:00+08:00")


def test_the_running_score_steps_at_each_occurrence_and_A1_5_2_vetoes_from_its_day():
    entries = (Entry("r1", "A1.2.1", T, T), Entry("r2", "A1.5.2", T + timedelta(days=3), T),
               Entry("r3", "A1.2.2", T + timedelta(days=1), T, quantity=2),
               Entry("r4", "A1.4.1", T + timedelta(days=2), T, effective=False))
    points = running_totals(rulebook_2022(), "worker", "w1", "2022H1", Facts(entries=entries))
    assert [(m - T).days for m, _, _ in points] == [0, 1, 3]  # the retracted A1.4.1 is no step
    assert [t for _, t, _ in points] == [Decimal(98), Decimal(94), Decimal(94)]
    assert [v for _, _, v in points] == [False, False, True]


def test_a_halls_running_score_is_not_drawn_from_its_own_facts_alone():
    with pytest.raises(ValueError):
        running_totals(rulebook_2022(), "hall", "h1", "2022", Facts())


def form(**fields: str) -> dict[str, str]:
    return {"rule_id": "A1.2.1", "worker_id": "w1", **fields}


def test_the_phone_time_is_the_occurrence_unless_a_beijing_time_was_typed():
    phone = "2022-05-10T09:58:00+08:00"
    assert read_finding(form(device_time=phone), NOW).occurred_at == datetime.fromisoformat(phone)
    typed = read_finding(form(device_time=phone, occurred_at="2022-05-09T16:30"), NOW).occurred_at
    assert typed == datetime.fromisoformat("2022-05-09T16:30:00+08:00")
    assert read_finding(form(), NOW).occurred_at == NOW


@pytest.mark.parametrize(("fields", "field"), [
    ({"worker_id": ""}, "subject_id"), ({"rule_id": ""}, "rule_id"), ({"quantity": "两次"}, "quantity"),
    ({"points": "abc"}, "points"), ({"device_time": "2022-05-10T09:58:00"}, "device_time"),
    ({"occurred_at": "昨天"}, "occurred_at"),
])
def test_a_patrol_form_refuses_what_it_cannot_read_naming_the_field(fields, field):
    with pytest.raises(Invalid) as refused:
        read_finding(form(**fields), NOW)
    assert refused.value.field == field


def test_the_most_specific_subject_chosen_is_the_one_recorded():
    assert read_finding({"rule_id": "A3.1.2", "hall_id": "h1"}, NOW).subject_id == "h1"
    assert read_finding({"rule_id": "A2.4.3", "hall_id": "h1", "window_id": "w1"}, NOW).subject_id == "w1"


def test_a_resend_has_the_same_fingerprint_and_another_submission_another():
    first = fingerprint({**form(), "csrf": "a", "idempotency_key": "k"}, ["f" * 64])
    assert fingerprint({**form(), "csrf": "b", "idempotency_key": "k"}, ["f" * 64]) == first  # a new login
    assert fingerprint(form(note="另一条"), ["f" * 64]) != first
    assert fingerprint(form(), []) != first
