"""Disputes (申诉) by a subject's unit against a record. The office rules; an upheld dispute
retracts the record with the ruling as its reason, also after the period has closed (the
only way a closed period's numbers move, and then only through a revision of its standings)."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict


class Dispute(Aggregate):
    @event("Filed")
    def __init__(self, record_id: str, subject_id: str, grounds: str, actor: str, recorded_at: datetime):
        self.record_id = record_id
        self.subject_id = subject_id
        self.grounds = grounds
        self.actor = actor
        self.recorded_at = recorded_at
        self.ruling: dict | None = None

    def rule(self, upheld: bool, note: str, actor: str, recorded_at: datetime) -> None:
        if self.ruling is not None:
            raise Conflict("dispute_id", "该申诉已有裁定")
        self._ruled(upheld=upheld, note=note, actor=actor, recorded_at=recorded_at)

    @event("Ruled")
    def _ruled(self, upheld: bool, note: str, actor: str, recorded_at: datetime) -> None:
        self.ruling = {"upheld": upheld, "note": note, "actor": actor, "recorded_at": recorded_at}

    @property
    def status(self) -> str:
        if self.ruling is None:
            return "open"
        return "upheld" if self.ruling["upheld"] else "dismissed"
