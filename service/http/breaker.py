"""A circuit breaker in front of the store: once a request has found the database down, the
next requests answer 503 at once for a few seconds instead of each waiting ~20 s inside the
library (its recorder retries a failed call 10 times, each waiting up to the pool's 2 s for a
connection). After the pause one request at a time tries the store again; the first that gets
through closes the breaker, so the service recovers by itself.

Timing here is the process's monotonic clock: it measures waiting, not business time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class StoreBreaker:
    def __init__(self, pause: float = 5.0, monotonic: Callable[[], float] = time.monotonic):
        self.pause = pause
        self.monotonic = monotonic
        self._open_until: float | None = None
        self._probing = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def admit(self) -> bool:
        """Whether a request may use the store now (closed, or the one probe after a pause)."""
        with self._lock:
            if self._open_until is None:
                return True
            if self._probing or self.monotonic() < self._open_until:
                return False
            self._probing = True
            return True

    def succeeded(self) -> None:
        with self._lock:
            self._open_until, self._probing = None, False

    def failed(self) -> None:
        with self._lock:
            self._open_until, self._probing = self.monotonic() + self.pause, False
