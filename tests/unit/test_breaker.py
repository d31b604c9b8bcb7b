"""The store breaker (service/breaker.py): fast 503s while the database is down, one probe at
a time after the pause, closed again by the first request that gets through."""

from __future__ import annotations

from service.http.breaker import StoreBreaker


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_failure_refuses_at_once_until_the_pause_ends_then_one_probe_at_a_time():
    ticks = Ticks()
    breaker = StoreBreaker(pause=5.0, monotonic=ticks)
    assert breaker.admit() and breaker.admit()  # closed: everyone goes to the store
    breaker.failed()
    ticks.now = 4.9
    assert not breaker.admit()
    ticks.now = 5.0
    assert breaker.admit()       # the probe
    assert not breaker.admit()   # others still answered at once while the probe waits
    breaker.failed()             # the store is still down: another pause
    ticks.now = 9.0
    assert not breaker.admit()
    ticks.now = 10.0
    assert breaker.admit()
    breaker.succeeded()          # back: closed for everyone
    assert breaker.admit() and breaker.admit() and not breaker.is_open
