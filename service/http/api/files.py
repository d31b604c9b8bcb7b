"""File uploads (imports) and downloads (the score workbook, nomination form, public notice)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from domain.nominations import Nomination
from service.application.fields import Day
from service.documents.exports import final_document, nomination_form, notice_document, score_workbook
from service.documents.importers import ImportRefused, import_attendance, import_figures, import_roster
from service.http.answers import ImportRefusedPublic, ImportReportPublic
from service.http.security import Ledgers, Principal, Reader, allowed, require_scope, sees_personal_details

router = APIRouter(tags=["files"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_IMPORT = 50 * 1024 * 1024
LISTED_PROBLEMS = 1000  # a refused file's answer names this many problems at most, and counts the rest
Importer = Annotated[Principal, Depends(allowed("import_files"))]
# An import answers with JSONResponse (201 or a refusal), so its answers are declared here for
# /openapi.json and the report is checked against its model before it leaves.
IMPORT_ANSWERS = {201: {"model": ImportReportPublic, "description": "Every row written or recognised"},
                  413: {"model": ImportRefusedPublic, "description": "The file is over 50 MB"},
                  422: {"model": ImportRefusedPublic, "description": "Problems by row and column; nothing written"}}


def download(filename: str, data: bytes, media_type: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(filename)}"})


def _quote(text: str) -> str:
    return quote(text)


async def _run(file: UploadFile, run) -> Response:
    data = await file.read(MAX_IMPORT + 1)
    if len(data) > MAX_IMPORT:
        return JSONResponse({"detail": [{"row": 0, "column": "file", "message": "文件超过 50 MB"}]}, status_code=413)
    try:  # off the event loop: a long import must not hold up every other request
        report = await run_in_threadpool(run, data)
    except ImportRefused as refused:
        problems = refused.problems
        listed = "" if len(problems) <= LISTED_PROBLEMS else f"(只列出前 {LISTED_PROBLEMS} 处)"
        return JSONResponse({"detail": [p.as_dict() for p in problems[:LISTED_PROBLEMS]],
                             "message": f"文件有 {len(problems)} 处问题{listed},未写入任何数据"}, status_code=422)
    answer = ImportReportPublic.model_validate(report.as_dict())
    return JSONResponse(answer.model_dump(exclude_none=True), status_code=201)


@router.post("/api/imports/attendance", status_code=201, responses=IMPORT_ANSWERS,
             summary="Import attendance exceptions (CSV UTF-8/GBK or XLSX), all or nothing")
async def upload_attendance(file: Annotated[UploadFile, File()], c: Ledgers, who: Importer) -> Response:
    return await _run(file, lambda data: import_attendance(c, data, who.username))


@router.post("/api/imports/figures", status_code=201, responses=IMPORT_ANSWERS,
             summary="Import halls' figures (CSV UTF-8/GBK or XLSX), all or nothing")
async def upload_figures(file: Annotated[UploadFile, File()], c: Ledgers, who: Importer) -> Response:
    return await _run(file, lambda data: import_figures(c, data, who.username))


@router.post("/api/imports/roster", status_code=201, responses=IMPORT_ANSWERS,
             summary="Import the roster; re-imports apply the differences at effective_date")
async def upload_roster(file: Annotated[UploadFile, File()], effective_date: Annotated[Day, Form()], c: Ledgers,
                        who: Importer) -> Response:
    return await _run(file, lambda data: import_roster(c, data, who.username, effective_date))


@router.get("/api/periods/{period}/scores.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}}}, summary="The score workbook of a period, as in annexes 1-3")
def scores(period: str, kind: Annotated[Literal["worker", "window", "hall"], Query()], c: Ledgers,
           who: Reader) -> Response:
    return download(*score_workbook(c, kind, period, unit=who.unit if who.role == "unit_admin" else None), XLSX)


@router.get("/api/nominations/{nomination_id}/form.docx", response_class=Response,
            responses={200: {"content": {DOCX: {}}}}, summary="The nomination form (申报推荐表, annexes 4-6)")
def form(nomination_id: str, c: Ledgers, who: Reader) -> Response:
    nomination = c.ledger.get(Nomination, nomination_id, "nomination_id")
    require_scope(who, nomination.unit, "nomination_id")
    return download(*nomination_form(c, nomination_id, mask=not sees_personal_details(who, nomination.unit)), DOCX)


@router.get("/api/periods/{period}/notice.docx", response_class=Response,
            responses={200: {"content": {DOCX: {}}}}, summary="The public notice (公示) ready to print")
def notice(period: str, kind: Annotated[Literal["worker", "window", "hall"], Query()], c: Ledgers,
           _: Reader) -> Response:
    return download(*notice_document(c, kind, period), DOCX)


@router.get("/api/periods/{period}/final.docx", response_class=Response,
            responses={200: {"content": {DOCX: {}}}}, summary="The final list (通报) once the round is final")
def final(period: str, kind: Annotated[Literal["worker", "window", "hall"], Query()], c: Ledgers,
          _: Reader) -> Response:
    return download(*final_document(c, kind, period), DOCX)
