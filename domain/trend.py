"""The running score through a period (the desk's chart): the total as it stood after each
moment something happened, by occurrence time, from the same `score` the scorecard uses."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from domain.facts import Facts
from domain.rulebook import Rulebook
from domain.scoring import score


def running_totals(rulebook: Rulebook, kind: str, subject_id: str, period: str, facts: Facts
                   ) -> list[tuple[datetime, Decimal, bool]]:
    """(moment, total, vetoed) after each distinct occurrence of an effective entry. Halls are
    ranked among each other (A3.2.6), so their running score is not defined by their own facts."""
    if kind == "hall":
        raise ValueError("a hall's running score depends on the other halls")
    moments = sorted({e.occurred_at for e in facts.entries if e.effective})
    points = []
    for moment in moments:
        so_far = replace(facts, entries=tuple(e for e in facts.entries if e.occurred_at <= moment))
        card = score(rulebook, kind, subject_id, period, so_far)
        points.append((moment, card.total, card.vetoed))
    return points
