"""What a subject's scorecard for one period is computed from: its entries (each record as it
counts for that subject in that period) and, for a hall, the figures it reported for the year.

An entry is identified by (subject, period, record). It changes over time — a retraction, a
complaint's verdict, a correction, a roster correction moving a roll-up — and each change is a
new version of it; the scorecard shows the latest version of every entry, counting the
effective ones. `domain/derivation.py` decides the versions; `domain/scoring.py` scores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Entry:
    """One record as it counts for one subject in one period (slots: a rebuild holds many)."""

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
    origin_position: int = 0  # the log position of the event that made the record: orders the lines
    reason: str = ""  # why the entry does not count, or how it came here (a roster correction)
    moved_away: bool = False  # a roll-up a roster correction moved to another window (kept, not counting)
    # The rule the record names for this period (`rule_id` is what it counts under in this
    # period's rulebook: the same, or the later version's `carries_from` mapping of it).
    recorded_rule_id: str = ""
    # The version the record was made under (the one governing its own period then): a later
    # version's `carries_from` maps only what an earlier version named.
    recorded_under: str = ""
    # Why this period's rulebook does not count it (neither the rule nor a mapping of it), or
    # "": kept apart from `effective`, which follows the record's own life (retraction, verdict).
    held: str = ""

    @property
    def counts(self) -> bool:
        return self.effective and not self.held

    @property
    def why(self) -> str:
        """What the card says about the entry: its own reason and the rulebook's."""
        return "；".join(r for r in (self.reason, self.held) if r)


@dataclass(frozen=True)
class Figures:
    case_volume: int | None = None
    wrong_elements: int | None = None
    systems_missing: tuple[str, ...] | None = None
    satisfaction_rate: Decimal | None = None

    def merged(self, reported: dict[str, Any]) -> Figures:
        """A later report replaces the fields it gives."""
        values = {k: v for k, v in reported.items() if v is not None}
        if "systems_missing" in values:
            values["systems_missing"] = tuple(values["systems_missing"])
        if "satisfaction_rate" in values:
            values["satisfaction_rate"] = Decimal(str(values["satisfaction_rate"]))
        return replace(self, **values)

    def as_json(self) -> dict[str, Any]:
        return {"case_volume": self.case_volume, "wrong_elements": self.wrong_elements,
                "systems_missing": None if self.systems_missing is None else list(self.systems_missing),
                "satisfaction_rate": None if self.satisfaction_rate is None else str(self.satisfaction_rate)}


@dataclass(frozen=True)
class Facts:
    entries: tuple[Entry, ...] = ()
    figures: Figures = field(default_factory=Figures)


def entry_from_json(e: dict[str, Any]) -> Entry:
    """An entry from a scorecard's line (JSON, points as a number), e.g. for the desk's chart."""
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
        reason=e.get("reason", ""),
    )
