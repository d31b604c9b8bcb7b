from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from domain.objections import Objection
from service.application.accounts import TooMany
from service.http.answers import ObjectionPublic
from service.http.deps import Key
from service.http.hardening import client_address
from service.http.schemas import ObjectionCreate, RulingCreate
from service.http.security import Ledgers, Principal, Reader, allowed

router = APIRouter(tags=["objections"])


def objection_public(objection: Objection, with_contact: bool) -> dict:
    ruling = objection.ruling
    return {"id": str(objection.id), "period": objection.period, "kind": objection.kind,
            "subject_id": objection.subject_id, "text": objection.text,
            "contact": objection.contact if with_contact else None,
            "received_at": objection.received_at.isoformat(), "status": objection.status,
            "ruling": None if ruling is None else {**ruling, "recorded_at": ruling["recorded_at"].isoformat()}}


@router.post("/api/objections", status_code=201,
             summary="Lodge an objection (异议) while the public notice runs; no token needed",
             response_model=ObjectionPublic, response_model_exclude_unset=True)
def lodge(body: ObjectionCreate, c: Ledgers, request: Request) -> dict:
    period = c.rounds.period(body.kind, body.period)
    address = client_address(request)
    if not request.app.state.objection_limit.allow(address or "unknown"):
        raise TooMany("text", "提交过于频繁,请稍后再试")
    saved = c.rounds.lodge_objection(body.kind, period, body.subject_id, body.text, body.contact, address)
    return objection_public(c.ledger.get(Objection, saved.id, "id"), with_contact=False)


@router.get("/api/objections/{objection_id}", summary="One objection (the objector's contact: the office only)",
            response_model=ObjectionPublic, response_model_exclude_unset=True)
def get_objection(objection_id: str, c: Ledgers, who: Reader) -> dict:
    return objection_public(c.ledger.get(Objection, objection_id, "objection_id"), with_contact=who.role == "office_admin")


@router.post("/api/objections/{objection_id}/ruling", status_code=201,
             summary="The office's ruling; an upheld objection takes its subject off the final list",
             response_model=ObjectionPublic, response_model_exclude_unset=True)
def rule(objection_id: str, body: RulingCreate, c: Ledgers,
         who: Annotated[Principal, Depends(allowed("rule_objection"))], key: Key) -> dict:
    saved = c.rounds.rule_objection(who.username, objection_id, body.upheld, body.note, idempotency=key)
    return objection_public(c.ledger.get(Objection, saved.id, "id"), with_contact=True)  # the office
