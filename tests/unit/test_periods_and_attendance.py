"""Periods in Asia/Shanghai (rulebook point 3), look-back (point 4), attendance (point 2)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.attendance import resolve_attendance
from domain.errors import Invalid
from domain.periods import local_date, parse_period, period_of, periods_counting
from tests.unit.rulebook_loader import rulebook_2022


@pytest.mark.parametrize(("moment", "half_year"), [
    ("2022-06-30T23:59:59+08:00", "2022H1"),
    ("2022-07-01T00:00:00+08:00", "2022H2"),
    ("2022-06-30T16:30:00+00:00", "2022H2"),   # 00:30 on 1 July in Shanghai
    ("2022-06-30T15:59:00+00:00", "2022H1"),   # 23:59 on 30 June in Shanghai
    ("2022-06-30T12:30:00-05:00", "2022H2"),   # 01:30 on 1 July in Shanghai
    ("2022-07-01T03:00:00+12:00", "2022H1"),   # 03:00 on 1 July at UTC+12 is 23:00 on 30 June here
    ("2021-12-31T16:00:00+00:00", "2022H1"),   # midnight of New Year in Shanghai
])
def test_the_local_date_in_shanghai_decides_the_half_year(moment, half_year):
    assert period_of("half-year", local_date(datetime.fromisoformat(moment))).id == half_year


def test_a_time_without_an_offset_is_refused():
    with pytest.raises(Invalid) as refused:
        local_date(datetime.fromisoformat("2022-03-01T09:00:00"))
    assert refused.value.field == "occurred_at"


def test_period_ids_and_bounds():
    h1 = parse_period("2022H1")
    assert (h1.starts.isoformat(), h1.ends.isoformat()) == ("2022-01-01T00:00:00+08:00", "2022-07-01T00:00:00+08:00")
    assert parse_period("2022").ends.isoformat() == "2023-01-01T00:00:00+08:00"
    for bad in ("2022H3", "22H1", "2022h1", ""):
        with pytest.raises(Invalid):
            parse_period(bad)


def test_look_back_two_years_is_the_evaluation_year_and_the_year_before():
    assert [p.id for p in periods_counting("year", date(2021, 3, 1), 2)] == ["2021", "2022"]
    assert [p.id for p in periods_counting("year", date(2021, 3, 1), 1)] == ["2021"]
    assert [p.id for p in periods_counting("half-year", date(2021, 3, 1), 2)] == ["2021H1", "2021H2", "2022H1", "2022H2"]
    assert [p.id for p in periods_counting("half-year", date(2021, 3, 1), 1)] == ["2021H1"]


@pytest.mark.parametrize(("kind", "minutes", "excused", "rule"), [
    ("late", 1, False, "A1.1.1"),
    ("late", 90, False, "A1.1.1"),        # 90 minutes exactly is still lateness
    ("late", 91, False, "A1.5.2"),        # 91 is absenteeism (旷工): the veto
    ("early_leave", 90, False, "A1.1.1"),
    ("early_leave", 91, False, "A1.5.2"),
    ("absent", None, False, "A1.5.2"),
    ("late", 91, True, None),             # approved leave counts for nothing
    ("absent", None, True, None),
])
def test_attendance_resolution_90_and_91_minutes(kind, minutes, excused, rule):
    assert resolve_attendance(rulebook_2022().settings, kind, minutes, excused) == rule


@pytest.mark.parametrize(("kind", "minutes", "field"), [
    ("late", None, "minutes"), ("late", 0, "minutes"), ("sleeping", 5, "kind"), ("absent", -1, "minutes")])
def test_attendance_bad_input_names_the_field(kind, minutes, field):
    with pytest.raises(Invalid) as refused:
        resolve_attendance(rulebook_2022().settings, kind, minutes, False)
    assert refused.value.field == field
