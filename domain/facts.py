"""What a subject's scorecard for one period is computed from, and how events change it.

`changes_of(event)` says which (subject, period) pairs an event touches and how; `apply`
folds one change into that pair's facts. The live projection and the audit replay both use
exactly these two functions and then `scoring.score`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.complaints import Complaint
from domain.figures import HallFigures
from domain.records import Record


@dataclass(frozen=True, slots=True)
class Entry:
    """One record as it counts for one subject in one period (slots: a rebuild holds millions)."""

    record_id: str
    rule_id: str
    occurred_at: datetime
    recorded_at: datetime
    quantity: int = 1
    points: Decimal | None = None
    effective: bool = True
    note: str = ""
    origin: str = "record"  # record | attendance | complaint
    from_subject_id: str | None = None  # set where a worker's veto rolled up to a window
    actor: str = ""


@dataclass(frozen=True)
class Figures:
    case_volume: int | None = None
    wrong_elements: int | None = None
    systems_missing: tuple[str, ...] | None = None
    satisfaction_rate: Decimal | None = None

    def merged(self, reported: dict[str, Any]) -> Figures:
        values = {k: v for k, v in reported.items() if v is not None}
        if "systems_missing" in values:
            values["systems_missing"] = tuple(values["systems_missing"])
        if "satisfaction_rate" in values:
            values["satisfaction_rate"] = Decimal(str(values["satisfaction_rate"]))
        return replace(self, **values)


@dataclass(frozen=True)
class Facts:
    entries: tuple[Entry, ...] = ()
    figures: Figures = field(default_factory=Figures)


@dataclass(frozen=True)
class AddEntry:
    entry: Entry


@dataclass(frozen=True)
class SetEffective:
    record_id: str
    effective: bool


@dataclass(frozen=True)
class ReportFigures:
    reported: dict[str, Any]


Change = AddEntry | SetEffective | ReportFigures


def apply(facts: Facts, change: Change) -> Facts:
    if isinstance(change, AddEntry):
        return replace(facts, entries=facts.entries + (change.entry,))
    if isinstance(change, SetEffective):
        entries = tuple(
            replace(e, effective=change.effective) if e.record_id == change.record_id else e
            for e in facts.entries
        )
        return replace(facts, entries=entries)
    return replace(facts, figures=facts.figures.merged(change.reported))


def changes_of(event: object) -> list[tuple[str, str, Change]]:
    """The (subject id, period id, change) triples an event causes; empty for other events."""
    if isinstance(event, Record.Created):
        origin = "attendance" if event.attendance else "record"
        return [
            (
                target["subject_id"],
                target["period"],
                AddEntry(
                    Entry(
                        record_id=str(event.originator_id),
                        rule_id=target["rule_id"],
                        occurred_at=event.occurred_at,
                        recorded_at=event.recorded_at,
                        quantity=event.quantity,
                        points=event.points,
                        note=event.note,
                        origin=origin,
                        from_subject_id=None if target["subject_id"] == event.subject_id else event.subject_id,
                        actor=event.actor,
                    )
                ),
            )
            for target in event.counts_in
        ]
    if isinstance(event, Record.Retracted):
        return [(t["subject_id"], t["period"], SetEffective(str(event.originator_id), False)) for t in event.counts_in]
    if isinstance(event, Complaint.Filed):
        return [
            (
                target["subject_id"],
                target["period"],
                AddEntry(
                    Entry(
                        record_id=str(event.originator_id),
                        rule_id=target["rule_id"],
                        occurred_at=event.received_at,
                        recorded_at=event.recorded_at,
                        effective=False,  # counts only once verified (查证属实)
                        note=event.summary,
                        origin="complaint",
                        from_subject_id=None if target["subject_id"] == event.subject_id else event.subject_id,
                        actor=event.actor,
                    )
                ),
            )
            for target in event.counts_in
        ]
    if isinstance(event, Complaint.Judged):
        if not event.substantiated:
            return []
        return [(t["subject_id"], t["period"], SetEffective(str(event.originator_id), True)) for t in event.counts_in]
    if isinstance(event, HallFigures.Reported):
        return [(event.hall_id, str(event.year), ReportFigures(dict(event.figures)))]
    return []


# --- JSON form, for the read model's facts column -------------------------------------------

def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def facts_to_json(facts: Facts) -> dict[str, Any]:
    f = facts.figures
    return {
        "entries": [
            {
                "record_id": e.record_id,
                "rule_id": e.rule_id,
                "occurred_at": e.occurred_at.isoformat(),
                "recorded_at": e.recorded_at.isoformat(),
                "quantity": e.quantity,
                "points": _dec(e.points),
                "effective": e.effective,
                "note": e.note,
                "origin": e.origin,
                "from_subject_id": e.from_subject_id,
                "actor": e.actor,
            }
            for e in facts.entries
        ],
        "figures": {
            "case_volume": f.case_volume,
            "wrong_elements": f.wrong_elements,
            "systems_missing": None if f.systems_missing is None else list(f.systems_missing),
            "satisfaction_rate": _dec(f.satisfaction_rate),
        },
    }


def entry_from_json(e: dict[str, Any]) -> Entry:
    """An entry from its JSON form: the read model's facts, or a scorecard's line (which keeps
    the same fields, points as a number)."""
    return Entry(
        record_id=e["record_id"],
        rule_id=e["rule_id"],
        occurred_at=datetime.fromisoformat(e["occurred_at"]),
        recorded_at=datetime.fromisoformat(e["recorded_at"]),
        quantity=e["quantity"],
        points=None if e["points"] is None else Decimal(str(e["points"])),
        effective=e["effective"],
        note=e["note"],
        origin=e["origin"],
        from_subject_id=e["from_subject_id"],
        actor=e.get("actor", ""),
    )


def facts_from_json(data: dict[str, Any]) -> Facts:
    entries = tuple(entry_from_json(e) for e in data["entries"])
    return Facts(entries=entries, figures=Figures().merged(data["figures"]))
