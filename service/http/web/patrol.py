"""What the patrol capture page needs, apart from HTTP: the county's halls, windows and
workers as they are assigned now, the rules that can be recorded grouped by section, and the
reading of a submitted form into the arguments of `Ledger.record`.

Times: the phone sends its own clock (`device_time`, with offset) at the moment the
inspector presses 提交; a submission queued offline keeps that time, so the finding's
occurrence is when it was seen and the server's receipt time (`recorded_at`) stands beside it.
An occurrence typed into the form (北京时间, for a finding written up later) takes precedence."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from domain.errors import Invalid
from domain.periods import check_moment
from domain.rulebook import COMPUTED_FROM_FIGURES, Rule, Rulebook
from domain.subjects import parent_at
from domain.vocabulary import EFFECT_LABELS
from service.http.web.forms import beijing_time

MAX_PHOTOS = 3


def _parent_now(row: dict, now: datetime) -> str | None:
    assignments = [[datetime.fromisoformat(e) if e else None, p] for e, p in row["assignments"]]
    return parent_at(assignments, now)


def subject_tree(rows: dict[str, list[dict]], now: datetime) -> dict[str, list[dict]]:
    """Halls, windows and workers for the pickers, each with the parent it has now."""
    windows = [{**w, "parent": _parent_now(w, now)} for w in rows["window"]]
    hall_of_window = {w["subject_id"]: w["parent"] for w in windows}
    workers = []
    for worker in rows["worker"]:
        window = _parent_now(worker, now)
        workers.append({**worker, "parent": window, "hall": hall_of_window.get(window)})
    return {"hall": rows["hall"], "window": windows, "worker": workers}


def rule_effect_label(rule: Rule) -> str:
    points = rule.points
    return {
        "deduct": f"每次扣 {points} 分",
        "veto": "一票否决",
        "bonus": f"加 {points} 分",
        "assess": "酌情扣分(填写分值)",
        "bonus-discretionary": "酌情加分(填写分值)",
        "count": "计次",
        "deduct-once": f"扣 {points} 分,每期只扣一次",
    }.get(rule.effect) or EFFECT_LABELS.get(rule.effect, rule.effect)


def recordable_rules(rulebook: Rulebook) -> list[dict]:
    """Sections with the rules an inspector may record (figures-based rules are computed)."""
    groups = []
    for kind in ("worker", "window", "hall"):
        for section in rulebook.category(kind).sections:
            rules = [{"id": r.id, "text": r.criterion, "effect": r.effect, "label": rule_effect_label(r)}
                     for r in section.rules if r.effect not in COMPUTED_FROM_FIGURES]
            if rules:
                groups.append({"kind": kind, "id": section.id, "title": section.title, "rules": rules})
    return groups


@dataclass(frozen=True)
class Finding:
    """A patrol form read and checked: what `Ledger.record` is called with."""

    subject_id: str
    rule_id: str
    occurred_at: datetime
    source: str
    note: str
    quantity: int
    points: Decimal | None


def read_finding(form: dict[str, str], now: datetime) -> Finding:
    subject_id = form.get("worker_id") or form.get("window_id") or form.get("hall_id") or ""
    if not subject_id:
        raise Invalid("subject_id", "请选择被记录的大厅、窗口或工作人员")
    rule_id = form.get("rule_id", "")
    if not rule_id:
        raise Invalid("rule_id", "请选择考评事项")
    try:
        quantity = int(form.get("quantity") or "1")
    except ValueError:
        raise Invalid("quantity", "次数必须是整数") from None
    points = None
    if form.get("points"):
        try:
            points = Decimal(form["points"])
        except InvalidOperation:
            raise Invalid("points", "分值必须是数字") from None
    return Finding(subject_id=subject_id, rule_id=rule_id, occurred_at=_occurrence(form, now),
                   source=form.get("source") or "patrol", note=(form.get("note") or "").strip(),
                   quantity=quantity, points=points)


def _occurrence(form: dict[str, str], now: datetime) -> datetime:
    if form.get("occurred_at"):
        return beijing_time(form["occurred_at"], "occurred_at")
    device = form.get("device_time")
    if device:
        try:
            moment = datetime.fromisoformat(device)
        except ValueError:
            raise Invalid("device_time", "手机时间格式不对") from None
        if moment.tzinfo is None:
            raise Invalid("device_time", "手机时间必须带时区偏移")
        return check_moment(moment, "device_time")
    return now


def fingerprint(form: dict[str, str], evidence_ids: list[str]) -> str:
    """The submission as given (fields and photos; an evidence id is derived from its file's
    SHA-256), so that a resend is recognised and another submission under the same key refused."""
    fields = {k: v for k, v in form.items() if k not in ("csrf", "idempotency_key")}
    body = json.dumps({"fields": fields, "photos": sorted(evidence_ids)}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(b"POST /ui/patrol\n" + body.encode()).hexdigest()
