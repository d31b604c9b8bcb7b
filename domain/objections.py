"""Objections (异议) lodged by anyone while a public notice (公示) runs; the office rules on
each. An upheld objection takes its subject off the final list; nobody moves up in its place."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event

from domain.rulings import Ruling
from domain.topics import stable_topics


@stable_topics("Objection", "domain.objections")
class Objection(Ruling, Aggregate):
    ALREADY_RULED = ("objection_id", "该异议已有处理结论")

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

    @event("Ruled")
    def _ruled(self, upheld: bool, note: str, actor: str, recorded_at: datetime) -> None:
        self.ruling = {"upheld": upheld, "note": note, "actor": actor, "recorded_at": recorded_at}
