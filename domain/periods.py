"""Evaluation periods in Asia/Shanghai: half-years for workers and windows, years for halls.

The local date of the moment something happened decides its period (rulebook point 3):
23:30 on 30 June in Shanghai is 2022H1 even though it is already 1 July in UTC+12 and still
30 June in UTC. A time without an offset cannot be placed and is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import Invalid
from domain.vocabulary import SUBJECT_KINDS

TIME_ZONE = "Asia/Shanghai"  # periods, deadlines and local dates (rulebook point 3)
SHANGHAI = ZoneInfo(TIME_ZONE)
_PERIOD_ID = re.compile(r"^([0-9]{4})(H[12])?$", re.ASCII)
FIRST_YEAR, LAST_YEAR = 2000, 2099  # periods the product can name; a year outside is a typo
CADENCE_OF_KIND = {"worker": "half-year", "window": "half-year", "hall": "year"}


MAX_OFFSET = timedelta(hours=14)  # the widest offset any place on earth uses


def require_offset(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Invalid(field, "时间必须带时区偏移,例如 2022-03-01T09:00:00+08:00")
    return moment


def check_moment(moment: datetime, field: str) -> datetime:
    """A time the ledger can place: with an offset no wider than ±14:00, and in the years the
    product's periods cover (checked before any conversion, which would overflow at the
    calendar's ends)."""
    offset = require_offset(moment, field).utcoffset()
    assert offset is not None
    if abs(offset) > MAX_OFFSET:
        raise Invalid(field, "时区偏移超出 ±14:00,不是有效的时间")
    if not FIRST_YEAR - 1 <= moment.year <= LAST_YEAR + 1 or not FIRST_YEAR <= local_date(moment).year <= LAST_YEAR:
        raise Invalid(field, f"时间应在 {FIRST_YEAR} 年到 {LAST_YEAR} 年之间(北京时间)")
    return moment


def check_day(day: date, field: str) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid(field, f"日期应在 {FIRST_YEAR} 年到 {LAST_YEAR} 年之间")
    return day


def local_date(moment: datetime) -> date:
    return require_offset(moment, "occurred_at").astimezone(SHANGHAI).date()


def beijing(moment: datetime) -> str:
    """A moment as messages show it: 2022年7月1日 09:30(北京时间)."""
    local = moment.astimezone(SHANGHAI)
    if (local.hour, local.minute, local.second) == (0, 0, 0):  # an end of day: 6月30日 24:00, not 7月1日 00:00
        day = local.date() - timedelta(days=1)
        return f"{day.year}年{day.month}月{day.day}日 24:00(北京时间)"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}(北京时间)"


def start_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


@dataclass(frozen=True, order=True)
class Period:
    year: int
    half: int | None  # 1 or 2 for half-years, None for a calendar year

    @property
    def id(self) -> str:
        return f"{self.year}" if self.half is None else f"{self.year}H{self.half}"

    @property
    def cadence(self) -> str:
        return "year" if self.half is None else "half-year"

    @property
    def first_day(self) -> date:
        return date(self.year, 7 if self.half == 2 else 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def starts(self) -> datetime:
        return start_of_local_day(self.first_day)

    @property
    def ends(self) -> datetime:
        """24:00 of the last day, local time (exclusive end)."""
        return self.next().starts

    def next(self) -> Period:
        if self.half == 1:
            return Period(self.year, 2)
        if self.half == 2:
            return Period(self.year + 1, 1)
        return Period(self.year + 1, None)

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def __str__(self) -> str:
        return self.id


def parse_period(text: str, field: str = "period") -> Period:
    match = _PERIOD_ID.fullmatch(text or "")
    if not match:
        raise Invalid(field, f"考评期 {text!r} 格式不对,应为 2022H1、2022H2 或 2022")
    year = int(match.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(field, f"考评期 {text} 的年份应在 {FIRST_YEAR} 到 {LAST_YEAR} 之间")
    half = int(match.group(2)[1]) if match.group(2) else None
    return Period(year, half)


def period_of(cadence: str, day: date) -> Period:
    if cadence == "year":
        return Period(day.year, None)
    return Period(day.year, 1 if day.month <= 6 else 2)


def periods_counting(cadence: str, day: date, lookback_years: int) -> list[Period]:
    """Every period of this cadence in which an occurrence on `day` counts.

    Normally only the period containing the day. A look-back rule ("近两年来", look-back 2)
    counts in every period whose window reaches back to the day: the window of a period is
    its evaluation year and the calendar year before it (rulebook point 4), up to its end.
    """
    first = period_of(cadence, day)
    if lookback_years <= 1:
        return [first]
    periods = []
    period = first
    while period.year <= day.year + lookback_years - 1:
        periods.append(period)
        period = period.next()
    return periods


def check_period_kind(period: Period, kind: str) -> None:
    if period.cadence != CADENCE_OF_KIND[kind]:
        expected = "年度(如 2022)" if kind == "hall" else "半年(如 2022H1)"
        raise Invalid("period", f"{SUBJECT_KINDS.get(kind, kind)}的考评期应为{expected},而不是 {period.id}")


def in_service(since: datetime | None, period: Period) -> bool:
    """Whether a subject that entered service at `since` (None: from the start of history)
    takes part in `period`."""
    return since is None or since < period.ends
