"""The office's desk (考评台): standings per kind and period with veto badges, a subject's
sheet with the running score and the auditor's timeline, and a record's history."""

from __future__ import annotations

import secrets
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from domain.errors import Invalid
from domain.periods import check_period_kind, parse_period
from domain.records import Record
from domain.subjects import Subject
from service.application.history import record_history
from service.http.security import Ledgers, in_scope, require_scope
from service.http.web.desk import (
    PAGE_SIZE,
    SORTS,
    chart,
    chosen_period,
    deductions_chart,
    entry_rows,
    filtered,
    period_choices,
    self_scores,
    sheet,
    sorted_items,
    totals_chart,
)
from service.http.web.render import page
from service.http.web.session import Viewer, may

router = APIRouter(include_in_schema=False)
Kind = Literal["worker", "window", "hall"]


@router.get("/ui/desk", response_class=HTMLResponse)
def desk(request: Request, c: Ledgers, who: Viewer, kind: Kind = "worker", period: str | None = None,
         rulebook: Annotated[str | None, Query(max_length=32)] = None,
         q: Annotated[str, Query(max_length=64)] = "", unit: Annotated[str, Query(max_length=200)] = "",
         vetoed: Literal["", "yes", "no"] = "", nominated: Literal["", "yes", "no"] = "",
         sort: Literal["rank", "total", "name", "unit"] = "rank", order: Literal["asc", "desc"] = "asc",
         page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1) -> HTMLResponse:
    """Standings with search (name, 工号, unit), filters, sorting and paging, the export link,
    and two charts: the spread of totals and the most frequent deductions by unit. With
    `rulebook` (another version than the period's), a preview re-scored under it beside the
    standings now, changing nothing."""
    the_period = chosen_period(c, kind, period)
    governing = c.ledger.rulebook_for(the_period)
    position, everything = c.ledger.projection.standings(kind, the_period.id)
    shown = c.rulebooks.get(rulebook) if rulebook and rulebook != governing.version else governing
    now = None
    if shown is not governing:
        now = {i["subject_id"]: i for i in everything}
        position, everything = c.rulebooks.preview(kind, the_period.id, shown)
    everything = [i for i in everything if in_scope(who, i["unit"])]
    units = sorted({i["unit"] for i in everything})
    items = sorted_items(filtered(everything, q, unit, vetoed, nominated), sort, order == "desc")
    pages = max((len(items) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page_number = min(page_number, pages)
    on_page = items[(page_number - 1) * PAGE_SIZE: page_number * PAGE_SIZE]
    query = {"kind": kind, "period": the_period.id, "rulebook": shown.version, "q": q, "unit": unit,
             "vetoed": vetoed, "nominated": nominated}
    return page(request, "web/desk.html", "考评台", kind=kind, period=the_period, periods=period_choices(c, kind),
                items=on_page, matched=len(items), everything=len(everything), position=position,
                vetoed_count=sum(1 for i in everything if i["vetoed"]), round_status=c.rounds.status(kind, the_period),
                quota=c.rounds.quota(kind, the_period), runs_round=may(who, "run_round"), units=units,
                filters=query, sort=sort, order=order, sorts=SORTS, page_number=page_number, pages=pages,
                link=lambda **change: "/ui/desk?" + urlencode({**query, "sort": sort, "order": order, **change}),
                totals_chart=totals_chart(everything, kind),
                deductions_chart=deductions_chart(c, kind, the_period, set(units)),
                versions=c.ledger.library().versions(), governing=governing.version, shown=shown.version, now=now,
                rule_texts={r.id: r.criterion for r in shown.category(kind).rules()})


@router.get("/ui/subjects/{subject_id}", response_class=HTMLResponse)
def subject_page(request: Request, subject_id: str, c: Ledgers, who: Viewer, period: str | None = None,
                 at: Annotated[str | None, Query(max_length=40)] = None,
                 position: Annotated[str | None, Query(max_length=20)] = None) -> HTMLResponse:
    """`at` and `position` come from one form: an empty field means "not asked"."""
    aggregate = c.ledger.get(Subject, subject_id, "subject_id")
    require_scope(who, aggregate.unit)
    subject = c.ledger.projection.subject(str(aggregate.id))
    the_period = chosen_period(c, aggregate.kind, period)
    check_period_kind(the_period, aggregate.kind)
    if position and not position.isdigit():
        raise Invalid("position", "日志位置必须是非负整数")
    asked = int(position) if position else None
    shown = sheet(c, subject, the_period, at or None, asked)
    # The version the card was scored under: as the log stood then, for a card as of then.
    rulebook = c.ledger.projection.rulebook_of(the_period.id, shown["position"] if shown["as_of"] else None)
    own = self_scores(c, subject["subject_id"], the_period)
    sections = [{**s, "self": own.get(s["id"])} for s in shown["card"]["sections"]]
    return page(request, "web/subject.html", subject["name"], subject=subject, period=the_period,
                periods=period_choices(c, aggregate.kind), shown=shown, card=shown["card"], sections=sections,
                entries=entry_rows(c, shown["card"], rulebook), chart=chart(c, subject, the_period, shown["card"], rulebook),
                nominated=bool(own), at=at or "", asked_position=asked, live_position=c.ledger.projection.position(),
                may_complain=may(who, "file_complaint"), may_nominate=may(who, "nominate"),
                nomination_id=c.ledger.projection.nomination_of(subject["subject_id"], the_period.id))


@router.get("/ui/records/{record_id}", response_class=HTMLResponse)
def record_page(request: Request, record_id: str, c: Ledgers, who: Viewer, done: str | None = None) -> HTMLResponse:
    """The record's history, and what may still be done about it: the office retracts a wrong
    finding while its period is open; the subject's unit (or the office) disputes it (申诉)."""
    history = record_history(c.ledger, record_id)
    subject = c.ledger.projection.subject(history["subject_id"]) or {"name": history["subject_id"], "unit": ""}
    require_scope(who, subject["unit"], "record_id")
    record = c.ledger.get(Record, record_id, "record_id")
    open_periods = all(c.ledger.is_open(parse_period(t["period"]), c.ledger.rulebook_for(parse_period(t["period"]))
                                        .kind_of_rule(t["rule_id"])) for t in record.counts_in)
    return page(request, "web/record.html", "记录的历史", history=history, subject=subject, record=record,
                may_retract=may(who, "retract") and record.effective and open_periods,
                may_dispute=may(who, "file_dispute") and record.effective and record.open_dispute is None
                and in_scope(who, subject["unit"]),
                closed=not open_periods, key=secrets.token_urlsafe(18),
                done={"retracted": "已撤销:这条记录不再计分,仍保留在历史中。",
                      "disputed": "申诉已提交,等待考评办裁决(在待办中)。"}.get(done or ""))
