"""Complaints (投诉) by the public. A complaint counts only once verified (查证属实); an open or
dismissed one changes nothing but stays on the record (rulebook point 5). It counts at the
moment it was received, under the rulebook's complaint rule for the subject's kind."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict
from domain.topics import stable_topics


def _filed_v1_to_v2(state: dict) -> None:
    """v2: `counts_in` holds the complaint's own subject only; the roll-up of a worker's
    complaint to its window is derived from the roster as known (reading 6)."""
    state["counts_in"] = [t for t in state["counts_in"] if t["subject_id"] == state["subject_id"]]


@stable_topics("Complaint", "domain.complaints", upcasters={"Filed": [_filed_v1_to_v2]})
class Complaint(Aggregate):
    @event("Filed")
    def __init__(
        self,
        subject_id: str,
        subject_kind: str,
        received_at: datetime,
        channel: str,
        summary: str,
        actor: str,
        recorded_at: datetime,
        counts_in: list[dict],
    ):
        self.subject_id = subject_id
        self.subject_kind = subject_kind
        self.received_at = received_at
        self.channel = channel
        self.summary = summary
        self.actor = actor
        self.recorded_at = recorded_at
        self.counts_in = counts_in
        self.status = "open"
        self.verdict: dict | None = None

    def judge(self, substantiated: bool, note: str, actor: str, recorded_at: datetime) -> None:
        if self.status != "open":
            raise Conflict("complaint_id", "该投诉已有处理结论,不能重复认定")
        self._judged(substantiated=substantiated, note=note, actor=actor, recorded_at=recorded_at,
                     counts_in=self.counts_in)

    @event("Judged")
    def _judged(self, substantiated: bool, note: str, actor: str, recorded_at: datetime, counts_in: list[dict]) -> None:
        self.status = "substantiated" if substantiated else "dismissed"
        self.verdict = {"substantiated": substantiated, "note": note, "actor": actor, "recorded_at": recorded_at}
