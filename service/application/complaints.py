"""Complaints (投诉) from the public: filed at their received time, counting once substantiated."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from domain.complaints import Complaint
from domain.errors import Conflict
from domain.periods import local_date, period_of
from domain.placement import place
from domain.subjects import Subject
from service.application.ledger import Idempotency, Ledger, Saved
from service.application.rounds import Rounds


class Complaints:
    """Filing a complaint and judging it; a complaint substantiated after its period closed
    revises the frozen standings of the rounds it counts in."""

    def __init__(self, ledger: Ledger, rounds: Rounds):
        self.ledger = ledger
        self.rounds = rounds

    def file(self, actor: str, subject_id: str, received_at: datetime, channel: str, summary: str,
                  idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            subject = self.ledger.get(Subject, subject_id, "subject_id")
            self.ledger.check_not_future(received_at, "received_at")
            day = local_date(received_at)
            rulebook = self.ledger.rulebook_for(period_of("year", day))
            rule_id = rulebook.settings.complaint_rules.get(subject.kind)
            if rule_id is None:
                period = period_of("year", day)
                if not self.ledger.is_open(period, subject.kind):
                    raise Conflict("received_at", f"考评期 {period.id} 已结束或已关闭,不能再记录")
                counts_in: list[dict] = []
            else:
                counts_in = place(self.ledger.rulebook_for, subject.kind, str(subject.id), rule_id, received_at,
                                  self.ledger.is_open)
            complaint = Complaint(subject_id=str(subject.id), subject_kind=subject.kind, received_at=received_at,
                                  channel=channel, summary=summary, actor=actor, recorded_at=self.ledger.now(),
                                  counts_in=counts_in)
            return str(complaint.id), [complaint]

        return self.ledger.write("complaint", idempotency, build)

    def judge(self, actor: str, complaint_id: str, substantiated: bool, note: str,
              idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            complaint = self.ledger.get(Complaint, complaint_id, "complaint_id")
            complaint.judge(substantiated=substantiated, note=note, actor=actor, recorded_at=self.ledger.now())
            return str(complaint.id), [complaint]

        saved = self.ledger.write("complaint", idempotency, build)
        if substantiated and not saved.replayed:
            self.rounds.revise_where(actor, saved.id, {"complaint_id": saved.id})
        return saved
