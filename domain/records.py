"""Records (考评记录): findings, attendance exceptions, praise and assessments.

A record never changes and is never deleted; a retraction is a later event that makes it
stop counting, and both stay in the history (rulebook point 11). `counts_in` is fixed when
the record is made: for each subject and period it counts in, the rule it counts under
there (a worker's veto also counts on the window under the rolled-up rule). Carrying it on
every event lets the projection and the replay place an event without looking anything up.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict
from domain.ids import stable_id
from domain.topics import stable_topics


@stable_topics("Record", "domain.records")
class Record(Aggregate):
    @staticmethod
    def create_id(subject_id: str, attendance: dict | None = None, **_: object) -> UUID:
        """An attendance exception's natural identity is (worker, date, kind): the same row
        imported or entered twice is one record. Other records get a random id."""
        if attendance is not None:
            return stable_id("attendance", subject_id, attendance["date"], attendance["kind"])
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

    @event("Disputed")
    def disputed(self, dispute_id: str, grounds: str, actor: str, recorded_at: datetime) -> None:
        self.open_dispute = dispute_id

    @event("DisputeRuled")
    def dispute_ruled(self, dispute_id: str, upheld: bool, note: str, actor: str, recorded_at: datetime) -> None:
        self.open_dispute = None
