"""Complaints entered at the desk (投诉: channel, when received, what was said), the office's
retraction of a wrong finding, and a unit's dispute (申诉) against a record, from the record's
page (reached from the subject's sheet or the worklist). Judging and ruling stay on the
worklist (待办). Each form calls the same command as the API."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.errors import Invalid, Refused
from domain.text import check_name
from domain.vocabulary import COMPLAINT_CHANNELS, field_name
from service.application.ledger import Idempotency
from service.http.errors import status_of
from service.http.security import Ledgers, container
from service.http.web.forms import beijing_time
from service.http.web.render import message, page
from service.http.web.session import Allowed, Csrf

router = APIRouter(include_in_schema=False)
Filer = Allowed("file_complaint")
Retractor = Allowed("retract")
Disputer = Allowed("file_dispute")


def _complaint_page(request: Request, c, status: int = 200, **context) -> HTMLResponse:
    projection = c.ledger.projection
    subjects = {k: projection.subjects_of_kind(k) for k in ("worker", "window", "hall")}
    return page(request, "web/complaint.html", "登记投诉", status=status, subjects=subjects, channels=COMPLAINT_CHANNELS,
                key=secrets.token_urlsafe(18), now=c.clock.now(), **{"values": {}, "error": None, **context})


@router.get("/ui/complaints/new", response_class=HTMLResponse)
def complaint_form(request: Request, c: Ledgers, _: Filer,
                   subject_id: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    return _complaint_page(request, c, values={"subject_id": subject_id})


@router.post("/ui/complaints", response_class=HTMLResponse, dependencies=[Csrf])
def file_complaint(request: Request, who: Filer, idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
                   subject_id: Annotated[str, Form(max_length=64)] = "",
                   channel: Annotated[str, Form(max_length=200)] = "",
                   received_at: Annotated[str, Form(max_length=40)] = "",
                   summary: Annotated[str, Form(max_length=2000)] = "") -> Response:
    c = container(request)
    values = {"subject_id": subject_id, "channel": channel, "received_at": received_at, "summary": summary}
    try:
        if not subject_id:
            raise Invalid("subject_id", "请选择被投诉的对象")
        if not received_at:
            raise Invalid("received_at", "请填写收到投诉的时间")
        if not summary.strip():
            raise Invalid("summary", "请填写投诉内容")
        c.complaints.file(who.username, subject_id, beijing_time(received_at, "received_at"),
                          check_name(channel, "channel"), summary.strip(),
                          idempotency=Idempotency(who.username, idempotency_key, repr(sorted(values.items()))))
    except Refused as refused:
        return _complaint_page(request, c, status=status_of(refused), values=values,
                               error=f"{field_name(refused.field)}:{refused.message}")
    return RedirectResponse("/ui/queues?done=registered#q-complaint", status_code=303)


@router.post("/ui/records/{record_id}/retraction", dependencies=[Csrf])
def retract(request: Request, record_id: str, who: Retractor,
            idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
            reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    c = container(request)
    back = f"/ui/records/{record_id}"
    try:
        if not reason.strip():
            raise Invalid("reason", "请填写撤销原因")
        c.records.retract(who.username, record_id, reason.strip(),
                          idempotency=Idempotency(who.username, idempotency_key, f"retract {record_id} {reason}"))
    except Refused as refused:
        return message(request, "未能撤销", refused.message, status_of(refused), back)
    return RedirectResponse(f"{back}?done=retracted", status_code=303)


@router.post("/ui/records/{record_id}/dispute", dependencies=[Csrf])
def dispute(request: Request, record_id: str, who: Disputer,
            idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
            grounds: Annotated[str, Form(max_length=2000)] = "") -> Response:
    c = container(request)
    back = f"/ui/records/{record_id}"
    try:
        if not grounds.strip():
            raise Invalid("grounds", "请填写申诉理由")
        c.disputes.file(who, record_id, grounds.strip(),
                        idempotency=Idempotency(who.username, idempotency_key, f"dispute {record_id} {grounds}"))
    except Refused as refused:
        return message(request, "未能提出申诉", refused.message, status_of(refused), back)
    return RedirectResponse(f"{back}?done=disputed", status_code=303)
