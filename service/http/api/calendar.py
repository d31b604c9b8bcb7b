from __future__ import annotations

from typing import Annotated

from eventsourcing.domain import Aggregate
from fastapi import APIRouter, Depends

from domain.calendar import WorkCalendar
from service.application.fields import Day
from service.http.answers import CalendarPublic
from service.http.deps import Key
from service.http.schemas import CalendarDay
from service.http.security import Ledgers, Principal, Reader, allowed

router = APIRouter(tags=["calendar"])
Editor = Annotated[Principal, Depends(allowed("edit_calendar"))]


def calendar_public(calendar: WorkCalendar | None) -> dict:
    days = {} if calendar is None else calendar.days
    return {"days": [{"date": d, **v} for d, v in sorted(days.items())]}


@router.get("/api/calendar", summary="Holidays and make-up workdays (调休) for notices counted in working days",
            response_model=CalendarPublic, response_model_exclude_unset=True)
def get_calendar(c: Ledgers, _: Reader) -> dict:
    return calendar_public(c.rounds.calendar())


@router.put("/api/calendar/{day}", summary="Mark a date as a holiday or a make-up workday",
            response_model=CalendarPublic, response_model_exclude_unset=True)
def set_day(day: Day, body: CalendarDay, c: Ledgers, who: Editor, key: Key) -> dict:
    def build() -> tuple[str, list[Aggregate]]:
        calendar = c.rounds.calendar() or WorkCalendar()
        calendar.set_day(day=day.isoformat(), kind=body.kind, name=body.name, actor=who.username,
                         recorded_at=c.clock.now())
        return str(calendar.id), [calendar]

    c.ledger.write("calendar", key, build)
    return calendar_public(c.rounds.calendar())


@router.delete("/api/calendar/{day}", summary="Make a date an ordinary day again",
               response_model=CalendarPublic, response_model_exclude_unset=True)
def clear_day(day: Day, c: Ledgers, who: Editor, key: Key) -> dict:
    def build() -> tuple[str, list[Aggregate]]:
        calendar = c.rounds.calendar() or WorkCalendar()
        calendar.clear_day(day=day.isoformat(), actor=who.username, recorded_at=c.clock.now())
        return str(calendar.id), [calendar]

    c.ledger.write("calendar", key, build)
    return calendar_public(c.rounds.calendar())
