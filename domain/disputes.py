"""Disputes (申诉) by a subject's unit against a record. The office rules; an upheld dispute
retracts the record with the ruling as its reason, also after the period has closed (the
only way a closed period's numbers move, and then only through a revision of its standings)."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event

from domain.rulings import Ruling
from domain.topics import stable_topics


@stable_topics("Dispute", "domain.disputes")
class Dispute(Ruling, Aggregate):
    ALREADY_RULED = ("dispute_id", "该申诉已有裁定")

    @event("Filed")
    def __init__(self, record_id: str, subject_id: str, grounds: str, actor: str, recorded_at: datetime):
        self.record_id = record_id
        self.subject_id = subject_id
        self.grounds = grounds
        self.actor = actor
        self.recorded_at = recorded_at
        self.ruling: dict | None = None

    @event("Ruled")
    def _ruled(self, upheld: bool, note: str, actor: str, recorded_at: datetime) -> None:
        self.ruling = {"upheld": upheld, "note": note, "actor": actor, "recorded_at": recorded_at}
