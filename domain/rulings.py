"""What disputes (申诉) and objections (异议) share: the office rules once, upheld or not.
Each aggregate keeps its own `Ruled` event (its topic names the aggregate); this mixin holds
the check before it and the status derived from it."""

from __future__ import annotations

from datetime import datetime

from domain.errors import Conflict


class Ruling:
    ruling: dict | None
    ALREADY_RULED: tuple[str, str]  # (field, message) when a second ruling is attempted

    def rule(self, upheld: bool, note: str, actor: str, recorded_at: datetime) -> None:
        if self.ruling is not None:
            raise Conflict(*self.ALREADY_RULED)
        self._ruled(upheld=upheld, note=note, actor=actor, recorded_at=recorded_at)  # type: ignore[attr-defined]

    @property
    def status(self) -> str:
        if self.ruling is None:
            return "open"
        return "upheld" if self.ruling["upheld"] else "dismissed"
