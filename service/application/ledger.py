"""The ledger: the write side's unit of work and repository, an eventsourcing Application.

The command families (roster.py, records.py, complaints.py, figures.py, rounds.py, …) check a
request against the domain and hand `write` the aggregates to save. One transaction then holds
the command: its events, the idempotency key that guards it (if any), the operation-log entry
of the request (oplog.py), the read-model rows those events change and the hash chain's links
(the recorder applies them: projections/recorders.py). If the read model cannot apply an
event, nothing is stored and the command fails with a clear error; once `write` returns, every
read sees the command (read-your-writes, on any process). The ledger also answers what every
command asks: the clock, the rulebook of a period, whether a period still takes writes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.complaints import Complaint
from domain.errors import Conflict, Invalid, NotFound
from domain.idempotency import IdempotencyKey
from domain.periods import Period, check_moment
from domain.records import Record
from domain.round import Round
from domain.rulebook import Rulebook, RulebookLibrary
from domain.subjects import Subject
from domain.text import check_storable
from projections.evidence import EvidenceFiles
from projections.read_model import ReadModel
from projections.writer import ProjectionFailed
from service.application.oplog import current_operation
from service.config.clock import Clock

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Idempotency:
    actor: str
    key: str
    fingerprint: str


class NotApplied(Exception):
    """The read model could not apply a command's events: nothing was stored (HTTP 500 with
    a clear message; it means a defect, not bad input)."""


@dataclass
class Batch:
    size: int
    writes: int = 0
    aggregates: dict[UUID, Aggregate | None] = field(default_factory=dict)
    open: dict[tuple[str, str], bool] = field(default_factory=dict)
    library: RulebookLibrary | None = None


@dataclass(frozen=True)
class Saved:
    id: str
    position: int
    replayed: bool = False
    made: Aggregate | None = None  # the resource as saved (an answer needs not read it back)


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
        self.rulebooks = rulebooks  # the shipped versions; the office loads more (library())
        self.future_tolerance = future_tolerance
        self.projection = ReadModel(self.recorder, self.mapper, rulebooks)
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

    def library(self) -> RulebookLibrary:
        """Every rulebook version known now: the shipped ones and those the office loaded (the
        log's RulebookVersion events, as the read model has applied them). Kept for a batch."""
        batch = self._batch
        if batch is not None:
            if batch.library is None:
                batch.library = self.projection.library()
            return batch.library
        return self.projection.library()

    def rulebook_for(self, period: Period) -> Rulebook:
        return self.library().in_force_on(period.first_day)

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
    def batched(self, size: int = 1000) -> Iterator[Batch]:
        """Bulk mode for imports and generated histories: each write runs the same checks, its
        aggregates are kept, and every `size` writes they are saved (and applied) in one
        transaction. Aggregates read meanwhile are cached, so use it for writes that create
        records (an import) or in a process that has the store to itself (a generated history)."""
        batch = Batch(size=size)
        token = self._batches.set(batch)
        try:
            yield batch
            self._flush()
        finally:
            self._batches.reset(token)

    def known_absent(self, aggregate_ids: list[UUID]) -> None:
        """In bulk mode: aggregates the caller knows do not exist (an import that has read the
        read model) are not looked up one by one."""
        batch = self._batch
        assert batch is not None
        for aggregate_id in aggregate_ids:
            batch.aggregates.setdefault(aggregate_id, None)

    def _flush(self) -> None:
        batch = self._batch
        assert batch is not None
        pending = [a for a in batch.aggregates.values() if a is not None and a.pending_events]
        if pending:
            self.save_all(pending)
        # Records are many and saved now: they leave the cache (one is looked up again if need be).
        batch.aggregates = {k: v for k, v in batch.aggregates.items() if not isinstance(v, Record)}
        batch.writes = 0

    def check_not_future(self, moment: datetime, field: str) -> None:
        check_moment(moment, field)  # a time the ledger can place at all, before comparing it
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
        if not aggregates:  # nothing changes (the same row again): the answer is what is there
            return Saved(resource_id, self.projection.position(), replayed=True)
        if idempotency is not None:
            aggregates.append(IdempotencyKey(
                actor=idempotency.actor, key=idempotency.key, fingerprint=idempotency.fingerprint,
                resource=resource, resource_id=resource_id, recorded_at=self.now(),
            ))
        try:
            position = self.save_all(aggregates)
        except IntegrityError:
            if idempotency is not None:
                earlier = self._earlier_answer(resource, idempotency)
                if earlier is not None:
                    return earlier
            raise Conflict("request", "数据已被同时修改,请刷新后重试") from None
        made = next((a for a in aggregates if str(a.id) == resource_id), None)
        return Saved(resource_id, position, made=made)

    def save_all(self, aggregates: list[Aggregate]) -> int:
        """Saves the aggregates' events in one transaction with the request's operation-log
        entry (once per request) and the read model's rows; returns the last log position."""
        operation = current_operation.get()
        logged = operation is not None and not operation.logged
        if logged:
            aggregates = [*aggregates, operation.event(self.now())]
        events = [e for a in aggregates for e in a.collect_events()]
        try:
            # The event store directly (Application.save would only add snapshots and
            # notifications, which this application does not use).
            recordings = self.events.put(events, applied=events)
        except ProjectionFailed as failed:
            raise NotApplied(f"读模型无法应用这次操作的事件,未保存任何数据:{failed}") from failed
        if logged:
            operation.logged = True
        return max(r.notification.id for r in recordings)

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
        return Saved(key.resource_id, self.projection.position(), replayed=True)
