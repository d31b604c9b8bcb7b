"""The roster (花名册): halls → windows → workers as they stand today, with adding a subject,
renaming it (or changing its unit), and moving a window or worker to another parent from an
effective date. A whole roster file goes through the import page (考勤与导入)."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.errors import Invalid, Refused
from domain.periods import start_of_local_day
from domain.subjects import PARENT_KIND, Subject
from domain.text import check_name
from domain.vocabulary import field_name
from service.application.ledger import Idempotency
from service.http.errors import status_of
from service.http.security import Ledgers, container
from service.http.web.patrol import subject_tree
from service.http.web.render import page
from service.http.web.session import Allowed, Csrf

router = APIRouter(include_in_schema=False)
Manager = Allowed("manage_subjects")


def _tree(c) -> dict:
    projection = c.ledger.projection
    return subject_tree({k: projection.subjects_of_kind(k) for k in ("hall", "window", "worker")}, c.clock.now())


def _roster_page(request: Request, c, status: int = 200, **context) -> HTMLResponse:
    tree = _tree(c)
    query = context.pop("q", "")
    needle = query.lower()
    matched = {p["subject_id"] for p in tree["worker"]
               if needle in f"{p['name']} {p['code'] or ''} {p['unit']}".lower()}
    return page(request, "web/roster.html", "花名册", status=status, tree=tree, q=query, matched=matched,
                today=c.clock.now().date().isoformat(), key=secrets.token_urlsafe(18),
                **{"values": {}, "error": None, "done": None, **context})


def _effective(text: str):
    try:
        return start_of_local_day(date.fromisoformat(text))
    except ValueError:
        raise Invalid("effective_date", "生效日期格式不对,应为 年-月-日") from None


@router.get("/ui/roster", response_class=HTMLResponse)
def roster(request: Request, c: Ledgers, _: Manager, q: Annotated[str, Query(max_length=64)] = "",
           done: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    return _roster_page(request, c, q=q.strip(), done=done or None)


@router.post("/ui/roster", response_class=HTMLResponse, dependencies=[Csrf])
def add(request: Request, who: Manager, idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
        kind: Annotated[str, Form(max_length=10)] = "", name: Annotated[str, Form(max_length=200)] = "",
        unit: Annotated[str, Form(max_length=200)] = "", code: Annotated[str, Form(max_length=64)] = "",
        parent_id: Annotated[str, Form(max_length=64)] = "",
        effective_date: Annotated[str, Form(max_length=10)] = "") -> Response:
    c = container(request)
    values = {"kind": kind, "name": name, "unit": unit, "code": code, "parent_id": parent_id,
              "effective_date": effective_date}
    try:
        parent = parent_id or None
        if kind in PARENT_KIND and parent:  # the parent picker lists halls and windows together
            parent_kind = c.ledger.get(Subject, parent, "parent_id").kind
            if parent_kind != PARENT_KIND[kind]:
                raise Invalid("parent_id", f"请为{ {'window': '窗口', 'worker': '工作人员'}[kind]}选择一个"
                                           f"{ {'hall': '大厅', 'window': '窗口'}[PARENT_KIND[kind]]}作为上级")
        saved = c.roster.create(who.username, kind, check_name(name, "name"), check_name(unit, "unit"),
                                check_name(code, "code") if code.strip() else None,
                                None if kind == "hall" else parent,
                                _effective(effective_date) if effective_date else None,
                                idempotency=Idempotency(who.username, idempotency_key, repr(sorted(values.items()))))
    except Refused as refused:
        return _roster_page(request, c, status=status_of(refused), values=values,
                            error=f"{field_name(refused.field)}:{refused.message}")
    return RedirectResponse(f"/ui/roster/{saved.id}?done=已新增", status_code=303)


@router.get("/ui/roster/{subject_id}", response_class=HTMLResponse)
def subject(request: Request, subject_id: str, c: Ledgers, _: Manager,
            done: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    return _subject_page(request, c, subject_id, done=done or None)


def _subject_page(request: Request, c, subject_id: str, status: int = 200, **context) -> HTMLResponse:
    aggregate = c.ledger.get(Subject, subject_id, "subject_id")
    row = c.ledger.projection.subject(str(aggregate.id))
    parents = c.ledger.projection.subjects_of_kind(PARENT_KIND[aggregate.kind]) if aggregate.kind in PARENT_KIND else []
    names = {p["subject_id"]: p["name"] for p in parents}
    history = [{"effective_at": e, "parent": names.get(p, p)} for e, p in aggregate.assignments]
    return page(request, "web/roster_subject.html", row["name"], status=status, subject=row, aggregate=aggregate,
                parents=parents, current=aggregate.parent_at(c.clock.now()), history=history,
                today=c.clock.now().date().isoformat(), key=secrets.token_urlsafe(18),
                **{"error": None, "done": None, **context})


@router.post("/ui/roster/{subject_id}/rename", response_class=HTMLResponse, dependencies=[Csrf])
def rename(request: Request, subject_id: str, who: Manager, idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
           name: Annotated[str, Form(max_length=200)] = "", unit: Annotated[str, Form(max_length=200)] = "") -> Response:
    c = container(request)
    try:
        c.roster.rename(who.username, subject_id, check_name(name, "name"), check_name(unit, "unit"),
                        idempotency=Idempotency(who.username, idempotency_key, f"rename {subject_id} {name} {unit}"))
    except Refused as refused:
        return _subject_page(request, c, subject_id, status=status_of(refused),
                             error=f"{field_name(refused.field)}:{refused.message}")
    return RedirectResponse(f"/ui/roster/{subject_id}?done=已更名", status_code=303)


@router.post("/ui/roster/{subject_id}/assignment", response_class=HTMLResponse, dependencies=[Csrf])
def reassign(request: Request, subject_id: str, who: Manager,
             idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
             parent_id: Annotated[str, Form(max_length=64)] = "",
             effective_date: Annotated[str, Form(max_length=10)] = "") -> Response:
    c = container(request)
    try:
        if not parent_id:
            raise Invalid("parent_id", "请选择调往的上级")
        c.roster.reassign(who.username, subject_id, parent_id, _effective(effective_date),
                          idempotency=Idempotency(who.username, idempotency_key,
                                                  f"move {subject_id} {parent_id} {effective_date}"))
    except Refused as refused:
        return _subject_page(request, c, subject_id, status=status_of(refused),
                             error=f"{field_name(refused.field)}:{refused.message}")
    return RedirectResponse(f"/ui/roster/{subject_id}?done=已调动,自 {effective_date} 起生效", status_code=303)
