"""The round of a kind in a period: its state, close, proposal, tie decision, notice, final."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from service.application.rounds import round_public
from service.http.answers import PeriodPublic, ProposalPublic
from service.http.deps import Key
from service.http.schemas import TieDecisionCreate
from service.http.security import Ledgers, Principal, Reader, allowed, in_scope

router = APIRouter(tags=["rounds"])
Kind = Annotated[Literal["worker", "window", "hall"], Query()]
Office = Annotated[Principal, Depends(allowed("run_round"))]


def _scoped(c, who: Principal, kind: str) -> Callable[[str], bool]:
    """Whether a subject of this kind is the caller's to see (a unit administrator: its own unit's)."""
    if who.role != "unit_admin":
        return lambda _: True
    units = {s["subject_id"]: s["unit"] for s in c.ledger.projection.subjects_of_kind(kind)}
    return lambda subject_id: in_scope(who, units.get(subject_id, ""))


@router.get("/api/periods/{period}", summary="A period's round: status, dates, frozen position, lists "
                                             "(a unit administrator sees revisions of its own unit's subjects)",
             response_model=PeriodPublic, response_model_exclude_unset=True)
def get_period(period: str, kind: Kind, c: Ledgers, who: Reader) -> dict:
    body = round_public(c.rounds, kind, c.rounds.period(kind, period))
    mine = _scoped(c, who, kind)
    for revision in body.get("revisions", []):
        revision["changes"] = [change for change in revision["changes"] if mine(change["subject_id"])]
    return body


@router.post("/api/periods/{period}/close", status_code=201,
             summary="Close the period by hand: standings frozen at a log position (the scheduler does it at the end)",
             response_model=PeriodPublic, response_model_exclude_unset=True)
def close(period: str, kind: Kind, c: Ledgers, who: Office, key: Key) -> dict:
    the_period = c.rounds.period(kind, period)
    c.rounds.close(who.username, kind, the_period, idempotency=key)
    return round_public(c.rounds, kind, the_period)


@router.get("/api/periods/{period}/proposal", summary="Nominated, non-vetoed subjects by total, up to the quota "
                                                      "(a unit administrator sees its own unit's)",
             response_model=ProposalPublic, response_model_exclude_unset=True)
def proposal(period: str, kind: Kind, c: Ledgers, who: Reader) -> dict:
    p = c.rounds.proposal(kind, c.rounds.period(kind, period))
    mine = _scoped(c, who, kind)  # ranks stay those of the whole county, as in the standings
    return {"period": period, "kind": kind, "quota": p.quota, "items": [i for i in p.items if mine(i["subject_id"])],
            "tie_at_cutoff": p.tie_at_cutoff, "tied": [t for t in p.tied if mine(t)],
            "places_for_tied": p.places_for_tied, "tie_decided": p.decided}


@router.post("/api/periods/{period}/tie-decision", status_code=201,
             summary="The leading group's choice among subjects tied across the cut-off",
             response_model=PeriodPublic, response_model_exclude_unset=True)
def tie_decision(period: str, kind: Kind, body: TieDecisionCreate, c: Ledgers, who: Office, key: Key) -> dict:
    the_period = c.rounds.period(kind, period)
    c.rounds.decide_tie(who.username, kind, the_period, body.chosen, body.note, idempotency=key)
    return round_public(c.rounds, kind, the_period)


@router.post("/api/periods/{period}/notice", status_code=201, summary="Publish the public notice (公示)",
             response_model=PeriodPublic, response_model_exclude_unset=True)
def notice(period: str, kind: Kind, c: Ledgers, who: Office, key: Key) -> dict:
    the_period = c.rounds.period(kind, period)
    c.rounds.publish_notice(who.username, kind, the_period, idempotency=key)
    return round_public(c.rounds, kind, the_period)


@router.post("/api/periods/{period}/final", status_code=201,
             summary="Make the list final once the notice has run and every objection is ruled",
             response_model=PeriodPublic, response_model_exclude_unset=True)
def final(period: str, kind: Kind, c: Ledgers, who: Office, key: Key) -> dict:
    the_period = c.rounds.period(kind, period)
    c.rounds.finalise(who.username, kind, the_period, idempotency=key)
    return round_public(c.rounds, kind, the_period)
