"""Disputes (申诉) against records, and the late changes that can move a closed period's numbers
(an upheld dispute, a complaint verdict given after close): each such change is followed by a
revision of every closed round it touches."""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from domain.complaints import Complaint
from domain.disputes import Dispute
from domain.errors import Conflict, Forbidden
from domain.periods import parse_period
from domain.records import Record
from domain.subjects import Subject
from service.ledger import Idempotency, Ledger, Saved
from service.principal import Principal
from service.rounds import Rounds


class Disputes:
    def __init__(self, ledger: Ledger, rounds: Rounds):
        self.ledger = ledger
        self.rounds = rounds

    def file(self, who: Principal, record_id: str, grounds: str, idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            record = self.ledger.get(Record, record_id, "record_id")
            subject = self.ledger.get(Subject, record.subject_id, "record_id")
            if who.role == "unit_admin" and who.unit != subject.unit:
                raise Forbidden("record_id", f"只能对本单位({who.unit})对象的记录提出申诉")
            if not record.effective:
                raise Conflict("record_id", "该记录已撤销,无需申诉")
            if record.open_dispute is not None:
                raise Conflict("record_id", "该记录已有一件申诉在处理中")
            now = self.ledger.now()
            dispute = Dispute(record_id=str(record.id), subject_id=record.subject_id, grounds=grounds,
                              actor=who.username, recorded_at=now)
            record.disputed(dispute_id=str(dispute.id), grounds=grounds, actor=who.username, recorded_at=now)
            return str(dispute.id), [dispute, record]

        return self.ledger.write("dispute", idempotency, build)

    def rule(self, actor: str, dispute_id: str, upheld: bool, note: str,
             idempotency: Idempotency | None = None) -> Saved:
        record_holder: list[Record] = []

        def build() -> tuple[str, list[Aggregate]]:
            dispute = self.ledger.get(Dispute, dispute_id, "dispute_id")
            record = self.ledger.get(Record, dispute.record_id, "dispute_id")
            now = self.ledger.now()
            dispute.rule(upheld=upheld, note=note, actor=actor, recorded_at=now)
            record.dispute_ruled(dispute_id=str(dispute.id), upheld=upheld, note=note, actor=actor, recorded_at=now)
            if upheld and record.effective:  # the one way a closed period's record stops counting
                record.retract(reason=f"申诉成立:{note}", actor=actor, recorded_at=now)
            record_holder.append(record)
            return str(dispute.id), [dispute, record]

        saved = self.ledger.write("dispute", idempotency, build)
        if upheld and not saved.replayed:
            self._revise_closed(actor, record_holder[0].counts_in, {"dispute_id": saved.id,
                                                                    "record_id": str(record_holder[0].id)})
        return saved

    def verdict(self, actor: str, complaint_id: str, substantiated: bool, note: str,
                idempotency: Idempotency | None = None) -> Saved:
        saved = self.ledger.verdict(actor, complaint_id, substantiated, note, idempotency=idempotency)
        if substantiated and not saved.replayed:
            complaint = self.ledger.get(Complaint, saved.id, "complaint_id")
            self._revise_closed(actor, complaint.counts_in, {"complaint_id": saved.id})
        return saved

    def _revise_closed(self, actor: str, counts_in: list[dict], cause: dict) -> None:
        touched = set()
        for target in counts_in:
            period = parse_period(target["period"])
            kind = self.ledger.rulebook_for(period).kind_of_rule(target["rule_id"])
            touched.add((kind, period))
        for kind, period in sorted(touched, key=lambda t: (t[0], t[1].id)):
            self.rounds.revise(actor, kind, period, cause)
