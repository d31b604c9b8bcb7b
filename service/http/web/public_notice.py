"""The public notice (公示) as a plain Chinese page: no login, no JavaScript, and a form to
lodge an objection (异议) that works as an ordinary HTML form."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from domain.errors import Refused
from domain.periods import SHANGHAI
from domain.vocabulary import COUNTING_WORD, period_name
from service.http.hardening import client_address
from service.http.security import container
from service.http.web.render import templates

router = APIRouter(tags=["public notice"])


def _local(moment) -> str:
    local = moment.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _message(request: Request, title: str, message: str, status: int, back: str | None = None) -> HTMLResponse:
    return templates.TemplateResponse(request, "message.html", {"title": title, "message": message, "back": back},
                                      status_code=status)


@router.get("/notice/{period}", response_class=HTMLResponse, summary="The public notice page (公示), no login")
def notice_page(request: Request, period: str,
                kind: Annotated[Literal["worker", "window", "hall"], Query()] = "worker") -> HTMLResponse:
    c = container(request)
    try:
        the_period = c.rounds.period(kind, period)
    except Refused as refused:
        return _message(request, "公示", refused.message, 422)
    found = c.rounds.round(kind, the_period)
    award, unit_word = c.ledger.rulebook_for(the_period).category(kind).title, COUNTING_WORD[kind]
    if found is None or found.notice is None:
        return _message(request, "公示", f"{period_name(the_period)}“{award}”评选结果尚未公示。", 404)
    final = found.final is not None
    items = found.final["list"] if final else found.notice["listed"]
    settings = c.settings
    title = f"关于{period_name(the_period)}“{award}”评选结果的{'通报' if final else '公示'}"
    return templates.TemplateResponse(request, "notice.html", {
        "title": title, "status": found.status, "award": award, "unit_word": unit_word, "count": len(items),
        "items": items, "removed": found.final["removed"] if final else [], "period": period, "kind": kind,
        "period_name": period_name(the_period), "year": the_period.year, "county": settings.county,
        "office": settings.office_name, "phone": settings.office_phone,
        "starts": _local(found.notice["starts"]), "ends": _local(found.notice["ends"]),
        "open": c.clock.now() < found.notice["ends"], "published": _local(found.notice["starts"]).split(" ")[0],
        "chain_head": (found.final or found.notice)["chain_head"],
    })


@router.post("/notice/{period}/objections", response_class=HTMLResponse,
             summary="Lodge an objection from the notice page's form")
def objection_form(request: Request, period: str, kind: Annotated[Literal["worker", "window", "hall"], Form()],
                   subject_id: Annotated[str, Form(max_length=64)], text: Annotated[str, Form(max_length=2000)],
                   contact: Annotated[str, Form(max_length=200)] = "") -> HTMLResponse:
    c = container(request)
    back = f"/notice/{period}?kind={kind}"
    if not text.strip():
        return _message(request, "异议未提交", "请填写异议内容。", 422, back)
    if not request.app.state.objection_limit.allow(client_address(request) or "unknown"):
        return _message(request, "异议未提交", "提交过于频繁,请稍后再试。", 429, back)
    try:
        the_period = c.rounds.period(kind, period)
        address = client_address(request)
        c.rounds.lodge_objection(kind, the_period, subject_id, text.strip(), contact.strip() or None, address)
    except Refused as refused:
        return _message(request, "异议未提交", refused.message, 409 if "公示期" in refused.message else 422, back)
    return _message(request, "异议已收到", "您的异议已收到,我们将认真核实并依规处理。感谢您的监督。", 201, back)
