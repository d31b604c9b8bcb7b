from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from domain.errors import Invalid
from domain.periods import check_period_kind, parse_period
from domain.subjects import Subject
from projections.replay import scorecard_at
from service.application.fields import Moment
from service.documents.dossier import build_dossier
from service.http.answers import ScorecardPublic, SubjectPublic, SubjectsPublic
from service.http.api.files import XLSX, download
from service.http.deps import Key
from service.http.schemas import AssignmentCreate, SubjectCreate
from service.http.security import Ledgers, Principal, Reader, allowed, in_scope, require_scope
from service.http.views import subject_public

router = APIRouter(tags=["subjects"])
Manager = Annotated[Principal, Depends(allowed("manage_subjects"))]


@router.post("/api/subjects", status_code=201, summary="Create a hall, window or worker",
             response_model=SubjectPublic, response_model_exclude_unset=True)
def create_subject(body: SubjectCreate, c: Ledgers, who: Manager, key: Key) -> dict:
    saved = c.roster.create(who.username, body.kind, body.name, body.unit, body.code, body.parent_id,
                                    body.effective_at, idempotency=key)
    return subject_public(c.ledger.get(Subject, saved.id, "id"), c.clock.now())


@router.post("/api/subjects/{subject_id}/assignment", status_code=201,
             summary="Move a window to another hall or a worker to another window from a moment on",
             response_model=SubjectPublic, response_model_exclude_unset=True)
def reassign(subject_id: str, body: AssignmentCreate, c: Ledgers, who: Manager, key: Key) -> dict:
    saved = c.roster.reassign(who.username, subject_id, body.parent_id, body.effective_at, idempotency=key)
    return subject_public(c.ledger.get(Subject, saved.id, "subject_id"), c.clock.now())


@router.get("/api/subjects", summary="Subjects, optionally of one kind",
            response_model=SubjectsPublic, response_model_exclude_unset=True)
def list_subjects(c: Ledgers, who: Reader, kind: Literal["hall", "window", "worker"] | None = None) -> dict:
    items = []
    for k in [kind] if kind else ["hall", "window", "worker"]:
        for row in c.ledger.projection.subjects_of_kind(k):
            if not in_scope(who, row["unit"]):
                continue
            items.append({"id": row["subject_id"], "kind": row["kind"], "name": row["name"], "unit": row["unit"],
                          "code": row["code"],
                          "assignments": [{"parent_id": p, "effective_at": e} for e, p in row["assignments"]]})
    return {"items": items}


@router.get("/api/subjects/{subject_id}", summary="One subject with its assignments",
            response_model=SubjectPublic, response_model_exclude_unset=True)
def get_subject(subject_id: str, c: Ledgers, who: Reader) -> dict:
    subject = c.ledger.get(Subject, subject_id, "subject_id")
    require_scope(who, subject.unit)
    return subject_public(subject, c.clock.now())


@router.get("/api/subjects/{subject_id}/dossier", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "the dispute file as an xlsx workbook"}},
            summary="The dispute file (申诉卷宗): scorecards now and at close, every entry, the chain head")
def dossier(subject_id: str, c: Ledgers, who: Reader,
            period: Annotated[str, Query(description="2022H1, 2022H2 or 2022")]) -> Response:
    require_scope(who, c.ledger.get(Subject, subject_id, "subject_id").unit)
    return download(*build_dossier(c, subject_id, period), XLSX)  # the name as RFC 5987 says: codes may be Chinese


@router.get("/api/subjects/{subject_id}/scorecard",
            summary="The scorecard for a period, live or as the history stood (as_of / position)",
             response_model=ScorecardPublic, response_model_exclude_unset=True)
def scorecard(
    subject_id: str,
    c: Ledgers,
    who: Reader,
    period: Annotated[str, Query(description="2022H1, 2022H2 (workers, windows) or 2022 (halls)")],
    as_of: Annotated[Moment | None, Query(description="a moment, with offset")] = None,
    position: Annotated[int | None, Query(ge=0, description="a log position")] = None,
) -> dict:
    subject = c.ledger.get(Subject, subject_id, "subject_id")
    require_scope(who, subject.unit)
    check_period_kind(parse_period(period), subject.kind)
    if as_of is not None and position is not None:
        raise Invalid("position", "as_of 和 position 只能给一个")
    projection = c.ledger.projection
    card, reflected = scorecard_at(projection, projection.subject(str(subject.id)), period, as_of, position)
    return {**card, "as_of_position": reflected}
