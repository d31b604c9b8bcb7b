"""The auditor's page: the hash chain's head, the last verification and who ran it, and a
button to verify now (the result is kept in the log). A subject's score at an earlier moment
is on the subject page; a record's history on the record page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from domain.errors import Invalid
from domain.periods import start_of_local_day
from projections.book import utc_text
from projections.lists import audit_page as audit_rows
from service.application.verifications import last_verification, verify_and_record
from service.http.security import Ledgers, container
from service.http.web.actions import ACTORS, FILTERS, describe, describe_detail
from service.http.web.render import page
from service.http.web.session import Allowed, Csrf

router = APIRouter(include_in_schema=False)
PAGE = 50
Auditor = Allowed("read_trail")


@router.get("/ui/audit", response_class=HTMLResponse)
def audit_page(request: Request, c: Ledgers, _: Auditor, actor: Annotated[str, Query(max_length=64)] = "",
               action: Annotated[str, Query(max_length=20)] = "", since: Annotated[str, Query(max_length=10)] = "",
               until: Annotated[str, Query(max_length=10)] = "", failed: bool = False,
               page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1) -> HTMLResponse:
    """The trail with filters (who, what, from and to which day, failures only) and pages of 50,
    each action in words; the chain's head and its last verification."""
    def day(text: str, field: str) -> str | None:
        if not text:
            return None
        try:
            return utc_text(start_of_local_day(date.fromisoformat(text)))
        except ValueError:
            raise Invalid(field, "日期格式不对,应为 年-月-日") from None

    upper = day(until, "until")
    if upper is not None:  # "until" includes that whole day
        upper = utc_text(start_of_local_day(date.fromisoformat(until) + timedelta(days=1)))
    count, rows = audit_rows(c.ledger.projection.store, day(since, "since"), upper, actor.strip() or None,
                             FILTERS.get(action), failed, (page_number - 1) * PAGE, PAGE)
    pages = max((count + PAGE - 1) // PAGE, 1)
    query = {"actor": actor, "action": action, "since": since, "until": until, "failed": "true" if failed else ""}
    trail = [{**r, "words": describe(r["action"]), "detail": describe_detail(r["detail"]),
              "who": ACTORS.get(r["actor"], r["actor"])} for r in rows]
    return page(request, "web/audit.html", "审计", head=c.ledger.projection.chain_head(),
                last=last_verification(c.ledger), trail=trail,
                count=count, pages=pages, page_number=min(page_number, pages), filters=query, actions=FILTERS,
                link=lambda n: "/ui/audit?" + urlencode({**{k: v for k, v in query.items() if v}, "page": n}))


@router.post("/ui/audit/verify", dependencies=[Csrf])
def verify_now(request: Request, who: Auditor) -> RedirectResponse:
    c = container(request)
    verify_and_record(c.ledger, who.username, c.checkpoints)
    return RedirectResponse("/ui/audit", status_code=303)
