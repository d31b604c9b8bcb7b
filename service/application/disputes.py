"""Disputes (申诉) against records. An upheld dispute retracts the record, also after close: then
every closed round the record counted in gets a revision of its frozen standings."""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from domain.disputes import Dispute
from domain.errors import Conflict, Forbidden
from domain.records import Record
from domain.subjects import Subject
from service.application.ledger import Idempotency, Ledger, Saved
from service.application.principal import Principal
from service.application.rounds import Rounds


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
            self.rounds.revise_where(actor, str(record_holder[0].id), {"dispute_id": saved.id,
                                                                    "record_id": str(record_holder[0].id)})
        return saved
