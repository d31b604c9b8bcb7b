"""Nominations (申报): a unit administrator fills the annex 4-6 form of its own subject (the
section's criteria beside each self-score, a counter for the deeds, 1-3 photos) and follows its
nominations' state; the office lists every nomination of a period, filtered, and prints each
form. The same command as `POST /api/nominations` checks and saves."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.errors import Invalid, Refused
from domain.evidence import MAX_BYTES
from domain.nominations import MAX_DEEDS, PHOTOS, Nomination
from domain.subjects import Subject
from domain.vocabulary import NOMINATION_STATES, field_name
from service.application.ledger import Idempotency
from service.http.errors import status_of
from service.http.security import Ledgers, container, require_scope, sees_personal_details
from service.http.web.desk import chosen_period, period_choices
from service.http.web.render import page
from service.http.web.session import Allowed, Csrf, Viewer, may

router = APIRouter(include_in_schema=False)
Nominator = Allowed("nominate")
Kind = Literal["worker", "window", "hall"]
WORKER_FIELDS = [("name", "姓名", "text"), ("gender", "性别", "gender"), ("birth_month", "出生年月", "month"),
                 ("political_status", "政治面貌", "text"), ("unit_and_post", "工作单位及服务岗位", "text"),
                 ("work_start", "参加工作时间", "month")]
UNIT_FIELDS = [("name", "{what}名称", "text"), ("head", "{what}负责人姓名", "text"),
               ("head_post", "{what}负责人职务", "text"), ("head_count", "{what}人数", "number"),
               ("phone", "联系电话", "tel")]


def _fields(kind: str) -> list[tuple[str, str, str]]:
    if kind == "worker":
        return WORKER_FIELDS
    what = "窗口" if kind == "window" else "大厅"
    return [(name, label.format(what=what), widget) for name, label, widget in UNIT_FIELDS]


@router.get("/ui/nominations", response_class=HTMLResponse)
def nominations(request: Request, c: Ledgers, who: Viewer, kind: Kind = "worker", period: str | None = None,
                unit: Annotated[str, Query(max_length=200)] = "", state: Annotated[str, Query(max_length=20)] = "",
                done: str | None = None) -> HTMLResponse:
    """The office: every nomination of a period, filtered. A unit: its own, and its subjects
    that can still be nominated."""
    the_period = chosen_period(c, kind, period)
    own_unit = who.unit if who.role == "unit_admin" else None
    items = c.nominations.listing(the_period.id, kind, own_unit)
    units = sorted({i["unit"] for i in items})
    shown = [i for i in items if (not unit or i["unit"] == unit) and (not state or i["state"] == state)]
    nominated = {i["subject_id"] for i in items}
    candidates = []
    if may(who, "nominate"):
        candidates = [s for s in c.ledger.projection.subjects_of_kind(kind)
                      if s["subject_id"] not in nominated and (own_unit is None or s["unit"] == own_unit)]
    deadline = c.rounds.deadline(kind, the_period)
    return page(request, "web/nominations.html", "申报", kind=kind, period=the_period,
                periods=period_choices(c, kind), items=shown, total=len(items), units=units, unit=unit, state=state,
                states=NOMINATION_STATES, candidates=candidates, deadline=deadline,
                open=c.clock.now() < deadline and c.rounds.status(kind, the_period) == "open",
                may_nominate=may(who, "nominate"), done=done)


def _form_context(c, who, subject: dict, period) -> dict:
    category = c.ledger.rulebook_for(period).category(subject["kind"])
    existing_id = c.ledger.projection.nomination_of(subject["subject_id"], period.id)
    existing = c.ledger.get(Nomination, existing_id, "nomination_id") if existing_id else None
    values: dict = {"details": {}, "self_scores": {}, "deeds": "", "contact": "", "bonus_note": "", "photos": []}
    if existing is not None:
        values = {"details": dict(existing.details), "deeds": existing.deeds, "contact": existing.contact or "",
                  "bonus_note": existing.bonus_note or "", "photos": list(existing.photos),
                  "self_scores": {k: str(v) for k, v in existing.self_scores.items()}}
    return {"subject": subject, "period": period, "category": category, "fields": _fields(subject["kind"]),
            "criteria": {s.id: criteria_of(s) for s in category.scored_sections},
            "existing": existing, "values": values, "max_deeds": MAX_DEEDS, "photos_range": PHOTOS,
            "deadline": c.rounds.deadline(subject["kind"], period), "key": secrets.token_urlsafe(18)}


def criteria_of(section) -> list[tuple[str, str]]:
    """A section's criteria as the annex numbers them, each item once (a split item is two rules)."""
    seen, items = set(), []
    for rule in section.rules:
        key = (rule.item or rule.id, rule.text)
        if key not in seen:
            seen.add(key)
            items.append(key)
    return items


def _subject_for(c, who, subject_id: str) -> dict:
    aggregate = c.ledger.get(Subject, subject_id, "subject_id")
    require_scope(who, aggregate.unit)
    return c.ledger.projection.subject(str(aggregate.id))


@router.get("/ui/nominations/form", response_class=HTMLResponse)
def nomination_form(request: Request, c: Ledgers, who: Nominator, subject_id: Annotated[str, Query(max_length=64)],
                    period: str | None = None) -> HTMLResponse:
    subject = _subject_for(c, who, subject_id)
    the_period = chosen_period(c, subject["kind"], period)
    return page(request, "web/nomination_form.html", "填写申报表", **_form_context(c, who, subject, the_period))


@router.post("/ui/nominations/form", response_class=HTMLResponse, dependencies=[Csrf])
async def submit(request: Request, who: Nominator, subject_id: Annotated[str, Form(max_length=64)],
                 period: Annotated[str, Form(max_length=6)],
                 idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
                 photos: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies the default
                 ) -> Response:
    c = container(request)
    c.ledger.projection.catch_up()
    form = await request.form()
    subject = _subject_for(c, who, subject_id)
    the_period = chosen_period(c, subject["kind"], period)
    details = {name: str(form.get(f"details.{name}", "")).strip() for name, _, _ in _fields(subject["kind"])}
    text = {k: str(form.get(k, "")) for k in ("deeds", "contact", "bonus_note")}
    kept = [str(p) for p in form.getlist("keep_photo")]
    context = _form_context(c, who, subject, the_period)
    context["values"] = {"details": details, "deeds": text["deeds"], "contact": text["contact"],
                         "bonus_note": text["bonus_note"], "photos": kept,
                         "self_scores": {s.id: str(form.get(f"self.{s.id}", "")) for s in
                                         context["category"].scored_sections}}
    try:
        scores = {}
        for section in context["category"].scored_sections:
            given = str(form.get(f"self.{section.id}", "")).strip()
            try:
                scores[section.id] = Decimal(given)
            except InvalidOperation:
                raise Invalid(f"self_scores.{section.id}", f"{section.id} {section.title} 的自评分须填写数字") from None
        if subject["kind"] != "worker" and details.get("head_count", "").isdigit():
            details["head_count"] = int(details["head_count"])  # type: ignore[assignment]
        evidence = list(kept)
        for photo in [p for p in photos if p.filename or p.size]:
            data = await photo.read(MAX_BYTES + 1)
            try:
                evidence.append(c.nominations.store_evidence(who.username, photo.filename or "photo", data).id)
            except Refused as refused:
                raise Invalid("photos", f"照片 {photo.filename}:{refused.message}") from None
        fingerprint = repr((subject_id, period, sorted(details.items()), sorted(scores.items()), text, evidence))
        saved = c.nominations.submit(who, subject["subject_id"], the_period.id, details, scores, text["deeds"],
                                     evidence, text["contact"].strip() or None, text["bonus_note"].strip() or None,
                                     idempotency=Idempotency(who.username, idempotency_key, fingerprint))
    except Refused as refused:
        return page(request, "web/nomination_form.html", "填写申报表", status=status_of(refused),
                    error=f"{field_name(refused.field)}:{refused.message}", **context)
    return RedirectResponse(f"/ui/nominations/{saved.id}?saved=1", status_code=303)


@router.get("/ui/nominations/{nomination_id}", response_class=HTMLResponse)
def nomination_view(request: Request, nomination_id: str, c: Ledgers, who: Viewer, saved: bool = False) -> HTMLResponse:
    """The form as printed (申报推荐表), personal details masked outside the office and the unit."""
    nomination = c.ledger.get(Nomination, nomination_id, "nomination_id")
    require_scope(who, nomination.unit, "nomination_id")
    subject = c.ledger.projection.subject(nomination.subject_id)
    the_period = c.rounds.period(nomination.kind, nomination.period)
    category = c.ledger.rulebook_for(the_period).category(nomination.kind)
    details = dict(nomination.details)
    if not sees_personal_details(who, nomination.unit):
        details = {k: ("****" if k in ("birth_month", "phone") and v else v) for k, v in details.items()}
    [state] = [i["state"] for i in c.nominations.listing(the_period.id, nomination.kind)
               if i["nomination_id"] == nomination_id] or ["submitted"]
    return page(request, "web/nomination.html", "申报推荐表", nomination=nomination, subject=subject, details=details,
                fields=_fields(nomination.kind), category=category, period=the_period, state=NOMINATION_STATES[state],
                saved=saved, may_edit=may(who, "nominate") and c.clock.now() < c.rounds.deadline(nomination.kind, the_period),
                self_total=sum(Decimal(str(v)) for v in nomination.self_scores.values()))
