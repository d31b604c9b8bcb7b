"""What a web import keeps between requests, in this process only: how far a running import
is (for the page's progress bar), and an uploaded file whose columns the office is naming on
the page (so the mapping is one step, with no second upload). Both are small and short-lived."""

from __future__ import annotations

import secrets
import threading
import time

KEEP_SECONDS = 30 * 60
KEEP_FILES = 8


class ImportProgress:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, dict] = {}

    def set(self, key: str, done: int, total: int) -> None:
        with self._lock:
            self._state[key] = {"running": True, "done": done, "total": total, "at": time.monotonic()}
            for old in [k for k, v in self._state.items() if time.monotonic() - v["at"] > KEEP_SECONDS]:
                del self._state[old]

    def finish(self, key: str) -> None:
        with self._lock:
            if key in self._state:
                self._state[key]["running"] = False

    def get(self, key: str) -> dict:
        with self._lock:
            found = self._state.get(key)
        if found is None:
            return {"running": False, "done": 0, "total": 0}
        return {k: v for k, v in found.items() if k != "at"}


class PendingUploads:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, tuple[str, float, tuple[bytes, str, str, str]]] = {}

    def put(self, owner: str, data: bytes, filename: str, kind: str, effective_date: str) -> str:
        token = secrets.token_urlsafe(18)
        with self._lock:
            now = time.monotonic()
            for old in [t for t, (_, at, _) in self._files.items() if now - at > KEEP_SECONDS]:
                del self._files[old]
            while len(self._files) >= KEEP_FILES:
                del self._files[min(self._files, key=lambda t: self._files[t][1])]
            self._files[token] = (owner, now, (data, filename, kind, effective_date))
        return token

    def take(self, owner: str, token: str) -> tuple[bytes, str, str, str] | None:
        """The file, once, and only for who uploaded it."""
        with self._lock:
            found = self._files.get(token)
            if found is None or found[0] != owner or time.monotonic() - found[1] > KEEP_SECONDS:
                return None
            del self._files[token]
            return found[2]
