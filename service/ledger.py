"""The write side: an eventsourcing Application whose commands check a request against the
domain, save its events atomically (with the idempotency key that guards it, if any), and
bring the read model up to the new position before answering (read-your-writes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.attendance import resolve_attendance
from domain.complaints import Complaint
from domain.errors import Conflict, Invalid, NotFound
from domain.evidence import Evidence
from domain.figures import FIELDS, HallFigures, normalise_rate
from domain.idempotency import IdempotencyKey
from domain.periods import SHANGHAI, Period, local_date, parse_period, period_of, start_of_local_day
from domain.placement import check_rule, place
from domain.records import SOURCES, Record
from domain.round import Round
from domain.rulebook import Rulebook, RulebookLibrary
from domain.subjects import KIND_NAMES, PARENT_KIND, Subject
from domain.text import check_storable
from projections.evidence import EvidenceFiles
from projections.scorecards import ScorecardProjection
from service.clock import Clock

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Idempotency:
    actor: str
    key: str
    fingerprint: str


@dataclass
class Batch:
    size: int
    catch_up: bool
    writes: int = 0
    aggregates: dict[UUID, Aggregate | None] = field(default_factory=dict)
    open: dict[tuple[str, str], bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Saved:
    id: str
    position: int
    replayed: bool = False


def check_events_storable(aggregates: list[Aggregate]) -> None:
    """The last gate before the store: every string an event would keep must be storable
    (domain/text.py), whichever door the command came in by (API, page, import, command line)."""
    for aggregate in aggregates:
        for event in aggregate.pending_events:
            for name, value in vars(event).items():
                check_storable(value, name)


class Ledger(Application):
    name = "Ledger"

    def __init__(self, env: dict[str, str], clock: Clock, rulebooks: RulebookLibrary,
                 future_tolerance: timedelta = timedelta(minutes=10)):
        super().__init__(env=env)
        self.clock = clock
        self.rulebooks = rulebooks
        self.future_tolerance = future_tolerance
        self.projection = ScorecardProjection(self.recorder, self.mapper, rulebooks)
        self.evidence_files = EvidenceFiles(self.projection.store)
        self._closed: set[tuple[str, str]] = set()
        # Bulk mode belongs to the request or command that started it, not to the process.
        self._batches: ContextVar[Batch | None] = ContextVar(f"ledger-batch-{id(self)}", default=None)

    @property
    def _batch(self) -> Batch | None:
        return self._batches.get()

    # --- shared steps ----------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def rulebook_for(self, period: Period) -> Rulebook:
        return self.rulebooks.in_force_on(period.first_day)

    def is_open(self, period: Period, kind: str) -> bool:
        """A period takes writes of a kind until its end (24:00 local of its last day) has
        passed and while its round of that kind has not been closed (by the scheduler or by
        hand). Closing is for good, so a closed round is remembered; within a bulk write the
        answer is kept for the batch."""
        batch = self._batch
        if batch is not None:
            key = (kind, period.id)
            if key not in batch.open:
                batch.open[key] = self._is_open(period, kind)
            return batch.open[key]
        return self._is_open(period, kind)

    def _is_open(self, period: Period, kind: str) -> bool:
        if period.ends <= self.now() or (kind, period.id) in self._closed:
            return False
        if self.find(Round, Round.create_id(kind=kind, period=period.id)) is not None:
            self._closed.add((kind, period.id))
            return False
        return True

    def get(self, cls: type[A], aggregate_id: str, field: str) -> A:
        what = {Subject: "对象", Record: "记录", Complaint: "投诉"}.get(cls, "对象")
        try:
            key = UUID(str(aggregate_id))
        except ValueError:
            raise NotFound(field, f"{what} {aggregate_id} 不存在") from None
        aggregate = self.find(cls, key)
        if aggregate is None:
            raise NotFound(field, f"{what} {aggregate_id} 不存在")
        return aggregate

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        batch = self._batch
        if batch is not None and aggregate_id in batch.aggregates:
            aggregate = batch.aggregates[aggregate_id]
        else:
            try:
                aggregate = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                aggregate = None
            if batch is not None:
                batch.aggregates[aggregate_id] = aggregate
        return aggregate if isinstance(aggregate, cls) else None

    @contextmanager
    def batched(self, size: int = 1000, catch_up: bool = True) -> Iterator[Batch]:
        """Bulk mode for imports and generated histories: each write runs the same checks, its
        aggregates are kept, and every `size` writes they are saved in one transaction.
        Aggregates read meanwhile are cached, so use it for writes that create records (an
        import) or in a process that has the store to itself (a generated history)."""
        batch = Batch(size=size, catch_up=catch_up)
        token = self._batches.set(batch)
        try:
            yield batch
            self._flush()
        finally:
            self._batches.reset(token)

    def _flush(self) -> None:
        batch = self._batch
        assert batch is not None
        pending = [a for a in batch.aggregates.values() if a is not None and a.pending_events]
        if pending:
            self.save(*pending)
        batch.aggregates = {k: v for k, v in batch.aggregates.items() if v is not None and not isinstance(v, Record)}
        batch.writes = 0
        if batch.catch_up:
            self.projection.catch_up()

    def check_evidence(self, evidence_ids: list[str]) -> None:
        for evidence_id in evidence_ids:
            try:
                found = self.find(Evidence, UUID(evidence_id))
            except ValueError:
                found = None
            if found is None:
                raise Invalid("evidence", f"证据 {evidence_id} 不存在,请先通过 /api/evidence 上传")

    def check_not_future(self, moment: datetime, field: str) -> None:
        if moment > self.now() + self.future_tolerance:
            raise Invalid(field, "发生时间晚于当前时间,不能记录尚未发生的事")

    def write(self, resource: str, idempotency: Idempotency | None,
               build: Callable[[], tuple[str, list[Aggregate]]]) -> Saved:
        """Runs `build` (checks, then the aggregates to save) and saves all at once."""
        if idempotency is not None:
            earlier = self._earlier_answer(resource, idempotency)
            if earlier is not None:
                return earlier
        resource_id, aggregates = build()
        check_events_storable(aggregates)
        if self._batch is not None:
            return self._keep(resource_id, aggregates)
        if idempotency is not None:
            aggregates.append(IdempotencyKey(
                actor=idempotency.actor, key=idempotency.key, fingerprint=idempotency.fingerprint,
                resource=resource, resource_id=resource_id, recorded_at=self.now(),
            ))
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            if idempotency is not None:
                earlier = self._earlier_answer(resource, idempotency)
                if earlier is not None:
                    return earlier
            raise Conflict("request", "数据已被同时修改,请刷新后重试") from None
        position = max(r.notification.id for r in recordings)
        self.projection.catch_up(until=position)
        return Saved(resource_id, position)

    def _keep(self, resource_id: str, aggregates: list[Aggregate]) -> Saved:
        batch = self._batch
        assert batch is not None
        for aggregate in aggregates:
            if batch.aggregates.get(aggregate.id) not in (None, aggregate):
                raise Conflict("request", "数据已被同时修改,请重试")
            batch.aggregates[aggregate.id] = aggregate
        batch.writes += 1
        if batch.writes >= batch.size:
            self._flush()
        return Saved(resource_id, 0)

    def _earlier_answer(self, resource: str, idempotency: Idempotency) -> Saved | None:
        key = self.find(IdempotencyKey, IdempotencyKey.create_id(actor=idempotency.actor, key=idempotency.key))
        if key is None:
            return None
        if key.fingerprint != idempotency.fingerprint or key.resource != resource:
            raise Conflict("Idempotency-Key", "同一个 Idempotency-Key 已用于另一个不同的请求")
        self.projection.catch_up()
        return Saved(key.resource_id, self.projection.position(), replayed=True)

    # --- subjects -----------------------------------------------------------------------------

    def _check_parent(self, kind: str, parent_id: str | None) -> None:
        wanted = PARENT_KIND.get(kind)
        if wanted is None:
            if parent_id is not None:
                raise Invalid("parent_id", "大厅没有上级,不能指定 parent_id")
            return
        if parent_id is None:
            raise Invalid("parent_id", f"{KIND_NAMES[kind]}必须指定所属{KIND_NAMES[wanted]}(parent_id)")
        parent = self.get(Subject, parent_id, "parent_id")
        if parent.kind != wanted:
            raise Invalid("parent_id",
                          f"{KIND_NAMES[kind]}的上级必须是{KIND_NAMES[wanted]},而 {parent_id} 是{KIND_NAMES[parent.kind]}")

    def create_subject(self, actor: str, kind: str, name: str, unit: str, code: str | None,
                       parent_id: str | None, effective_at: datetime | None,
                       idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            if kind not in KIND_NAMES:
                raise Invalid("kind", f"类型 {kind!r} 不存在,应为 hall、window 或 worker")
            self._check_parent(kind, parent_id)
            if code and self.find(Subject, Subject.create_id(kind=kind, code=code)) is not None:
                raise Conflict("code", f"{KIND_NAMES[kind]}编码 {code} 已被使用")
            subject = Subject(kind=kind, name=name, unit=unit, code=code or None,
                              parent_id=str(parent_id) if parent_id else None, effective_at=effective_at,
                              actor=actor, recorded_at=self.now())
            return str(subject.id), [subject]

        return self.write("subject", idempotency, build)

    def reassign(self, actor: str, subject_id: str, parent_id: str, effective_at: datetime,
                 idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            subject = self.get(Subject, subject_id, "subject_id")
            self._check_parent(subject.kind, parent_id)
            subject.reassign(parent_id=str(parent_id), effective_at=effective_at, actor=actor, recorded_at=self.now())
            return str(subject.id), [subject]

        return self.write("subject", idempotency, build)

    def rename(self, actor: str, subject_id: str, name: str, unit: str,
               idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            subject = self.get(Subject, subject_id, "subject_id")
            subject.rename(name=name, unit=unit, actor=actor, recorded_at=self.now())
            return str(subject.id), [subject]

        return self.write("subject", idempotency, build)

    # --- records ------------------------------------------------------------------------------

    def record(self, actor: str, subject_id: str, rule_id: str, occurred_at: datetime, source: str,
               note: str = "", quantity: int = 1, points: Decimal | None = None,
               evidence: list[str] | None = None, idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            subject = self.get(Subject, subject_id, "subject_id")
            if source not in SOURCES or source == "attendance":
                raise Invalid("source", f"来源 {source!r} 不认识")
            self.check_not_future(occurred_at, "occurred_at")
            day = local_date(occurred_at)
            check_rule(self.rulebook_for(period_of("year", day)), subject.kind, rule_id, quantity, points)
            self.check_evidence(evidence or [])
            counts_in = place(self.rulebook_for, subject.kind, str(subject.id), rule_id, occurred_at,
                              subject.parent_at(occurred_at) if subject.kind == "worker" else None, self.is_open)
            record = Record(
                subject_id=str(subject.id), subject_kind=subject.kind, rule_id=rule_id, occurred_at=occurred_at,
                source=source, note=note, quantity=quantity, points=points, evidence=list(evidence or []),
                actor=actor, recorded_at=self.now(), counts_in=counts_in,
            )
            return str(record.id), [record]

        return self.write("record", idempotency, build)

    def retract(self, actor: str, record_id: str, reason: str, idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            record = self.get(Record, record_id, "record_id")
            self._check_still_open(record.counts_in)
            record.retract(reason=reason, actor=actor, recorded_at=self.now())
            return str(record.id), [record]

        return self.write("record", idempotency, build)

    def _check_still_open(self, counts_in: list[dict]) -> None:
        for target in counts_in:
            period = parse_period(target["period"])
            if not self.is_open(period, self.rulebook_for(period).kind_of_rule(target["rule_id"])):
                raise Conflict("record_id", f"考评期 {target['period']} 已结束或已关闭,更正请走申诉程序")

    def attendance(self, actor: str, worker_id: str, day: date, kind: str, minutes: int | None,
                   excused: bool, note: str = "", idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            worker = self.get(Subject, worker_id, "worker_id")
            if worker.kind != "worker":
                raise Invalid("worker_id", f"考勤只记录工作人员,{worker_id} 是{KIND_NAMES[worker.kind]}")
            if day > self.now().astimezone(SHANGHAI).date():
                raise Invalid("date", "考勤日期晚于今天,不能记录尚未发生的事")
            occurred_at = start_of_local_day(day)  # an attendance row happens on its local date
            period = period_of("half-year", day)
            rulebook = self.rulebook_for(period)
            rule_id = resolve_attendance(rulebook.settings, kind, minutes, excused)
            if rule_id is None:
                if not self.is_open(period, "worker"):
                    raise Conflict("date", f"考评期 {period.id} 已结束或已关闭,不能再记录")
                counts_in: list[dict] = []
            else:
                counts_in = place(self.rulebook_for, "worker", str(worker.id), rule_id, occurred_at,
                                  worker.parent_at(occurred_at), self.is_open)
            record = Record(
                subject_id=str(worker.id), subject_kind="worker", rule_id=rule_id, occurred_at=occurred_at,
                source="attendance", note=note, quantity=1, points=None, evidence=[], actor=actor,
                recorded_at=self.now(), counts_in=counts_in,
                attendance={"date": day.isoformat(), "kind": kind, "minutes": minutes, "excused": excused},
            )
            return str(record.id), [record]

        return self.write("record", idempotency, build)

    # --- complaints ---------------------------------------------------------------------------

    def complaint(self, actor: str, subject_id: str, received_at: datetime, channel: str, summary: str,
                  idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            subject = self.get(Subject, subject_id, "subject_id")
            self.check_not_future(received_at, "received_at")
            day = local_date(received_at)
            rulebook = self.rulebook_for(period_of("year", day))
            rule_id = rulebook.settings.complaint_rules.get(subject.kind)
            if rule_id is None:
                period = period_of("year", day)
                if not self.is_open(period, subject.kind):
                    raise Conflict("received_at", f"考评期 {period.id} 已结束或已关闭,不能再记录")
                counts_in: list[dict] = []
            else:
                parent = subject.parent_at(received_at) if subject.kind == "worker" else None
                counts_in = place(self.rulebook_for, subject.kind, str(subject.id), rule_id, received_at,
                                  parent, self.is_open)
            complaint = Complaint(subject_id=str(subject.id), subject_kind=subject.kind, received_at=received_at,
                                  channel=channel, summary=summary, actor=actor, recorded_at=self.now(),
                                  counts_in=counts_in)
            return str(complaint.id), [complaint]

        return self.write("complaint", idempotency, build)

    def verdict(self, actor: str, complaint_id: str, substantiated: bool, note: str,
                idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            complaint = self.get(Complaint, complaint_id, "complaint_id")
            complaint.judge(substantiated=substantiated, note=note, actor=actor, recorded_at=self.now())
            return str(complaint.id), [complaint]

        return self.write("complaint", idempotency, build)

    # --- hall figures ---------------------------------------------------------------------------

    def report_figures(self, actor: str, hall_id: str, year: int, figures: dict[str, Any],
                       idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            hall = self.get(Subject, hall_id, "hall_id")
            if hall.kind != "hall":
                raise Invalid("hall_id", f"{hall_id} 是{KIND_NAMES[hall.kind]},只有大厅报送年度数据")
            reported = self.check_figures(year, figures)
            aggregate = self.find(HallFigures, HallFigures.create_id(hall_id=str(hall.id), year=year))
            if aggregate is None:
                aggregate = HallFigures(hall_id=str(hall.id), year=year)
            aggregate.report(hall_id=str(hall.id), year=year, figures=reported, actor=actor, recorded_at=self.now())
            return str(aggregate.id), [aggregate]

        return self.write("figures", idempotency, build)

    def check_figures(self, year: int, figures: dict[str, Any]) -> dict[str, Any]:
        """The figures as they will be kept, or a refusal naming the field."""
        period = Period(year, None)
        if not self.is_open(period, "hall"):
            raise Conflict("year", f"考评期 {period.id} 已结束或已关闭,不能再报送")
        if period.starts > self.now() + self.future_tolerance:
            raise Invalid("year", f"{year} 年度尚未开始")
        return self._check_figures(self.rulebook_for(period), figures)

    @staticmethod
    def _check_figures(rulebook: Rulebook, figures: dict[str, Any]) -> dict[str, Any]:
        reported = {k: v for k, v in figures.items() if k in FIELDS and v is not None}
        if not reported:
            raise Invalid("figures", "至少报送一项数据:case_volume、wrong_elements、systems_missing 或 satisfaction_rate")
        for name in ("case_volume", "wrong_elements"):
            if name in reported and reported[name] < 0:
                raise Invalid(name, "不能为负数")
        if "systems_missing" in reported:
            allowed = next(r.figure.allowed for r in rulebook.category("hall").rules()
                           if r.figure is not None and r.figure.field == "systems_missing")
            names = list(reported["systems_missing"])
            unknown = [n for n in names if n not in allowed]
            if unknown:
                raise Invalid("systems_missing", f"制度名称不认识:{'、'.join(unknown)};应为 {'、'.join(allowed)} 之一")
            if len(set(names)) != len(names):
                raise Invalid("systems_missing", "制度名称重复")
        if "satisfaction_rate" in reported:
            rate = Decimal(str(reported["satisfaction_rate"]))
            if not Decimal(0) <= rate <= Decimal(100):
                raise Invalid("satisfaction_rate", "满意率应为 0 到 1 之间的小数,或 0 到 100 的百分数")
            reported["satisfaction_rate"] = normalise_rate(rate)
        return reported

