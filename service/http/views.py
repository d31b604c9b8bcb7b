"""The public JSON form of each resource, built from its aggregate (write side) so that a
write's answer never waits for the read model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.complaints import Complaint
from domain.figures import HallFigures
from domain.records import Record
from domain.scoring import number
from domain.subjects import Subject


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def subject_public(subject: Subject, now: datetime) -> dict[str, Any]:
    return {
        "id": str(subject.id),
        "kind": subject.kind,
        "name": subject.name,
        "unit": subject.unit,
        "code": subject.code,
        "parent_id": subject.parent_at(now),
        "assignments": [{"parent_id": p, "effective_at": _time(e)} for e, p in subject.assignments],
    }


def counts_in(targets: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    """Where a record counts now (the read model's entries: a worker's veto on its window too,
    as the roster is known)."""
    return [{"subject_id": s, "period": p, "rule_id": r} for s, p, r in targets]


def record_public(record: Record, position: int | None, targets: list[tuple[str, str, str]]) -> dict[str, Any]:
    own = [t["period"] for t in record.counts_in if t["subject_id"] == record.subject_id]
    body = {
        "id": str(record.id),
        "subject_id": record.subject_id,
        "rule_id": record.rule_id,
        "occurred_at": _time(record.occurred_at),
        "recorded_at": _time(record.recorded_at),
        "source": record.source,
        "note": record.note,
        "quantity": record.quantity,
        "points": None if record.points is None else number(record.points),
        "evidence": record.evidence,
        "actor": record.actor,
        "period": own[0] if own else None,
        "counts_in": counts_in(targets),
        "position": position,
        "effective": record.effective,
        "retraction": None if record.retraction is None else {
            **record.retraction, "recorded_at": _time(record.retraction["recorded_at"])},
    }
    if record.attendance is not None:
        body["attendance"] = record.attendance
    return body


def complaint_public(complaint: Complaint, position: int | None, targets: list[tuple[str, str, str]]) -> dict[str, Any]:
    own = [t["period"] for t in complaint.counts_in if t["subject_id"] == complaint.subject_id]
    return {
        "id": str(complaint.id),
        "subject_id": complaint.subject_id,
        "received_at": _time(complaint.received_at),
        "recorded_at": _time(complaint.recorded_at),
        "channel": complaint.channel,
        "summary": complaint.summary,
        "status": complaint.status,
        "period": own[0] if own else None,
        "counts_in": counts_in(targets),
        "position": position,
        "verdict": None if complaint.verdict is None else {
            **complaint.verdict, "recorded_at": _time(complaint.verdict["recorded_at"])},
    }


def figures_public(figures: HallFigures) -> dict[str, Any]:
    reported = dict(figures.figures)
    if reported.get("satisfaction_rate") is not None:
        reported["satisfaction_rate"] = number(reported["satisfaction_rate"])
    return {"hall_id": figures.hall_id, "year": figures.year, **{k: reported.get(k) for k in
            ("case_volume", "wrong_elements", "systems_missing", "satisfaction_rate")}}
