"""The auditor's page: the hash chain's head, the last verification and who ran it, and a
button to verify now (the result is kept in the log). A subject's score at an earlier moment
is on the subject page; a record's history on the record page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from service.application.verifications import last_verification, verify_and_record
from service.http.security import Ledgers, container
from service.http.web.render import page
from service.http.web.session import Allowed, Csrf

router = APIRouter(include_in_schema=False)
Auditor = Allowed("read_trail")


@router.get("/ui/audit", response_class=HTMLResponse)
def audit_page(request: Request, c: Ledgers, _: Auditor) -> HTMLResponse:
    return page(request, "web/audit.html", "审计", head=c.ledger.projection.chain_head(),
                last=last_verification(c.ledger), trail=c.ledger.projection.audit_log(None, None, None, None, 20))


@router.post("/ui/audit/verify", dependencies=[Csrf])
def verify_now(request: Request, who: Auditor) -> RedirectResponse:
    c = container(request)
    verify_and_record(c.ledger, who.username, c.checkpoints)
    return RedirectResponse("/ui/audit", status_code=303)
