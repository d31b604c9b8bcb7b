"""Records (考评记录): findings, praise and assessments, their retraction, and attendance exceptions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from eventsourcing.domain import Aggregate

from domain.attendance import resolve_attendance
from domain.errors import Conflict, Invalid
from domain.periods import SHANGHAI, local_date, parse_period, period_of, start_of_local_day
from domain.placement import check_rule, place
from domain.records import Record, attendance_id
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
                              self.ledger.is_open)
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
            self._check_still_open(str(record.id))
            record.retract(reason=reason, actor=actor, recorded_at=self.ledger.now())
            return str(record.id), [record]

        return self.ledger.write("record", idempotency, build)

    def _check_still_open(self, record_id: str) -> None:
        """A retraction is for open periods only, wherever the record counts (a worker's veto
        also on its window); after close, corrections go through a dispute (申诉)."""
        for _, period_id, rule_id in self.ledger.projection.targets_of(record_id):
            period = parse_period(period_id)
            if not self.ledger.is_open(period, self.ledger.rulebook_for(period).kind_of_rule(rule_id)):
                raise Conflict("record_id", f"考评期 {period_id} 已结束或已关闭,更正请走申诉程序")

    def attendance(self, actor: str, worker_id: str, day: date, kind: str, minutes: int | None, excused: bool,
                   note: str = "", occurrence: str | None = None, idempotency: Idempotency | None = None) -> Saved:
        """An attendance exception (reading 13). `occurrence` is its identity within the day:
        `@08:35` (its clock time) or `#2` (its number); without one it is a new occurrence, the
        day's next number. An occurrence already recorded with other minutes or leave is a
        correction (while the period is open); with the same, nothing changes."""

        def build() -> tuple[str, list[Aggregate]]:
            worker = self.ledger.get(Subject, worker_id, "worker_id")
            if worker.kind != "worker":
                raise Invalid("worker_id", f"考勤只记录工作人员,{worker_id} 是{SUBJECT_KINDS[worker.kind]}")
            if day > self.ledger.now().astimezone(SHANGHAI).date():
                raise Invalid("date", "考勤日期晚于今天,不能记录尚未发生的事")
            occurred_at = start_of_local_day(day)  # an attendance row happens on its local date
            period = period_of("half-year", day)
            if not self.ledger.is_open(period, "worker"):
                raise Conflict("date", f"考评期 {period.id} 已结束或已关闭,不能再记录或更正")
            rule_id = resolve_attendance(self.ledger.rulebook_for(period).settings, kind, minutes, excused)
            which = occurrence or self._next_occurrence(str(worker.id), day, kind)
            attendance = {"date": day.isoformat(), "kind": kind, "minutes": minutes, "excused": excused,
                          "occurrence": which}
            counts_in = [] if rule_id is None else place(self.ledger.rulebook_for, "worker", str(worker.id), rule_id,
                                                         occurred_at, self.ledger.is_open)
            existing = self.ledger.find(Record, attendance_id(str(worker.id), day.isoformat(), kind, which))
            if existing is None:
                record = Record(
                    subject_id=str(worker.id), subject_kind="worker", rule_id=rule_id, occurred_at=occurred_at,
                    source="attendance", note=note, quantity=1, points=None, evidence=[], actor=actor,
                    recorded_at=self.ledger.now(), counts_in=counts_in, attendance=attendance,
                )
                return str(record.id), [record]
            assert existing.attendance is not None
            if (existing.attendance["minutes"], existing.attendance["excused"]) == (minutes, excused):
                return str(existing.id), []
            existing.correct(attendance=attendance, rule_id=rule_id, counts_in=counts_in, note=note, actor=actor,
                             recorded_at=self.ledger.now())
            return str(existing.id), [existing]

        return self.ledger.write("record", idempotency, build)

    def _next_occurrence(self, worker_id: str, day: date, kind: str) -> str:
        number = 1
        while self.ledger.find(Record, attendance_id(worker_id, day.isoformat(), kind, f"#{number}")) is not None:
            number += 1
        return f"#{number}"
