from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from domain.errors import Invalid
from domain.records import Record
from domain.subjects import Subject
from service.application.history import record_history
from service.http.answers import RecordHistoryPublic, RecordPublic
from service.http.deps import Key
from service.http.schemas import AttendanceCreate, RecordCreate, RetractionCreate
from service.http.security import Ledgers, Principal, Reader, allowed, require_scope
from service.http.views import record_public

router = APIRouter(tags=["records"])


def _answer(c, record_id: str, made: Record | None = None) -> dict:
    record = made if isinstance(made, Record) else c.ledger.get(Record, record_id, "record_id")
    projection = c.ledger.projection
    return record_public(record, projection.position_of(record_id), projection.targets_of(record_id))


@router.post("/api/records", status_code=201, summary="Record a finding, praise or assessment",
             response_model=RecordPublic, response_model_exclude_unset=True)
def create_record(body: RecordCreate, c: Ledgers, who: Annotated[Principal, Depends(allowed("record"))],
                  key: Key) -> dict:
    saved = c.records.record(who.username, body.subject_id, body.rule_id, body.occurred_at, body.source,
                            body.note, body.quantity, body.points, body.evidence, idempotency=key, who=who)
    return _answer(c, saved.id, saved.made)


@router.post("/api/records/{record_id}/retraction", status_code=201,
             summary="Make a record stop counting (it stays in the history)",
             response_model=RecordPublic, response_model_exclude_unset=True)
def retract(record_id: str, body: RetractionCreate, c: Ledgers,
            who: Annotated[Principal, Depends(allowed("retract"))], key: Key) -> dict:
    saved = c.records.retract(who.username, record_id, body.reason, idempotency=key)
    return _answer(c, saved.id)


def _scoped(c, who: Principal, record_id: str) -> None:
    record = c.ledger.get(Record, record_id, "record_id")
    require_scope(who, c.ledger.get(Subject, record.subject_id, "record_id").unit, "record_id")


@router.get("/api/records/{record_id}", summary="One record", response_model=RecordPublic, response_model_exclude_unset=True)
def get_record(record_id: str, c: Ledgers, who: Reader) -> dict:
    _scoped(c, who, record_id)
    return _answer(c, record_id)


@router.get("/api/records/{record_id}/history",
            summary="Every event about a record: who, when received, occurrence time, evidence hashes",
             response_model=RecordHistoryPublic, response_model_exclude_unset=True)
def history(record_id: str, c: Ledgers, who: Reader) -> dict:
    _scoped(c, who, record_id)
    return record_history(c.ledger, record_id)


@router.post("/api/attendance", status_code=201,
             summary="An attendance exception, resolved to A1.1.1, A1.5.2 or nothing",
             response_model=RecordPublic, response_model_exclude_unset=True)
def attendance(body: AttendanceCreate, c: Ledgers, who: Annotated[Principal, Depends(allowed("attendance"))],
               key: Key) -> dict:
    if body.time is not None and body.occurrence is not None:
        raise Invalid("occurrence", "time 和 occurrence 只能给一个")
    occurrence = f"@{body.time}" if body.time else f"#{body.occurrence}" if body.occurrence else None
    saved = c.records.attendance(who.username, body.worker_id, body.date, body.kind, body.minutes, body.excused,
                                body.note, occurrence, idempotency=key)
    return _answer(c, saved.id)
