"""The round of a kind in a period: its state, close, proposal, tie decision, notice, final."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from service.application.rounds import round_public
from service.http.deps import Key
from service.http.schemas import TieDecisionCreate
from service.http.security import Ledgers, Principal, Reader, allowed

router = APIRouter(tags=["rounds"])
Kind = Annotated[Literal["worker", "window", "hall"], Query()]
Office = Annotated[Principal, Depends(allowed("run_round"))]


@router.get("/api/periods/{period}", summary="A period's round: status, dates, frozen position, lists")
def get_period(period: str, kind: Kind, c: Ledgers, _: Reader) -> dict:
    return round_public(c.rounds, kind, c.rounds.period(kind, period))


@router.post("/api/periods/{period}/close", status_code=201,
             summary="Close the period by hand: standings frozen at a log position (the scheduler does it at the end)")
def close(period: str, kind: Kind, c: Ledgers, who: Office, key: Key) -> dict:
    the_period = c.rounds.period(kind, period)
    c.rounds.close(who.username, kind, the_period, idempotency=key)
    return round_public(c.rounds, kind, the_period)


@router.get("/api/periods/{period}/proposal", summary="Nominated, non-vetoed subjects by total, up to the quota")
def proposal(period: str, kind: Kind, c: Ledgers, _: Reader) -> dict:
    p = c.rounds.proposal(kind, c.rounds.period(kind, period))
    return {"period": period, "kind": kind, "quota": p.quota, "items": p.items, "tie_at_cutoff": p.tie_at_cutoff,
            "tied": p.tied, "places_for_tied": p.places_for_tied, "tie_decided": p.decided}


@router.post("/api/periods/{period}/tie-decision", status_code=201,
             summary="The leading group's choice among subjects tied across the cut-off")
def tie_decision(period: str, kind: Kind, body: TieDecisionCreate, c: Ledgers, who: Office, key: Key) -> dict:
    the_period = c.rounds.period(kind, period)
    c.rounds.decide_tie(who.username, kind, the_period, body.chosen, body.note, idempotency=key)
    return round_public(c.rounds, kind, the_period)


@router.post("/api/periods/{period}/notice", status_code=201, summary="Publish the public notice (公示)")
def notice(period: str, kind: Kind, c: Ledgers, who: Office, key: Key) -> dict:
    the_period = c.rounds.period(kind, period)
    c.rounds.publish_notice(who.username, kind, the_period, idempotency=key)
    return round_public(c.rounds, kind, the_period)


@router.post("/api/periods/{period}/final", status_code=201,
             summary="Make the list final once the notice has run and every objection is ruled")
def final(period: str, kind: Kind, c: Ledgers, who: Office, key: Key) -> dict:
    the_period = c.rounds.period(kind, period)
    c.rounds.finalise(who.username, kind, the_period, idempotency=key)
    return round_public(c.rounds, kind, the_period)
