"""A small sliding-window rate limiter per key (an address), kept in the process: enough to
slow password guessing and form flooding at one service process; a proxy in front may add
its own limits."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RateLimit:
    def __init__(self, limit: int, seconds: float):
        self.limit = limit
        self.seconds = seconds
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Counts a hit unless the key is already at its limit; whether it was allowed."""
        now = time.monotonic()
        with self._lock:
            hits = self._recent(key, now)
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def give_back(self, key: str) -> None:
        """Takes back the key's latest hit (a login that succeeded counts for nothing)."""
        with self._lock:
            hits = self._hits.get(key)
            if hits:
                hits.pop()

    def seconds_until_free(self, key: str) -> int:
        """How long until the key may try again (its oldest hit leaves the window)."""
        now = time.monotonic()
        with self._lock:
            hits = self._recent(key, now)
            return max(1, int(hits[0] + self.seconds - now) + 1) if len(hits) >= self.limit else 0

    def full(self, key: str) -> bool:
        """Whether the key is at its limit now (counts nothing)."""
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits
