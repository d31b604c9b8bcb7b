from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from domain.nominations import Nomination
from domain.scoring import number
from service.http.answers import NominationPublic, NominationsPublic
from service.http.deps import Key
from service.http.schemas import NominationCreate
from service.http.security import Ledgers, Principal, Reader, allowed, require_scope, sees_personal_details

router = APIRouter(tags=["nominations"])


PERSONAL = ("birth_month", "phone")


def masked(details: dict) -> dict:
    """Birth month and phone hidden (masked elsewhere than the office and the own unit), as the
    nomination's contact is."""
    return {k: ("****" if k in PERSONAL and v else v) for k, v in details.items()}


def nomination_public(nomination: Nomination, who: Principal) -> dict:
    personal = sees_personal_details(who, nomination.unit)
    details = nomination.details if personal else masked(nomination.details)
    return {
        "id": str(nomination.id), "subject_id": nomination.subject_id, "kind": nomination.kind,
        "period": nomination.period, "unit": nomination.unit, "details": details,
        "self_scores": {k: number(v) for k, v in nomination.self_scores.items()},
        "self_total": number(sum(nomination.self_scores.values())), "deeds": nomination.deeds,
        "photos": nomination.photos, "contact": nomination.contact if personal or not nomination.contact else "****",
        "bonus_note": nomination.bonus_note,
        "actor": nomination.actor, "recorded_at": nomination.recorded_at.isoformat(),
    }


@router.post("/api/nominations", status_code=201, response_model=NominationPublic,
             summary="Nominate a subject (申报) by its unit's administrator, before the deadline")
def nominate(body: NominationCreate, c: Ledgers, who: Annotated[Principal, Depends(allowed("nominate"))],
             key: Key) -> dict:
    saved = c.nominations.submit(who, body.subject_id, body.period, body.details, body.self_scores, body.deeds,
                                 body.photos, body.contact, body.bonus_note, idempotency=key)
    return nomination_public(c.ledger.get(Nomination, saved.id, "id"), who)


@router.get("/api/nominations", summary="The nominations of a period (a unit administrator: its unit's), with "
                                       "where each stands in the round", response_model=NominationsPublic,
            response_model_exclude_unset=True)
def list_nominations(c: Ledgers, who: Reader,
                     period: Annotated[str, Query(max_length=6, description="2022H1, 2022H2 or 2022")],
                     kind: Annotated[Literal["worker", "window", "hall"], Query()]) -> dict:
    unit = who.unit if who.role == "unit_admin" else None
    items = c.nominations.listing(period, kind, unit)
    return {"period": period, "kind": kind, "items": [
        {"id": i["nomination_id"], "subject_id": i["subject_id"], "name": i["name"], "code": i["code"],
         "unit": i["unit"], "state": i["state"], "self_total": number(i["self_total"]), "photos": i["photos"],
         "actor": i["actor"], "recorded_at": i["recorded_at"].isoformat()} for i in items]}


@router.get("/api/nominations/{nomination_id}", summary="One nomination (personal details masked outside the "
                                                        "office and the subject's unit)",
            response_model=NominationPublic)
def get_nomination(nomination_id: str, c: Ledgers, who: Reader) -> dict:
    nomination = c.ledger.get(Nomination, nomination_id, "nomination_id")
    require_scope(who, nomination.unit, "nomination_id")
    return nomination_public(nomination, who)
