"""The office's rulebook page (考评标准): the versions known; upload next year's version (JSON,
or the annex layout as a workbook, whose template is any version written out); see every
problem, or the warnings and the differences from the version before; preview a period's
standings under it; then adopt it. Checking and previewing write nothing; adopting is the same
command as `PUT /api/rulebooks/{version}`."""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from domain.errors import Invalid, InvalidAll, Refused
from domain.periods import check_period_kind, parse_period
from domain.rulebook import KINDS, rulebook_to_json
from domain.rulebook_check import VERSION_PATTERN, Problem
from domain.rulebook_diff import rulebook_diff
from domain.vocabulary import CADENCE_LABELS, DAY_KIND_LABELS, EFFECT_LABELS, MEASURE_LABELS, RULEBOOK_TERMS, SUBJECT_KINDS
from service.application.ledger import Idempotency
from service.documents.rulebook_workbook import Read, read_rulebook_workbook, rulebook_workbook
from service.documents.tabular import TableError
from service.http.api.files import XLSX, download
from service.http.errors import status_of
from service.http.security import container
from service.http.web.render import page
from service.http.web.session import Allowed, Csrf

router = APIRouter(include_in_schema=False)
Office = Allowed("manage_rulebooks")
MAX_UPLOAD = 2 * 1024 * 1024

# The JSON fields as the diff names them, in the office's words.
FIELD_NAMES = {
    "settings": "设置", "version": "版本", "categories": "类别", "sections": "分项", "rules": "规则",
    "points": "分值", "text": "评分标准", "clause": "条款", "effect": "效果", "item": "序号", "rolls_up_to": "计入窗口",
    "lookback_years": "回溯年数", "figure": "数据计分", "section": "所在分项", "kind": "类别", "title": "名称", "max": "满分",
    "note": "说明", "quota": "名额", "cadence": "周期", "nomination_deadlines": "申报截止", "annex": "附件",
    "effective_from": "施行日期", "timezone": "时区", "section_floor": "分项扣完为止", "absenteeism_over_minutes": "旷工分钟线",
    "attendance_rules": "考勤对应规则", "complaint_rules": "投诉对应规则", "discretionary_bonus_cap": "酌情加分上限",
    "points_step": "分值步长", "notice_days": "公示天数", "notice_day_kind": "公示日类型",
}


# A setting's value in words where it is one of the rulebook's own terms (calendar → 自然日).
WORDS = {**SUBJECT_KINDS, **RULEBOOK_TERMS, **MEASURE_LABELS, **EFFECT_LABELS, **DAY_KIND_LABELS, **CADENCE_LABELS}
CODE = re.compile(r"(?<![\w.-])[a-z][a-z_-]*[a-z](?![\w.-])")


def in_words(message: str) -> str:
    """A check's message with the rulebook's codes in it said in words (year → 年)."""
    return CODE.sub(lambda m: WORDS.get(m.group(0), m.group(0)), message)


def _page(request: Request, c, status: int = 200, **context: Any) -> HTMLResponse:
    return page(request, "web/rulebooks.html", "考评标准", status=status, versions=c.rulebooks.listing(),
                key=secrets.token_urlsafe(18), effects=EFFECT_LABELS, FIELD_NAMES=FIELD_NAMES, WORDS=WORDS,
                **{"problems": None, "checked": None, "error": None, "adopted": None, "preview": None, **context})


@router.get("/ui/rulebooks", response_class=HTMLResponse)
def rulebooks_page(request: Request, _: Office) -> HTMLResponse:
    return _page(request, container(request))


@router.get("/ui/rulebooks/{version}.xlsx")
def workbook(request: Request, version: str, _: Office) -> Response:
    """A version in the annex layout: the template for next year's."""
    book = container(request).rulebooks.get(version)
    return download(f"考评标准-{book.version}.xlsx", rulebook_workbook(book), XLSX)


@router.get("/ui/rulebooks/{version}.json")
def json_file(request: Request, version: str, _: Office) -> Response:
    book = container(request).rulebooks.get(version)
    return download(f"考评标准-{book.version}.json", json.dumps(rulebook_to_json(book), ensure_ascii=False,
                                                              indent=2).encode(), "application/json")


def _read(data: bytes) -> tuple[Any, Read | None]:
    """The uploaded version as JSON, and for a workbook where each part came from."""
    if data[:4] == b"PK\x03\x04":
        read = read_rulebook_workbook(data)
        return read.data, read
    try:
        return json.loads(data.decode("utf-8-sig")), None
    except (UnicodeDecodeError, ValueError):
        raise Invalid("file", "文件既不是 JSON(UTF-8)也不是 XLSX 工作簿") from None


PARTS = (("categories", "第{}类"), ("sections", "第{}节"), ("rules", "第{}条"), ("quota", "名额"))


def path_words(field: str) -> str:
    """`categories[0].sections[1].rules[2].points` → 第1类·第2节·第3条·分值: where a JSON upload's
    problem lies, in words."""
    words = []
    for part in field.split("."):
        match = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        if match:
            pattern = dict(PARTS).get(match.group(1))
            words.append(pattern.format(int(match.group(2)) + 1) if pattern else part)
        else:
            words.append(FIELD_NAMES.get(part) or WORDS.get(part, part))
    return "·".join(words)


def _problems(problems: list[Problem], read: Read | None) -> list[dict]:
    return [{**p.as_dict(), "where": read.located(p.field) if read else path_words(p.field),
             "message": in_words(p.message)} for p in problems]


def _checked_context(c, version: str, data: Any, read: Read | None) -> tuple[int, dict]:
    checked = c.rulebooks.check(version, data)
    if checked.rulebook is None:
        if checked.refusal is not None:
            return 409, {"error": checked.refusal.message}
        return 422, {"problems": _problems(checked.problems, read), "version": version}
    rulebook = checked.rulebook
    library = c.ledger.library()
    before = library.in_force_on(rulebook.effective_from - timedelta(days=1))  # the version it follows
    diff = rulebook_diff(before, rulebook)
    kinds = [(k, period) for k in ("worker", "window", "hall")
             for period in reversed(c.rounds.periods_so_far(k)[-2:])]
    status = 409 if checked.refusal else 200
    return status, {"checked": {
        "rulebook": rulebook, "json": json.dumps(rulebook_to_json(rulebook), ensure_ascii=False),
        "warnings": _problems(checked.warnings, read), "refusal": checked.refusal.message if checked.refusal else None,
        "diff": diff, "before": before.version, "periods": kinds,
    }}


@router.post("/ui/rulebooks/check", response_class=HTMLResponse, dependencies=[Csrf])
async def check(request: Request, _: Office, file: Annotated[UploadFile, File()]) -> HTMLResponse:
    c = container(request)
    data = await file.read(MAX_UPLOAD + 1)

    def run() -> tuple[int, dict]:
        if len(data) > MAX_UPLOAD:
            raise Invalid("file", "文件超过 2 MB")
        parsed, read = _read(data)
        version = parsed.get("version") if isinstance(parsed, dict) else None
        if not isinstance(version, str) or not version:
            raise Invalid("version", "文件中没有版本号(version,或“版本”表的“版本号”)")
        return _checked_context(c, version, parsed, read)

    try:
        status, context = await run_in_threadpool(run)
    except TableError as refused:
        return _page(request, c, 422, problems=[{"where": f"{p.column} 第 {p.row} 行", "field": "", "message": p.message}
                                                 for p in refused.problems], filename=file.filename)
    except Refused as refused:
        return _page(request, c, status_of(refused), error=refused.message)
    return _page(request, c, status, filename=file.filename, **context)


def _candidate(text: str, version: str):
    try:
        data = json.loads(text)
    except ValueError:
        raise Invalid("rulebook", "表单中的考评标准不完整,请重新上传文件") from None
    if not isinstance(data, dict) or data.get("version") != version:
        raise Invalid("rulebook", "表单中的考评标准与版本号不一致,请重新上传文件")
    return data


@router.post("/ui/rulebooks/adopt", response_class=HTMLResponse, dependencies=[Csrf])
def adopt(request: Request, who: Office, version: Annotated[str, Form(max_length=32, pattern=VERSION_PATTERN)],
          rulebook: Annotated[str, Form(max_length=MAX_UPLOAD)],
          idempotency_key: Annotated[str, Form(min_length=8, max_length=200)]) -> HTMLResponse:
    c = container(request)
    try:
        data = _candidate(rulebook, version)
        key = Idempotency(actor=who.username, key=idempotency_key, fingerprint=f"rulebook {version} {rulebook}")
        saved, warnings = c.rulebooks.adopt(who.username, version, data, idempotency=key)
    except InvalidAll as refused:
        return _page(request, c, 422, problems=[{"where": "", "field": f, "message": m} for f, m in refused.problems],
                     version=version)
    except Refused as refused:
        return _page(request, c, status_of(refused), error=refused.message)
    return _page(request, c, 201, adopted={"version": version, "changed": not saved.replayed,
                                           "warnings": [w.as_dict() for w in warnings]})


@router.post("/ui/rulebooks/preview", response_class=HTMLResponse, dependencies=[Csrf])
def preview(request: Request, _: Office, version: Annotated[str, Form(max_length=32, pattern=VERSION_PATTERN)],
            rulebook: Annotated[str, Form(max_length=MAX_UPLOAD)], choice: Annotated[str, Form(max_length=20)]
            ) -> HTMLResponse:
    """The standings of a period under the uploaded version, beside the standings now: nothing is
    written, the version is not loaded. `choice`: the kind and the period ("hall 2022")."""
    c = container(request)
    kind, _, period = choice.partition(" ")
    try:
        if kind not in KINDS:
            raise Invalid("choice", "请选择考评期")
        data = _candidate(rulebook, version)
        status, context = _checked_context(c, version, data, None)
        if context.get("checked") is None:
            return _page(request, c, status, **context)
        the_period = parse_period(period)
        check_period_kind(the_period, kind)
        candidate = context["checked"]["rulebook"]
        _, now = c.ledger.projection.standings(kind, the_period.id)
        _, then = c.rulebooks.preview(kind, the_period.id, candidate)
    except Refused as refused:
        return _page(request, c, status_of(refused), error=refused.message)
    before = {i["subject_id"]: i for i in now}
    rows = [{**i, "now": before.get(i["subject_id"])} for i in then]
    return _page(request, c, status, preview={"kind": kind, "period": the_period.id, "rows": rows,
                                              "governing": c.ledger.rulebook_for(the_period).version}, **context)
