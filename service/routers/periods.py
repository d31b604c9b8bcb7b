from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from domain.periods import check_period_kind, parse_period
from domain.scoring import rank_standings
from service.deps import Fresh
from service.security import Reader

router = APIRouter(tags=["periods"])


@router.get("/api/periods/{period}/standings",
            summary="Every subject of a kind ranked by total; vetoed subjects last, unranked")
def standings(period: str, c: Fresh, _: Reader,
              kind: Annotated[Literal["worker", "window", "hall"], Query()]) -> dict:
    the_period = parse_period(period)
    check_period_kind(the_period, kind)
    projection = c.ledger.projection
    rows = projection.subjects_with_cards(kind, period)
    by_id = {subject["subject_id"]: (subject, card) for subject, card in rows}
    ranked = rank_standings(
        (sid, card["total"], card["vetoed"], subject["name"]) for sid, (subject, card) in by_id.items()
    )
    items = []
    for standing in ranked:
        subject, card = by_id[standing.subject_id]
        items.append({
            "subject_id": standing.subject_id, "name": subject["name"], "unit": subject["unit"],
            "code": subject["code"], "total": card["total"], "bonus": card["bonus"], "vetoed": card["vetoed"],
            "veto_reasons": card["veto_reasons"], "rank": standing.rank, "nominated": False,
        })
    status = "open" if c.ledger.is_open(the_period) else "closed"
    return {"period": period, "kind": kind, "status": status, "as_of_position": projection.position(),
            "items": items}
