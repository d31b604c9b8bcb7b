from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from domain.complaints import Complaint
from service.http.answers import ComplaintPublic
from service.http.deps import Key
from service.http.schemas import ComplaintCreate, VerdictCreate
from service.http.security import Ledgers, Principal, allowed
from service.http.views import complaint_public

router = APIRouter(tags=["complaints"])


def _answer(c, complaint_id: str) -> dict:
    complaint = c.ledger.get(Complaint, complaint_id, "complaint_id")
    projection = c.ledger.projection
    return complaint_public(complaint, projection.position_of(complaint_id), projection.targets_of(complaint_id))


@router.post("/api/complaints", status_code=201, summary="A complaint from the public; counts once substantiated",
             response_model=ComplaintPublic, response_model_exclude_unset=True)
def file_complaint(body: ComplaintCreate, c: Ledgers,
                   who: Annotated[Principal, Depends(allowed("file_complaint"))], key: Key) -> dict:
    saved = c.complaints.file(who.username, body.subject_id, body.received_at, body.channel, body.summary,
                               idempotency=key)
    return _answer(c, saved.id)


@router.post("/api/complaints/{complaint_id}/verdict", status_code=201, summary="Substantiate or dismiss",
             response_model=ComplaintPublic, response_model_exclude_unset=True)
def verdict(complaint_id: str, body: VerdictCreate, c: Ledgers,
            who: Annotated[Principal, Depends(allowed("judge_complaint"))], key: Key) -> dict:
    saved = c.complaints.judge(who.username, complaint_id, body.substantiated, body.note, idempotency=key)
    return _answer(c, saved.id)
