from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from domain.nominations import Nomination
from domain.scoring import number
from service.deps import Key
from service.schemas import NominationCreate
from service.security import Ledgers, Principal, Reader, allowed

router = APIRouter(tags=["nominations"])


def nomination_public(nomination: Nomination) -> dict:
    return {
        "id": str(nomination.id), "subject_id": nomination.subject_id, "kind": nomination.kind,
        "period": nomination.period, "unit": nomination.unit, "details": nomination.details,
        "self_scores": {k: number(v) for k, v in nomination.self_scores.items()},
        "self_total": number(sum(nomination.self_scores.values())), "deeds": nomination.deeds,
        "photos": nomination.photos, "contact": nomination.contact, "bonus_note": nomination.bonus_note,
        "actor": nomination.actor, "recorded_at": nomination.recorded_at.isoformat(),
    }


@router.post("/api/nominations", status_code=201,
             summary="Nominate a subject (申报) by its unit's administrator, before the deadline")
def nominate(body: NominationCreate, c: Ledgers, who: Annotated[Principal, Depends(allowed("nominate"))],
             key: Key) -> dict:
    saved = c.nominations.submit(who, body.subject_id, body.period, body.details, body.self_scores, body.deeds,
                                 body.photos, body.contact, body.bonus_note, idempotency=key)
    return nomination_public(c.ledger.get(Nomination, saved.id, "id"))


@router.get("/api/nominations/{nomination_id}", summary="One nomination")
def get_nomination(nomination_id: str, c: Ledgers, _: Reader) -> dict:
    return nomination_public(c.ledger.get(Nomination, nomination_id, "nomination_id"))
