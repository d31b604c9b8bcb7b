"""Objections (异议) lodged by anyone while a public notice (公示) runs; the office rules on
each. An upheld objection takes its subject off the final list; nobody moves up in its place."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict


class Objection(Aggregate):
    @event("Lodged")
    def __init__(self, period: str, kind: str, subject_id: str, text: str, contact: str | None,
                 received_at: datetime, address: str | None):
        self.period = period
        self.kind = kind
        self.subject_id = subject_id
        self.text = text
        self.contact = contact
        self.received_at = received_at
        self.ruling: dict | None = None

    def rule(self, upheld: bool, note: str, actor: str, recorded_at: datetime) -> None:
        if self.ruling is not None:
            raise Conflict("objection_id", "该异议已有处理结论")
        self._ruled(upheld=upheld, note=note, actor=actor, recorded_at=recorded_at)

    @event("Ruled")
    def _ruled(self, upheld: bool, note: str, actor: str, recorded_at: datetime) -> None:
        self.ruling = {"upheld": upheld, "note": note, "actor": actor, "recorded_at": recorded_at}

    @property
    def status(self) -> str:
        if self.ruling is None:
            return "open"
        return "upheld" if self.ruling["upheld"] else "dismissed"
