"""Patrol capture (巡查记录), phone first: pick hall → window → worker, the rule, quantity, a
note and up to three photos. Each submission carries its own Idempotency-Key, so a resend
(a double tap, or the offline queue of static/patrol.js after a lost answer) records once."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from domain.errors import Invalid, Refused
from domain.evidence import MAX_BYTES
from domain.periods import SHANGHAI
from domain.records import Record
from service.application.ledger import Idempotency
from service.http.api.evidence import evidence_response
from service.http.errors import status_of
from service.http.security import Ledgers, container
from service.http.web.patrol import MAX_PHOTOS, fingerprint, read_finding, recordable_rules, subject_tree
from service.http.web.render import page, wants_json
from service.http.web.session import Allowed, Csrf, Viewer

router = APIRouter(include_in_schema=False)
Recorder = Allowed("record")


def _form_page(request: Request, c, status: int = 200, error: str | None = None, values: dict | None = None,
               sent: str | None = None) -> HTMLResponse:
    projection, now = c.ledger.projection, c.clock.now()
    rows = {kind: projection.subjects_of_kind(kind) for kind in ("hall", "window", "worker")}
    rulebook = c.ledger.library().in_force_on(now.astimezone(SHANGHAI).date())
    return page(request, "web/patrol.html", "巡查记录", status=status, error=error, values=values or {},
                tree=subject_tree(rows, now), rule_groups=recordable_rules(rulebook), rulebook=rulebook.version,
                key=secrets.token_urlsafe(18), sent=sent, max_photos=MAX_PHOTOS)


@router.get("/ui/patrol", response_class=HTMLResponse)
def patrol_form(request: Request, c: Ledgers, _: Recorder, sent: str | None = None,
                hall_id: Annotated[str, Query(max_length=64)] = "", window_id: Annotated[str, Query(max_length=64)] = "",
                worker_id: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    return _form_page(request, c, sent=sent, values={"hall_id": hall_id, "window_id": window_id, "worker_id": worker_id})


@router.post("/ui/patrol", dependencies=[Csrf])
def submit(
    request: Request,
    who: Recorder,
    idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
    rule_id: Annotated[str, Form(max_length=16)] = "",
    hall_id: Annotated[str, Form(max_length=64)] = "",
    window_id: Annotated[str, Form(max_length=64)] = "",
    worker_id: Annotated[str, Form(max_length=64)] = "",
    quantity: Annotated[str, Form(max_length=8)] = "1",
    points: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    source: Annotated[str, Form(max_length=32)] = "patrol",
    occurred_at: Annotated[str, Form(max_length=40)] = "",
    device_time: Annotated[str, Form(max_length=40)] = "",
    photos: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies the default
) -> Response:
    c = container(request)
    answer_json = wants_json(request)
    form = {"rule_id": rule_id, "hall_id": hall_id, "window_id": window_id, "worker_id": worker_id,
            "quantity": quantity, "points": points, "note": note, "source": source, "occurred_at": occurred_at,
            "device_time": device_time}
    try:
        finding = read_finding(form, c.clock.now())
        chosen = [p for p in photos if p.filename or p.size]
        if len(chosen) > MAX_PHOTOS:
            raise Invalid("photos", f"最多上传 {MAX_PHOTOS} 张照片")
        evidence = []
        for photo in chosen:
            data = photo.file.read(MAX_BYTES + 1)
            try:
                saved = c.nominations.store_evidence(who.username, photo.filename or "photo", data)
            except Refused as refused:
                raise Invalid("photos", f"照片 {photo.filename}:{refused.message}") from None
            evidence.append(saved.id)
        key = Idempotency(actor=who.username, key=idempotency_key, fingerprint=fingerprint(form, evidence))
        saved = c.records.record(who.username, finding.subject_id, finding.rule_id, finding.occurred_at, finding.source,
                                finding.note, finding.quantity, finding.points, evidence, idempotency=key, who=who)
    except Refused as refused:
        status = status_of(refused)
        # The phone's clock is blamed only when the time was refused as lying ahead (422); a
        # period already closed (409) is said as such (review finding).
        if refused.field == "occurred_at" and not occurred_at and device_time and isinstance(refused, Invalid):
            refused = Invalid("device_time", f"手机上的时间({device_time[:16].replace('T', ' ')})比服务器时间"
                                             f"({c.clock.now().astimezone(SHANGHAI):%Y-%m-%d %H:%M})快,"
                                             "请校准手机时间,或在“发生时间”栏填写实际时间后重发。")
        if answer_json:
            return JSONResponse({"detail": [{"field": refused.field, "message": refused.message}]}, status_code=status)
        return _form_page(request, c, status=status, error=refused.message, values=form)
    record = c.ledger.get(Record, saved.id, "record_id")
    if answer_json:
        return JSONResponse({"id": saved.id, "rule_id": record.rule_id, "occurred_at": record.occurred_at.isoformat(),
                             "recorded_at": record.recorded_at.isoformat(), "replayed": saved.replayed},
                            status_code=200 if saved.replayed else 201)
    # Without the script: back to the form with the same hall, window and worker chosen.
    keep = urlencode({"sent": saved.id, "hall_id": hall_id, "window_id": window_id, "worker_id": worker_id})
    return RedirectResponse(f"/ui/patrol?{keep}", status_code=303)


@router.get("/ui/patrol/mine", response_class=HTMLResponse)
def mine(request: Request, c: Ledgers, who: Recorder, sent: str | None = None
         ) -> HTMLResponse:
    projection = c.ledger.projection
    items, subjects = [], {}
    for record_id in projection.authored_by(who.username, 30):
        record = c.ledger.get(Record, record_id, "record_id")
        if record.subject_id not in subjects:
            subjects[record.subject_id] = projection.subject(record.subject_id) or {"name": record.subject_id}
        subject = subjects[record.subject_id]
        state = "申诉中" if record.open_dispute else "已撤销" if not record.effective else "有效"
        items.append({"record": record, "subject": subject, "state": state})
    return page(request, "web/mine.html", "我的提交", items=items, sent=sent)


@router.get("/ui/evidence/{evidence_id}")
def evidence_file(evidence_id: str, request: Request, who: Viewer) -> Response:
    evidence, content_type, data = container(request).nominations.evidence_file(who, evidence_id)
    response = evidence_response(evidence, content_type, data)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
