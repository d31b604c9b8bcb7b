"""The one clock. Everything that needs "now" asks an instance of Clock; nothing else in the
product calls datetime.now(). EVAL_NOW pins where the clock starts; it then advances in step
with the machine's monotonic clock, so a history of 2022 can be entered as it happened."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, start: datetime | None = None):
        self._start = start
        self._started = time.monotonic()

    def now(self) -> datetime:
        if self._start is None:
            return datetime.now(UTC)
        return self._start + timedelta(seconds=time.monotonic() - self._started)


class SettableClock(Clock):
    """A clock that stands still until moved: for tests and rehearsal scripts."""

    def __init__(self, start: datetime):
        super().__init__(start)
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)
