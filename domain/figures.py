"""A hall's figures for a year, reported from the integrated platform (一体化平台): case volume
(办件量, ranked for A3.2.6), wrong elements found by spot checks (A3.2.7), missing systems
(A3.4.1) and the satisfaction rate (A3.5.2). A later report replaces the fields it gives."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import stable_id
from domain.topics import stable_topics

FIELDS = ("case_volume", "wrong_elements", "systems_missing", "satisfaction_rate")


@stable_topics("HallFigures", "domain.figures")
class HallFigures(Aggregate):
    @staticmethod
    def create_id(hall_id: str, year: int, **_: object) -> UUID:
        return stable_id("figures", hall_id, str(year))

    @event("Opened")
    def __init__(self, hall_id: str, year: int):
        self.hall_id = hall_id
        self.year = year
        self.figures: dict = {}

    @event("Reported")
    def report(
        self,
        hall_id: str,
        year: int,
        figures: dict,
        actor: str,
        recorded_at: datetime,
    ) -> None:
        self.figures = {**self.figures, **figures}


def normalise_rate(value: Decimal) -> Decimal:
    """98.5 (a percentage) and 0.985 (a fraction) both mean 98.5 % (rulebook point 9)."""
    return value / 100 if value > 1 else value
