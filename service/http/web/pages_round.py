"""The round's actions at the desk (close, tie decision, notice, final). Each goes through a
confirmation page that says what will happen, then a POST with the CSRF token."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.errors import Invalid, Refused
from domain.periods import beijing
from service.application.ledger import Idempotency
from service.application.rounds import round_public
from service.http.errors import status_of
from service.http.security import container
from service.http.web.render import message, page
from service.http.web.session import Allowed, Csrf

router = APIRouter(include_in_schema=False)
Office = Allowed("run_round")
Kind = Literal["worker", "window", "hall"]
Action = Literal["close", "tie", "notice", "final"]
ACTIONS = {
    "close": ("截止本期", "本期将截止:排名冻结在当前的日志位置,此后本期不能再新增记录(更正须走申诉)。"),
    "tie": ("确定并列人选", "领导小组在并列于名额线上的对象中作出选择,选择结果写入日志,不可删除。"),
    "notice": ("发布公示", "按当前建议名单发布公示,公示页面将对外公开(无需登录),公示期内可提出异议。"),
    "final": ("确定最终名单", "公示期已满且异议均已处理,名单将定案并对外通报,之后的更正只能以修订记录的方式进行。"),
}


def _round_context(c, kind: str, period_id: str) -> dict:
    period = c.rounds.period(kind, period_id)
    state = round_public(c.rounds, kind, period)
    proposal = c.rounds.proposal(kind, period) if state["status"] in ("closed", "notice") else None
    return {"kind": kind, "period": period, "state": state, "proposal": proposal, "warnings": _warnings(c, kind, period, state),
            "nominations": len(c.nominations.listing(period.id, kind)), "not_yet_final": _not_yet_final(c, state)}


def _not_yet_final(c, state: dict) -> str | None:
    """Why the list cannot be made final yet while the notice runs (None: it can)."""
    if state["status"] != "notice":
        return None
    ends = datetime.fromisoformat(state["notice_ends"])
    if c.clock.now() < ends:
        return f"公示期到 {beijing(ends)} 结束;届时如异议均已处理,系统会自动确定最终名单。"
    if state["objections"]["open"]:
        return f"公示期已满,但还有 {state['objections']['open']} 条异议未处理:处理后才能确定最终名单。"
    return None


def _warnings(c, kind: str, period, state: dict) -> list[str]:
    """What the office should know before closing by hand: the period has not ended, or
    nominations are still open (a subject not yet nominated could never be listed)."""
    if state["status"] != "open":
        return []
    now, warnings = c.clock.now(), []
    if now < period.ends:
        warnings.append(f"本期到 {beijing(period.ends)} 才结束,系统会在那时自动截止。现在提前截止,此后本期不能再记录任何扣分、"
                        "加分或考勤(更正只能走申诉)。")
    deadline = c.rounds.deadline(kind, period)
    if now < deadline:
        warnings.append(f"申报尚未截止(截止时间 {beijing(deadline)}):截止后不再接受申报,尚未申报的对象将不能进入建议名单。")
    return warnings


@router.get("/ui/rounds/{period}", response_class=HTMLResponse)
def round_page(request: Request, period: str, _: Office, kind: Kind = "worker", done: str | None = None
               ) -> HTMLResponse:
    c = container(request)
    context = _round_context(c, kind, period)
    return page(request, "web/round.html", "评选流程", actions=ACTIONS, done=ACTIONS[done][0] if done in ACTIONS else None,
                **context)


@router.get("/ui/rounds/{period}/confirm", response_class=HTMLResponse)
def confirm(request: Request, period: str, _: Office, action: Action, kind: Kind = "worker") -> HTMLResponse:
    c = container(request)
    context = _round_context(c, kind, period)
    title, consequence = ACTIONS[action]
    if action == "final" and context["not_yet_final"]:
        return message(request, f"现在不能{title}", context["not_yet_final"], 409,
                       f"/ui/rounds/{period}?kind={kind}")
    return page(request, "web/confirm.html", title, action=action, consequence=consequence,
                key=secrets.token_urlsafe(18), **context)


@router.post("/ui/rounds/{period}/{action}", dependencies=[Csrf])
def act(request: Request, period: str, action: Action, who: Office, kind: Annotated[Kind, Form()],
        idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
        chosen: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies the default
        note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    c = container(request)
    back = f"/ui/rounds/{period}?kind={kind}"
    key = Idempotency(actor=who.username, key=idempotency_key,
                      fingerprint=f"{action} {kind} {period} {sorted(chosen)} {note}")
    try:
        the_period = c.rounds.period(kind, period)
        if action == "close":
            c.rounds.close(who.username, kind, the_period, idempotency=key)
        elif action == "tie":
            if not note.strip():
                raise Invalid("note", "请填写领导小组的决定依据")
            c.rounds.decide_tie(who.username, kind, the_period, chosen, note.strip(), idempotency=key)
        elif action == "notice":
            c.rounds.publish_notice(who.username, kind, the_period, idempotency=key)
        else:
            c.rounds.finalise(who.username, kind, the_period, idempotency=key)
    except Refused as refused:
        return message(request, f"未能{ACTIONS[action][0]}", refused.message, status_of(refused), back)
    return RedirectResponse(f"{back}&done={action}", status_code=303)
