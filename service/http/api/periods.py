from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from domain.periods import check_period_kind, parse_period
from domain.rulebook_check import VERSION_PATTERN
from service.http.answers import StandingsPublic
from service.http.security import Ledgers, Reader, in_scope

router = APIRouter(tags=["periods"])


@router.get("/api/periods/{period}/standings",
            summary="Every subject of a kind ranked by total; vetoed subjects last, unranked. With `rulebook`:"
                    " a preview re-scored under that version, changing nothing",
            response_model=StandingsPublic, response_model_exclude_unset=True)
def standings(period: str, c: Ledgers, who: Reader,
              kind: Annotated[Literal["worker", "window", "hall"], Query()],
              rulebook: Annotated[str | None, Query(max_length=32, pattern=VERSION_PATTERN)] = None) -> dict:
    the_period = parse_period(period)
    check_period_kind(the_period, kind)
    governing = c.ledger.rulebook_for(the_period)
    if rulebook is None:
        position, items = c.ledger.projection.standings(kind, period)
    else:
        position, items = c.rulebooks.preview(kind, period, c.rulebooks.get(rulebook, field="rulebook"))
    items = [i for i in items if in_scope(who, i["unit"])]  # ranks stay those of the whole county
    answer = {"period": period, "kind": kind, "status": c.rounds.status(kind, the_period), "as_of_position": position,
              "rulebook": rulebook or governing.version, "items": items}
    if rulebook is not None:
        answer["preview"] = True
        answer["governing_rulebook"] = governing.version
    return answer
