from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from domain.periods import check_period_kind, parse_period
from service.http.answers import StandingsPublic
from service.http.security import Ledgers, Reader, in_scope

router = APIRouter(tags=["periods"])


@router.get("/api/periods/{period}/standings",
            summary="Every subject of a kind ranked by total; vetoed subjects last, unranked",
             response_model=StandingsPublic, response_model_exclude_unset=True)
def standings(period: str, c: Ledgers, who: Reader,
              kind: Annotated[Literal["worker", "window", "hall"], Query()]) -> dict:
    the_period = parse_period(period)
    check_period_kind(the_period, kind)
    position, items = c.ledger.projection.standings(kind, period)
    items = [i for i in items if in_scope(who, i["unit"])]  # ranks stay those of the whole county
    return {"period": period, "kind": kind, "status": c.rounds.status(kind, the_period), "as_of_position": position,
            "items": items}
