"""The roster (花名册): halls, windows and workers, their assignments over time and their names."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from domain.errors import Conflict, Invalid
from domain.periods import check_moment
from domain.subjects import PARENT_KIND, Subject
from domain.vocabulary import SUBJECT_KINDS
from service.application.ledger import Idempotency, Ledger, Saved


class Roster:
    """Creating a subject, moving it to another parent from a moment on, renaming it."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    def _check_parent(self, kind: str, parent_id: str | None) -> None:
        wanted = PARENT_KIND.get(kind)
        if wanted is None:
            if parent_id is not None:
                raise Invalid("parent_id", "大厅没有上级,不能指定 parent_id")
            return
        if parent_id is None:
            raise Invalid("parent_id", f"{SUBJECT_KINDS[kind]}必须指定所属{SUBJECT_KINDS[wanted]}(parent_id)")
        parent = self.ledger.get(Subject, parent_id, "parent_id")
        if parent.kind != wanted:
            names = SUBJECT_KINDS
            raise Invalid("parent_id", f"{names[kind]}的上级必须是{names[wanted]},而 {parent_id} 是{names[parent.kind]}")

    def create(self, actor: str, kind: str, name: str, unit: str, code: str | None,
                       parent_id: str | None, effective_at: datetime | None,
                       idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            if kind not in SUBJECT_KINDS:
                raise Invalid("kind", f"类型 {kind!r} 不存在,应为 hall、window 或 worker")
            self._check_parent(kind, parent_id)
            if effective_at is not None:
                check_moment(effective_at, "effective_at")
            if code and self.ledger.find(Subject, Subject.create_id(kind=kind, code=code)) is not None:
                raise Conflict("code", f"{SUBJECT_KINDS[kind]}编码 {code} 已被使用")
            subject = Subject(kind=kind, name=name, unit=unit, code=code or None,
                              parent_id=str(parent_id) if parent_id else None, effective_at=effective_at,
                              actor=actor, recorded_at=self.ledger.now())
            return str(subject.id), [subject]

        return self.ledger.write("subject", idempotency, build)

    def reassign(self, actor: str, subject_id: str, parent_id: str, effective_at: datetime,
                 idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            subject = self.ledger.get(Subject, subject_id, "subject_id")
            self._check_parent(subject.kind, parent_id)
            check_moment(effective_at, "effective_at")
            subject.reassign(parent_id=str(parent_id), effective_at=effective_at, actor=actor, recorded_at=self.ledger.now())
            return str(subject.id), [subject]

        return self.ledger.write("subject", idempotency, build)

    def rename(self, actor: str, subject_id: str, name: str, unit: str,
               idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            subject = self.ledger.get(Subject, subject_id, "subject_id")
            subject.rename(name=name, unit=unit, actor=actor, recorded_at=self.ledger.now())
            return str(subject.id), [subject]

        return self.ledger.write("subject", idempotency, build)
