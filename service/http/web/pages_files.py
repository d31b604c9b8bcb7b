"""Downloads where people look for them, with the page's session: the score workbook (desk),
the nomination form (申报), the notice (公示) and the final list (通报) of a round, and a
subject's dispute file (申诉卷宗). The same documents as the API's downloads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from domain.nominations import Nomination
from domain.subjects import Subject
from service.documents.dossier import build_dossier
from service.documents.exports import final_document, nomination_form, notice_document, score_workbook
from service.http.api.files import DOCX, XLSX, download
from service.http.security import Ledgers, require_scope, sees_personal_details
from service.http.web.session import Viewer

router = APIRouter(include_in_schema=False)
Kind = Annotated[Literal["worker", "window", "hall"], Query()]
Period = Annotated[str, Query(max_length=6)]


@router.get("/ui/files/scores.xlsx")
def scores(c: Ledgers, who: Viewer, kind: Kind, period: Period) -> Response:
    return download(*score_workbook(c, kind, period, unit=who.unit if who.role == "unit_admin" else None), XLSX)


@router.get("/ui/files/notice.docx")
def notice(c: Ledgers, _: Viewer, kind: Kind, period: Period) -> Response:
    return download(*notice_document(c, kind, period), DOCX)


@router.get("/ui/files/final.docx")
def final(c: Ledgers, _: Viewer, kind: Kind, period: Period) -> Response:
    return download(*final_document(c, kind, period), DOCX)


@router.get("/ui/nominations/{nomination_id}/form.docx")
def form(nomination_id: str, c: Ledgers, who: Viewer) -> Response:
    nomination = c.ledger.get(Nomination, nomination_id, "nomination_id")
    require_scope(who, nomination.unit, "nomination_id")
    return download(*nomination_form(c, nomination_id, mask=not sees_personal_details(who, nomination.unit)), DOCX)


@router.get("/ui/subjects/{subject_id}/dossier.xlsx")
def dossier(subject_id: str, c: Ledgers, who: Viewer, period: Period) -> Response:
    require_scope(who, c.ledger.get(Subject, subject_id, "subject_id").unit)
    return download(*build_dossier(c, subject_id, period), XLSX)
