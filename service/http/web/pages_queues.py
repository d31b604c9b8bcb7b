"""The office's worklists (待办): open complaints, objections and disputes, oldest first, each
with what was said and, for the office, a ruling form (the same commands as the API's)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.complaints import Complaint
from domain.disputes import Dispute
from domain.errors import Refused
from domain.objections import Objection
from domain.vocabulary import ROLES
from service.application.ledger import Idempotency
from service.application.services import Container
from service.http.errors import status_of
from service.http.security import Ledgers, container, in_scope
from service.http.web.desk import period_choices
from service.http.web.render import message, page
from service.http.web.session import Csrf, Signed, Viewer, may

router = APIRouter(include_in_schema=False)
SHOWN = 100
DISPUTABLE_SHOWN = 30


@dataclass(frozen=True)
class Queue:
    title: str
    aggregate: type
    says: Callable[[object], str]      # what the complaint, objection or dispute says
    permission: str                     # who may rule (service/security.py)
    yes: str
    no: str
    warning: str                        # what the office should know before ruling
    rule: Callable[[Container, str, str, bool, str, Idempotency], object]


PUBLISHED_NOTE = "若异议成立,这里填写的说明将作为不列入名单的理由,写进对外公开的通报。请勿填写举报人信息等不宜公开的内容。"
DISPUTE_NOTE = "申诉成立将撤销该记录;考评期已截止的,会修订已冻结的排名并留下记录。"
QUEUES = {
    "complaint": Queue("待核实的投诉", Complaint, lambda a: f"{a.channel}:{a.summary}", "judge_complaint", "查实(计入考评)",
                       "不属实", "",
                       lambda c, actor, i, yes, note, key: c.complaints.judge(actor, i, yes, note, idempotency=key)),
    "objection": Queue("待处理的异议(公示期)", Objection, lambda a: a.text, "rule_objection", "异议成立(不列入名单)",
                       "异议不成立", PUBLISHED_NOTE,
                       lambda c, actor, i, yes, note, key: c.rounds.rule_objection(actor, i, yes, note, idempotency=key)),
    "dispute": Queue("待裁决的申诉", Dispute, lambda a: a.grounds, "rule_dispute", "申诉成立(撤销该记录)", "申诉不成立",
                     DISPUTE_NOTE, lambda c, actor, i, yes, note, key: c.disputes.rule(actor, i, yes, note, idempotency=key)),
}


DONE = {"1": "已处理,结果已记入台账。", "registered": "投诉已登记,等待核实(见下方“待核实的投诉”)。"}


@router.get("/ui/queues", response_class=HTMLResponse)
def queues(request: Request, c: Ledgers, who: Viewer, done: str | None = None) -> HTMLResponse:
    lists = []
    for kind, queue in QUEUES.items():
        found = c.ledger.projection.open_items(kind, SHOWN, who.unit if who.role == "unit_admin" else None)
        items = []
        for item in found["items"]:
            if not in_scope(who, item["unit"] or ""):
                continue
            aggregate = c.ledger.find(queue.aggregate, UUID(item["item_id"]))
            items.append({**item, "says": queue.says(aggregate) if aggregate else ""})
        lists.append({"kind": kind, "queue": queue, "count": found["count"], "items": items,
                      "may_rule": may(who, queue.permission)})
    disputable = _disputable(c, who) if who.role == "unit_admin" else []
    return page(request, "web/queues.html", "待办", lists=lists, shown=SHOWN, key=secrets.token_urlsafe(18),
                done=DONE.get(done or ""), disputable=disputable)


def _disputable(c: Container, who) -> list[dict]:
    """A unit's latest deductions in the current periods that it may still dispute (申诉)."""
    found = []
    for kind in ("worker", "window", "hall"):
        period = period_choices(c, kind)[0]
        _, items = c.ledger.projection.standings(kind, period.id)
        for item in items:
            if not in_scope(who, item["unit"]):
                continue
            card = c.ledger.projection.card(c.ledger.projection.subject(item["subject_id"]), period.id)
            found += [{**e, "name": item["name"], "period": period.id} for e in card["entries"]
                      if e["effective"] and e["record_id"] and e["origin"] in ("record", "attendance") and e["delta"] < 0]
    return sorted(found, key=lambda e: e["recorded_at"] or "", reverse=True)[:DISPUTABLE_SHOWN]


@router.post("/ui/queues/{kind}/{item_id}", dependencies=[Csrf])
def rule(request: Request, kind: Literal["complaint", "objection", "dispute"], item_id: str, who: Signed,
         upheld: Annotated[bool, Form()], idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
         note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    queue = QUEUES[kind]
    if not may(who, queue.permission):
        return message(request, "无法完成", f"您的角色({ROLES.get(who.role, who.role)})无权处理此事项。", 403, "/ui/queues")
    c = container(request)
    key = Idempotency(actor=who.username, key=idempotency_key, fingerprint=f"{kind} {item_id} {upheld} {note}")
    try:
        queue.rule(c, who.username, item_id, upheld, note.strip(), key)
    except Refused as refused:
        return message(request, "未能处理", refused.message, status_of(refused), "/ui/queues")
    return RedirectResponse("/ui/queues?done=1", status_code=303)
