from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from domain.disputes import Dispute
from domain.subjects import Subject
from service.http.answers import DisputePublic
from service.http.deps import Key
from service.http.schemas import DisputeCreate, RulingCreate
from service.http.security import Ledgers, Principal, Reader, allowed, require_scope

router = APIRouter(tags=["disputes"])


def dispute_public(dispute: Dispute) -> dict:
    ruling = dispute.ruling
    return {"id": str(dispute.id), "record_id": dispute.record_id, "subject_id": dispute.subject_id,
            "grounds": dispute.grounds, "actor": dispute.actor, "recorded_at": dispute.recorded_at.isoformat(),
            "status": dispute.status,
            "ruling": None if ruling is None else {**ruling, "recorded_at": ruling["recorded_at"].isoformat()}}


@router.post("/api/disputes", status_code=201, summary="A dispute (申诉) against a record, by the subject's unit",
             response_model=DisputePublic, response_model_exclude_unset=True)
def file_dispute(body: DisputeCreate, c: Ledgers, who: Annotated[Principal, Depends(allowed("file_dispute"))],
                 key: Key) -> dict:
    saved = c.disputes.file(who, body.record_id, body.grounds, idempotency=key)
    return dispute_public(c.ledger.get(Dispute, saved.id, "id"))


@router.get("/api/disputes/{dispute_id}", summary="One dispute (a unit administrator: its own unit's)",
            response_model=DisputePublic, response_model_exclude_unset=True)
def get_dispute(dispute_id: str, c: Ledgers, who: Reader) -> dict:
    dispute = c.ledger.get(Dispute, dispute_id, "dispute_id")
    require_scope(who, c.ledger.get(Subject, dispute.subject_id, "dispute_id").unit, "dispute_id")
    return dispute_public(dispute)


@router.post("/api/disputes/{dispute_id}/ruling", status_code=201,
             summary="The office's ruling; upheld retracts the record, and after close revises the standings",
             response_model=DisputePublic, response_model_exclude_unset=True)
def rule_dispute(dispute_id: str, body: RulingCreate, c: Ledgers,
                 who: Annotated[Principal, Depends(allowed("rule_dispute"))], key: Key) -> dict:
    saved = c.disputes.rule(who.username, dispute_id, body.upheld, body.note, idempotency=key)
    return dispute_public(c.ledger.get(Dispute, saved.id, "id"))
