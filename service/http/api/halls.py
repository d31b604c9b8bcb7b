from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from domain.figures import HallFigures
from service.http.answers import FiguresPublic
from service.http.deps import Key
from service.http.schemas import FiguresCreate
from service.http.security import Ledgers, Principal, allowed
from service.http.views import figures_public

router = APIRouter(tags=["halls"])


@router.post("/api/halls/{hall_id}/figures", status_code=201,
             summary="A hall's reported figures for a year (case volume, wrong elements, missing systems, satisfaction)",
             response_model=FiguresPublic, response_model_exclude_unset=True)
def report_figures(hall_id: str, body: FiguresCreate, c: Ledgers,
                   who: Annotated[Principal, Depends(allowed("report_figures"))], key: Key) -> dict:
    figures = body.model_dump(exclude={"year"}, exclude_none=True)
    saved = c.figures.report(who.username, hall_id, body.year, figures, idempotency=key)
    return figures_public(c.ledger.get(HallFigures, saved.id, "hall_id"))
