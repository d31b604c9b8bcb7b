"""Attendance and imports (office): one attendance exception by hand, or a file of them (or of
halls' figures, or the roster) with the row-by-row report on the page. Imports are all or
nothing, exactly as through the API."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from domain.errors import Invalid, Refused
from domain.vocabulary import ATTENDANCE_KINDS
from service.application.ledger import Idempotency
from service.documents.importers import ImportRefused, import_attendance, import_figures, import_roster
from service.http.api.files import MAX_IMPORT
from service.http.errors import status_of
from service.http.security import Ledgers, container
from service.http.web.render import page
from service.http.web.session import Allowed, Csrf

router = APIRouter(include_in_schema=False)
Office = Allowed("attendance")
Importer = Allowed("import_files")
IMPORTS = {"attendance": "考勤异常表", "figures": "大厅数据表", "roster": "人员名册"}


def _office_page(request: Request, c, status: int = 200, **context) -> HTMLResponse:
    workers = c.ledger.projection.subjects_of_kind("worker")
    return page(request, "web/attendance.html", "考勤与导入", status=status, workers=workers, kinds=ATTENDANCE_KINDS,
                imports=IMPORTS, key=secrets.token_urlsafe(18), today=c.clock.now().date().isoformat(),
                **{"values": {}, "error": None, "saved": None, "report": None, "problems": None, **context})


@router.get("/ui/attendance", response_class=HTMLResponse)
def attendance_page(request: Request, c: Ledgers, _: Office) -> HTMLResponse:
    return _office_page(request, c)


@router.post("/ui/attendance", response_class=HTMLResponse, dependencies=[Csrf])
def record_attendance(
    request: Request, who: Office,
    idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
    worker_id: Annotated[str, Form(max_length=64)] = "",
    day: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(max_length=16)] = "",
    minutes: Annotated[str, Form(max_length=5)] = "",
    excused: Annotated[bool, Form()] = False,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse:
    c = container(request)
    values = {"worker_id": worker_id, "day": day, "kind": kind, "minutes": minutes, "excused": excused, "note": note}
    try:
        if not worker_id:
            raise Invalid("worker_id", "请选择工作人员")
        if kind not in ATTENDANCE_KINDS:
            raise Invalid("kind", "请选择迟到、早退或缺勤")
        try:
            the_day = date.fromisoformat(day)
        except ValueError:
            raise Invalid("date", "日期格式不对,应为 年-月-日") from None
        try:
            the_minutes = int(minutes) if minutes else None
        except ValueError:
            raise Invalid("minutes", "分钟数必须是整数") from None
        key = Idempotency(actor=who.username, key=idempotency_key, fingerprint=repr(sorted(values.items())))
        saved = c.records.attendance(who.username, worker_id, the_day, kind, the_minutes, excused, note.strip(),
                                    idempotency=key)
    except Refused as refused:
        return _office_page(request, c, status=status_of(refused), error=refused.message, values=values)
    worker = c.ledger.projection.subject(worker_id)
    return _office_page(request, c, status=201, saved={"id": saved.id, "worker": worker["name"] if worker else worker_id})


@router.post("/ui/imports", response_class=HTMLResponse, dependencies=[Csrf])
async def upload(request: Request, who: Importer, file: Annotated[UploadFile, File()],
                 kind: Annotated[Literal["attendance", "figures", "roster"], Form()],
                 effective_date: Annotated[str, Form(max_length=10)] = "") -> Response:
    c = container(request)
    data = await file.read(MAX_IMPORT + 1)

    def run():
        if len(data) > MAX_IMPORT:
            raise Invalid("file", "文件超过 50 MB")
        if kind == "attendance":
            return import_attendance(c, data, who.username)
        if kind == "figures":
            return import_figures(c, data, who.username)
        try:
            effective = date.fromisoformat(effective_date)
        except ValueError:
            raise Invalid("effective_date", "导入名册须填写生效日期(年-月-日)") from None
        return import_roster(c, data, who.username, effective)

    try:
        report = await run_in_threadpool(run)
    except ImportRefused as refused:
        return _office_page(request, c, status=422, problems=refused.problems, filename=file.filename,
                            import_kind=IMPORTS[kind])
    except Refused as refused:
        return _office_page(request, c, status=status_of(refused), error=refused.message)
    return _office_page(request, c, status=201, report=report, filename=file.filename, import_kind=IMPORTS[kind])
