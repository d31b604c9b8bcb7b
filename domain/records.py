"""Records (考评记录): findings, attendance exceptions, praise and assessments.

A record is never deleted; a retraction is a later event that makes it stop counting, and both
stay in the history (rulebook point 11). An attendance exception may be corrected while its
period is open (minutes changed, leave approved afterwards: reading 13); the correction is an
event of its own, and the history shows both. `counts_in` is fixed when the record is made: the
record's own subject and the periods it counts in then (look-back included), with the rule it
counts under. Where a worker's veto rolls up to a window is not fixed here: it follows the
roster as it is known (reading 6), derived in domain/derivation.py.

An attendance exception's identity is (worker, date, kind, occurrence): the occurrence is its
clock time when the file gives one (`@08:35`), else its number within the day (`#1`, `#2`), so
two late arrivals on one day are two records and the same row imported twice is one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict
from domain.ids import stable_id
from domain.topics import stable_topics

FIRST_OCCURRENCE = "#1"


def attendance_id(worker_id: str, day: str, kind: str, occurrence: str) -> UUID:
    """Release 0.1 knew one exception per worker, date and kind: the first occurrence keeps
    that id, so a file imported then is still recognised."""
    if occurrence == FIRST_OCCURRENCE:
        return stable_id("attendance", worker_id, day, kind)
    return stable_id("attendance", worker_id, day, kind, occurrence)


def _created_v1_to_v2(state: dict) -> None:
    """v2: `counts_in` holds the record's own subject only (roll-ups are derived from the
    roster as known, reading 6), and an attendance exception names its occurrence."""
    state["counts_in"] = [t for t in state["counts_in"] if t["subject_id"] == state["subject_id"]]
    if state.get("attendance") is not None:
        state["attendance"] = {**state["attendance"], "occurrence": FIRST_OCCURRENCE}


@stable_topics("Record", "domain.records", upcasters={"Created": [_created_v1_to_v2]})
class Record(Aggregate):
    @staticmethod
    def create_id(subject_id: str, attendance: dict | None = None, **_: object) -> UUID:
        """An attendance exception's id is its natural identity (see the module's docstring);
        other records get a random id."""
        if attendance is not None:
            return attendance_id(subject_id, attendance["date"], attendance["kind"], attendance["occurrence"])
        return uuid4()

    @event("Created")
    def __init__(
        self,
        subject_id: str,
        subject_kind: str,
        rule_id: str | None,
        occurred_at: datetime,
        source: str,
        note: str,
        quantity: int,
        points: Decimal | None,
        evidence: list[str],
        actor: str,
        recorded_at: datetime,
        counts_in: list[dict],
        attendance: dict | None = None,
    ):
        self.subject_id = subject_id
        self.subject_kind = subject_kind
        self.rule_id = rule_id
        self.occurred_at = occurred_at
        self.source = source
        self.note = note
        self.quantity = quantity
        self.points = points
        self.evidence = evidence
        self.actor = actor
        self.recorded_at = recorded_at
        self.counts_in = counts_in
        self.attendance = attendance
        self.retraction: dict | None = None
        self.open_dispute: str | None = None

    @property
    def effective(self) -> bool:
        return self.retraction is None

    def retract(self, reason: str, actor: str, recorded_at: datetime) -> None:
        if self.retraction is not None:
            raise Conflict("record_id", "该记录已撤销,不能重复撤销")
        self._retracted(reason=reason, actor=actor, recorded_at=recorded_at, counts_in=self.counts_in)

    @event("Retracted")
    def _retracted(self, reason: str, actor: str, recorded_at: datetime, counts_in: list[dict]) -> None:
        self.retraction = {"reason": reason, "actor": actor, "recorded_at": recorded_at}

    def correct(self, attendance: dict, rule_id: str | None, counts_in: list[dict], note: str, actor: str,
                recorded_at: datetime) -> None:
        if self.attendance is None:
            raise Conflict("record_id", "只有考勤记录可以更正")
        if self.retraction is not None:
            raise Conflict("record_id", "该记录已撤销,不能更正")
        self._corrected(subject_id=self.subject_id, attendance=attendance, rule_id=rule_id, counts_in=counts_in,
                        occurred_at=self.occurred_at, quantity=1, points=None, note=note, actor=actor,
                        recorded_at=recorded_at)

    @event("Corrected")
    def _corrected(self, subject_id: str, attendance: dict, rule_id: str | None, counts_in: list[dict],
                   occurred_at: datetime, quantity: int, points: Decimal | None, note: str, actor: str,
                   recorded_at: datetime) -> None:
        self.attendance = attendance
        self.rule_id = rule_id
        self.counts_in = counts_in
        self.note = note

    @event("Disputed")
    def disputed(self, dispute_id: str, grounds: str, actor: str, recorded_at: datetime) -> None:
        self.open_dispute = dispute_id

    @event("DisputeRuled")
    def dispute_ruled(self, dispute_id: str, upheld: bool, note: str, actor: str, recorded_at: datetime) -> None:
        self.open_dispute = None
