"""Subjects of evaluation: halls (大厅), windows (窗口) and workers (工作人员).

A window belongs to a hall and a worker to a window, through assignments that change over
time. A subject keeps its own history when it moves: a worker's records stay the worker's,
and a veto rolls up to the window the worker served at *when it happened* (rulebook point 6).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.ids import stable_id
from domain.topics import stable_topics

PARENT_KIND = {"window": "hall", "worker": "window"}


@stable_topics("Subject", "domain.subjects")
class Subject(Aggregate):
    @staticmethod
    def create_id(kind: str, code: str | None = None, **_: object) -> UUID:
        # A code (工号, window or hall code) is unique per kind: the store enforces it.
        return stable_id("subject", kind, code) if code else uuid4()

    @event("Created")
    def __init__(
        self,
        kind: str,
        name: str,
        unit: str,
        code: str | None,
        parent_id: str | None,
        effective_at: datetime | None,
        actor: str,
        recorded_at: datetime,
    ):
        self.kind = kind
        self.name = name
        self.unit = unit
        self.code = code
        # Each assignment: [effective_at or None (= since the start of history), parent id].
        self.assignments: list[list] = [] if parent_id is None else [[effective_at, parent_id]]

    @event("Reassigned")
    def reassign(self, parent_id: str, effective_at: datetime, actor: str, recorded_at: datetime) -> None:
        self.assignments.append([effective_at, parent_id])
        self.assignments.sort(key=lambda a: (a[0] is not None, a[0].timestamp() if a[0] else 0.0))

    @event("Renamed")
    def rename(self, name: str, unit: str, actor: str, recorded_at: datetime) -> None:
        self.name = name
        self.unit = unit

    @property
    def since(self) -> datetime | None:
        """When the subject entered service; None means from the start of history."""
        return self.assignments[0][0] if self.assignments else None

    def parent_at(self, moment: datetime) -> str | None:
        return parent_at(self.assignments, moment)


def parent_at(assignments: list[list], moment: datetime) -> str | None:
    """The parent in force at `moment`: the latest assignment effective at or before it."""
    parent = None
    for effective_at, parent_id in assignments:
        if effective_at is None or effective_at <= moment:
            parent = parent_id
    return parent


def subject_row(row: dict | None, event: object) -> dict | None:
    """Folds a subject event into the plain row the read model and the replay keep
    (times as ISO text, so the row is JSON as it stands); other events leave it as it is."""
    if isinstance(event, Subject.Created):
        assignments = []
        if event.parent_id is not None:
            effective = event.effective_at.isoformat() if event.effective_at else None
            assignments.append([effective, event.parent_id])
        return {
            "subject_id": str(event.originator_id),
            "kind": event.kind,
            "name": event.name,
            "unit": event.unit,
            "code": event.code,
            "assignments": assignments,
        }
    if isinstance(event, Subject.Renamed) and row is not None:
        return {**row, "name": event.name, "unit": event.unit}
    if isinstance(event, Subject.Reassigned) and row is not None:
        assignments = [*row["assignments"], [event.effective_at.isoformat(), event.parent_id]]
        assignments.sort(key=lambda a: (a[0] is not None, datetime.fromisoformat(a[0]).timestamp() if a[0] else 0.0))
        return {**row, "assignments": assignments}
    return row


def since_of(row: dict) -> datetime | None:
    first = row["assignments"][0][0] if row["assignments"] else None
    return datetime.fromisoformat(first) if first else None
