"""Attendance and imports (office): one attendance exception by hand, or a file of them (or of
halls' figures, or the roster) with the row-by-row report on the page. Imports are all or
nothing, exactly as through the API."""

from __future__ import annotations

import io
import re
import secrets
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from openpyxl import Workbook

from domain.errors import Invalid, Refused
from domain.vocabulary import ATTENDANCE_KINDS
from service.application.ledger import Idempotency
from service.documents.importers import (
    ATTENDANCE_COLUMNS,
    FIGURE_COLUMNS,
    ROSTER_COLUMNS,
    ImportRefused,
    import_attendance,
    import_figures,
    import_roster,
)
from service.documents.tabular import headers_of, with_headers
from service.http.api.files import MAX_IMPORT, XLSX, download
from service.http.errors import status_of
from service.http.security import Ledgers, container
from service.http.web.render import page
from service.http.web.session import Allowed, Csrf
from service.http.web.uploads import ImportProgress, PendingUploads

router = APIRouter(include_in_schema=False)
Office = Allowed("attendance")
Importer = Allowed("import_files")
IMPORTS = {"attendance": "考勤异常表", "figures": "大厅数据表", "roster": "人员名册"}


def _office_page(request: Request, c, status: int = 200, **context) -> HTMLResponse:
    workers = c.ledger.projection.subjects_of_kind("worker")
    return page(request, "web/attendance.html", "考勤与导入", status=status, workers=workers, kinds=ATTENDANCE_KINDS,
                imports=IMPORTS, key=secrets.token_urlsafe(18), today=c.clock.now().date().isoformat(),
                chosen_import=request.query_params.get("import", "attendance"), progress_key=secrets.token_urlsafe(12),
                **{"values": {}, "error": None, "saved": None, "report": None, "problems": None, "mapping": None,
                   **context})


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
    time: Annotated[str, Form(max_length=8)] = "",
) -> HTMLResponse:
    c = container(request)
    values = {"worker_id": worker_id, "day": day, "kind": kind, "minutes": minutes, "excused": excused, "note": note,
              "time": time}
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
        if the_minutes is not None and the_minutes < 0:
            raise Invalid("minutes", "分钟数不能为负数")
        # The occurrence's clock time tells two exceptions of one day apart (and a correction from a new one).
        if time and not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?", time):
            raise Invalid("time", "时间格式不对,应为 时:分,例如 08:35")
        key = Idempotency(actor=who.username, key=idempotency_key, fingerprint=repr(sorted(values.items())))
        saved = c.records.attendance(who.username, worker_id, the_day, kind, the_minutes, excused, note.strip(),
                                    occurrence=f"@{time[:5]}" if time else None, idempotency=key)
    except Refused as refused:
        return _office_page(request, c, status=status_of(refused), error=refused.message, values=values)
    worker = c.ledger.projection.subject(worker_id)
    return _office_page(request, c, status=201, saved={"id": saved.id, "worker": worker["name"] if worker else worker_id})


# What each import reads (the importers' own column tables) and a template file for each.
COLUMNS = {"attendance": (ATTENDANCE_COLUMNS, ("code", "date", "kind")), "figures": (FIGURE_COLUMNS, ("code", "year")),
           "roster": (ROSTER_COLUMNS, ("kind", "code", "name", "unit"))}
EXAMPLES = {
    "attendance": [["G0001", "2022-03-01", "迟到", 12, "否", "08:42"], ["G0002", "2022-03-02", "早退", 30, "是", "17:00"],
                   ["G0003", "2022-03-03", "旷工", None, "否", None]],
    "figures": [["H001", 2022, 5321, 2, "首问责任制、限时办结制", "98.5%"]],
    "roster": [["大厅", "H001", "县政务服务中心", "县政务服务监督管理办公室", None],
               ["窗口", "W001", "社保窗口", "县人力资源和社会保障局", "H001"],
               ["工作人员", "G0001", "张伟", "县人力资源和社会保障局", "W001"]],
}
progress = ImportProgress()
pending = PendingUploads()


@router.get("/ui/imports/template/{kind}.xlsx")
def template(kind: Literal["attendance", "figures", "roster"], _: Importer) -> Response:
    """An empty table with the right headers and example rows, to fill in and upload."""
    columns, _required = COLUMNS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = IMPORTS[kind]
    sheet.append([aliases[0] for aliases in columns.values()])
    for row in EXAMPLES[kind]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return download(f"{IMPORTS[kind]}模板.xlsx", buffer.getvalue(), XLSX)


@router.get("/ui/imports/progress/{key}")
def import_progress(key: str, _: Importer) -> JSONResponse:
    """How far a running import is (the page's progress bar polls this while it waits)."""
    return JSONResponse(progress.get(key))


def _run_import(c, who, kind: str, data: bytes, effective_date: str, key: str):
    def report(done: int, total: int) -> None:
        progress.set(key, done, total)

    if len(data) > MAX_IMPORT:
        raise Invalid("file", "文件超过 50 MB")
    progress.set(key, 0, 0)
    try:
        if kind == "attendance":
            return import_attendance(c, data, who.username, report)
        if kind == "figures":
            return import_figures(c, data, who.username, report)
        try:
            effective = date.fromisoformat(effective_date)
        except ValueError:
            raise Invalid("effective_date", "导入名册须填写生效日期(年-月-日)") from None
        return import_roster(c, data, who.username, effective, report)
    finally:
        progress.finish(key)


async def _answer_import(request: Request, c, who, kind: str, data: bytes, filename: str, effective_date: str,
                         key: str) -> Response:
    try:
        report = await run_in_threadpool(_run_import, c, who, kind, data, effective_date, key)
    except ImportRefused as refused:
        mapping = None
        if any(p.column == "表头" or "缺少这一列" in p.message for p in refused.problems):
            columns, required = COLUMNS[kind]
            mapping = {"token": pending.put(who.username, data, filename, kind, effective_date),
                       "headers": headers_of(data), "required": required,
                       "columns": [(name, aliases[0]) for name, aliases in columns.items()]}
        return _office_page(request, c, status=422, problems=refused.problems, filename=filename,
                            import_kind=IMPORTS[kind], mapping=mapping)
    except Refused as refused:
        return _office_page(request, c, status=status_of(refused), error=refused.message)
    return _office_page(request, c, status=201, report=report, filename=filename, import_kind=IMPORTS[kind])


@router.post("/ui/imports", response_class=HTMLResponse, dependencies=[Csrf])
async def upload(request: Request, who: Importer, file: Annotated[UploadFile, File()],
                 kind: Annotated[Literal["attendance", "figures", "roster"], Form()],
                 effective_date: Annotated[str, Form(max_length=10)] = "",
                 progress_key: Annotated[str, Form(max_length=64)] = "") -> Response:
    c = container(request)
    data = await file.read(MAX_IMPORT + 1)
    return await _answer_import(request, c, who, kind, data, file.filename or "", effective_date,
                                progress_key or secrets.token_urlsafe(12))


@router.post("/ui/imports/mapped", response_class=HTMLResponse, dependencies=[Csrf])
async def upload_mapped(request: Request, who: Importer, token: Annotated[str, Form(max_length=64)],
                        progress_key: Annotated[str, Form(max_length=64)] = "") -> Response:
    """The same file again with its columns named on the page (one step: no second upload)."""
    c = container(request)
    kept = pending.take(who.username, token)
    if kept is None:
        raise Invalid("file", "上传的文件已过期(30 分钟),请重新上传")
    data, filename, kind, effective_date = kept
    form = await request.form()
    columns, _required = COLUMNS[kind]
    renamed = {str(form[f"map.{name}"]): aliases[0] for name, aliases in columns.items() if form.get(f"map.{name}")}
    return await _answer_import(request, c, who, kind, with_headers(data, renamed), filename, effective_date,
                                progress_key or secrets.token_urlsafe(12))
