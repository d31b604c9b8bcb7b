"""The office's editable table of holidays and make-up workdays (调休), used when the rulebook
counts the public notice in working days."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import stable_id
from domain.topics import stable_topics

DAY_KINDS = ("holiday", "workday")


@stable_topics("WorkCalendar", "domain.calendar")
class WorkCalendar(Aggregate):
    @staticmethod
    def create_id(**_: object) -> UUID:
        return stable_id("calendar")

    @event("Started")
    def __init__(self) -> None:
        self.days: dict[str, dict] = {}

    @event("DaySet")
    def set_day(self, day: str, kind: str, name: str, actor: str, recorded_at: datetime) -> None:
        self.days[day] = {"kind": kind, "name": name}

    @event("DayCleared")
    def clear_day(self, day: str, actor: str, recorded_at: datetime) -> None:
        self.days.pop(day, None)

    def of_kind(self, kind: str) -> set[date]:
        return {date.fromisoformat(d) for d, v in self.days.items() if v["kind"] == kind}
