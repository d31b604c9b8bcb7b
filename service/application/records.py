"""Records (考评记录): findings, praise and assessments, their retraction, and attendance exceptions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from eventsourcing.domain import Aggregate

from domain.attendance import resolve_attendance
from domain.errors import Conflict, Invalid
from domain.periods import SHANGHAI, local_date, parse_period, period_of, start_of_local_day
from domain.placement import check_rule, place
from domain.records import Record
from domain.subjects import Subject
from domain.vocabulary import RECORDED_SOURCES, SUBJECT_KINDS
from service.application.evidence import EvidenceAccess
from service.application.ledger import Idempotency, Ledger, Saved
from service.application.principal import Principal


class Records:
    """Recording a finding, retracting one while its period is open, entering an attendance exception."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.evidence = EvidenceAccess(ledger)

    def record(self, actor: str, subject_id: str, rule_id: str, occurred_at: datetime, source: str,
               note: str = "", quantity: int = 1, points: Decimal | None = None,
               evidence: list[str] | None = None, idempotency: Idempotency | None = None,
               who: Principal | None = None) -> Saved:
        """`who`: the caller, whose role decides which evidence files it may attach (without it,
        only files the actor uploaded)."""

        def build() -> tuple[str, list[Aggregate]]:
            subject = self.ledger.get(Subject, subject_id, "subject_id")
            if source not in RECORDED_SOURCES:
                raise Invalid("source", f"来源 {source!r} 不认识")
            self.ledger.check_not_future(occurred_at, "occurred_at")
            day = local_date(occurred_at)
            check_rule(self.ledger.rulebook_for(period_of("year", day)), subject.kind, rule_id, quantity, points)
            self.evidence.check_usable(who or Principal(actor, actor, "", None), evidence or [], "evidence")
            counts_in = place(self.ledger.rulebook_for, subject.kind, str(subject.id), rule_id, occurred_at,
                              subject.parent_at(occurred_at) if subject.kind == "worker" else None, self.ledger.is_open)
            record = Record(
                subject_id=str(subject.id), subject_kind=subject.kind, rule_id=rule_id, occurred_at=occurred_at,
                source=source, note=note, quantity=quantity, points=points, evidence=list(evidence or []),
                actor=actor, recorded_at=self.ledger.now(), counts_in=counts_in,
            )
            return str(record.id), [record]

        return self.ledger.write("record", idempotency, build)

    def retract(self, actor: str, record_id: str, reason: str, idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            record = self.ledger.get(Record, record_id, "record_id")
            self._check_still_open(record.counts_in)
            record.retract(reason=reason, actor=actor, recorded_at=self.ledger.now())
            return str(record.id), [record]

        return self.ledger.write("record", idempotency, build)

    def _check_still_open(self, counts_in: list[dict]) -> None:
        for target in counts_in:
            period = parse_period(target["period"])
            if not self.ledger.is_open(period, self.ledger.rulebook_for(period).kind_of_rule(target["rule_id"])):
                raise Conflict("record_id", f"考评期 {target['period']} 已结束或已关闭,更正请走申诉程序")

    def attendance(self, actor: str, worker_id: str, day: date, kind: str, minutes: int | None,
                   excused: bool, note: str = "", idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            worker = self.ledger.get(Subject, worker_id, "worker_id")
            if worker.kind != "worker":
                raise Invalid("worker_id", f"考勤只记录工作人员,{worker_id} 是{SUBJECT_KINDS[worker.kind]}")
            if day > self.ledger.now().astimezone(SHANGHAI).date():
                raise Invalid("date", "考勤日期晚于今天,不能记录尚未发生的事")
            occurred_at = start_of_local_day(day)  # an attendance row happens on its local date
            period = period_of("half-year", day)
            rulebook = self.ledger.rulebook_for(period)
            rule_id = resolve_attendance(rulebook.settings, kind, minutes, excused)
            if rule_id is None:
                if not self.ledger.is_open(period, "worker"):
                    raise Conflict("date", f"考评期 {period.id} 已结束或已关闭,不能再记录")
                counts_in: list[dict] = []
            else:
                counts_in = place(self.ledger.rulebook_for, "worker", str(worker.id), rule_id, occurred_at,
                                  worker.parent_at(occurred_at), self.ledger.is_open)
            record = Record(
                subject_id=str(worker.id), subject_kind="worker", rule_id=rule_id, occurred_at=occurred_at,
                source="attendance", note=note, quantity=1, points=None, evidence=[], actor=actor,
                recorded_at=self.ledger.now(), counts_in=counts_in,
                attendance={"date": day.isoformat(), "kind": kind, "minutes": minutes, "excused": excused},
            )
            return str(record.id), [record]

        return self.ledger.write("record", idempotency, build)
