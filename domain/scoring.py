"""The one scoring function, shared by the live read model and the audit replay.

`score` turns a subject's facts for a period into its scorecard: each section loses what its
entries deduct, never more than its maximum when the rulebook's section floor is on (扣完为止);
bonuses come on top; any effective veto (一票否决) disqualifies. Halls also lose points for their
reported figures, the case-volume ranking among all halls being given as `hall_place`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.facts import Entry, Facts, Figures
from domain.rulebook import Category, Rule, Rulebook

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Line:
    """An entry as the scorecard shows it: the record's own effect (`delta`) and whether it
    counts (`effective`). Lines computed from figures have no record id."""

    record_id: str | None
    rule_id: str
    occurred_at: datetime | None
    recorded_at: datetime | None
    delta: Decimal
    effective: bool
    note: str
    origin: str
    quantity: int = 1
    points: Decimal | None = None
    from_subject_id: str | None = None
    actor: str = ""


@dataclass(frozen=True)
class SectionScore:
    id: str
    title: str
    max: Decimal
    deducted: Decimal
    score: Decimal


@dataclass(frozen=True)
class Scorecard:
    subject_id: str
    kind: str
    period: str
    rulebook: str
    total: Decimal
    bonus: Decimal
    vetoed: bool
    veto_reasons: tuple[str, ...]
    sections: tuple[SectionScore, ...]
    lines: tuple[Line, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "kind": self.kind,
            "period": self.period,
            "rulebook": self.rulebook,
            "total": number(self.total),
            "bonus": number(self.bonus),
            "vetoed": self.vetoed,
            "veto_reasons": list(self.veto_reasons),
            "sections": [
                {"id": s.id, "title": s.title, "max": number(s.max), "deducted": number(s.deducted),
                 "score": number(s.score)}
                for s in self.sections
            ],
            "entries": [
                {
                    "record_id": ln.record_id,
                    "rule_id": ln.rule_id,
                    "occurred_at": ln.occurred_at.isoformat() if ln.occurred_at else None,
                    "recorded_at": ln.recorded_at.isoformat() if ln.recorded_at else None,
                    "delta": number(ln.delta),
                    "effective": ln.effective,
                    "note": ln.note,
                    "origin": ln.origin,
                    "quantity": ln.quantity,
                    "points": None if ln.points is None else number(ln.points),
                    "from_subject_id": ln.from_subject_id,
                    "actor": ln.actor,
                }
                for ln in self.lines
            ],
        }


def number(value: Decimal | int) -> int | float:
    """Points are exact Decimals inside; JSON shows 95 as 95 and 92.5 as 92.5."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def entry_delta(rule: Rule, entry: Entry) -> Decimal:
    """A record's own effect on the total, before any section floor."""
    if rule.effect == "deduct":
        return -(rule.points or ZERO) * entry.quantity
    if rule.effect == "bonus":
        return (rule.points or ZERO) * entry.quantity
    if rule.effect == "assess":
        return -(entry.points or ZERO)
    if rule.effect == "bonus-discretionary":
        return entry.points or ZERO
    return ZERO  # veto: no points, it disqualifies


def figure_lines(category: Category, figures: Figures, hall_place: int | None) -> list[Line]:
    """The deductions a hall's reported figures cause (rulebook point 9; ranking point 8)."""
    lines = []
    for rule in category.rules():
        measure = rule.figure
        if measure is None:
            continue
        if measure.measure == "rank":
            if hall_place is None:
                continue
            taken = measure.points_per_place * (hall_place - 1)
            volume = figures.case_volume
            note = f"办件量排名第 {hall_place} 名" + ("" if volume is not None else "(未报送办件量)")
        elif measure.measure == "per_unit":
            count = getattr(figures, measure.field)
            if count is None:
                continue
            taken = measure.points_each * count
            note = f"抽查错误要素 {count} 个"
        elif measure.measure == "per_item":
            items = getattr(figures, measure.field)
            if items is None:
                continue
            taken = measure.points_each * len(items)
            note = "缺少制度:" + ("、".join(items) if items else "无")
        elif measure.measure == "below":
            rate = getattr(figures, measure.field)
            if rate is None or measure.threshold is None:
                continue
            taken = (rule.points or ZERO) if rate < measure.threshold else ZERO
            note = f"满意率 {number(rate * 100)}%,标准 {number(measure.threshold * 100)}%"
        else:
            raise ValueError(f"unknown figure measure {measure.measure!r} on {rule.id}")
        lines.append(Line(None, rule.id, None, None, -taken, True, note, "figures"))
    return lines


def score(
    rulebook: Rulebook,
    kind: str,
    subject_id: str,
    period: str,
    facts: Facts,
    hall_place: int | None = None,
) -> Scorecard:
    category = rulebook.category(kind)
    lines = [
        Line(
            record_id=e.record_id,
            rule_id=e.rule_id,
            occurred_at=e.occurred_at,
            recorded_at=e.recorded_at,
            delta=entry_delta(rulebook.rule(e.rule_id), e),
            effective=e.effective,
            note=e.note,
            origin=e.origin,
            quantity=e.quantity,
            points=e.points,
            from_subject_id=e.from_subject_id,
            actor=e.actor,
        )
        for e in facts.entries
    ]
    if kind == "hall":
        lines += figure_lines(category, facts.figures, hall_place)

    counting = [ln for ln in lines if ln.effective]
    sections = []
    for section in category.scored_sections:
        assert section.max is not None
        lost = -sum((ln.delta for ln in counting if rulebook.rule(ln.rule_id).section_id == section.id), ZERO)
        deducted = min(lost, section.max) if rulebook.settings.section_floor else lost
        sections.append(SectionScore(section.id, section.title, section.max, deducted, section.max - deducted))
    bonus = sum((ln.delta for ln in counting if rulebook.rule(ln.rule_id).is_bonus), ZERO)
    veto_reasons = tuple(dict.fromkeys(ln.rule_id for ln in counting if rulebook.rule(ln.rule_id).effect == "veto"))
    total = sum((s.score for s in sections), ZERO) + bonus
    return Scorecard(
        subject_id=subject_id,
        kind=kind,
        period=period,
        rulebook=rulebook.version,
        total=total,
        bonus=bonus,
        vetoed=bool(veto_reasons),
        veto_reasons=veto_reasons,
        sections=tuple(sections),
        lines=tuple(lines),
    )


def shared_places(values: Iterable[tuple[str, Decimal]]) -> dict[str, int]:
    """Competition ranking, highest first: equal values share a place (1, 2, 2, 4)."""
    ordered = sorted(values, key=lambda kv: kv[1], reverse=True)
    places: dict[str, int] = {}
    previous: Decimal | None = None
    place = 0
    for position, (key, value) in enumerate(ordered, start=1):
        if value != previous:
            place, previous = position, value
        places[key] = place
    return places


def hall_places(volumes: Mapping[str, int | None]) -> dict[str, int]:
    """A3.2.6: places by reported case volume; halls that reported nothing share place n + 1,
    n being the number of halls that reported (rulebook point 8)."""
    reported = {h: Decimal(v) for h, v in volumes.items() if v is not None}
    places = shared_places(reported.items())
    for hall in volumes:
        places.setdefault(hall, len(reported) + 1)
    return places


@dataclass(frozen=True)
class Standing:
    subject_id: str
    total: Decimal
    vetoed: bool
    rank: int | None


def rank_standings(cards: Iterable[tuple[str, Decimal, bool, str]]) -> list[Standing]:
    """Non-vetoed subjects by total (equal totals share a place), then the vetoed ones,
    unranked, by total. Each card is (subject id, total, vetoed, name for a stable order)."""
    cards = sorted(cards, key=lambda c: (-c[1], c[3], c[0]))
    eligible = [c for c in cards if not c[2]]
    places = shared_places((c[0], c[1]) for c in eligible)
    ranked = [Standing(c[0], c[1], False, places[c[0]]) for c in eligible]
    return ranked + [Standing(c[0], c[1], True, None) for c in cards if c[2]]


def score_halls(rulebook: Rulebook, period: str, halls: Mapping[str, Facts]) -> dict[str, Scorecard]:
    """Every hall's scorecard for a year: the A3.2.6 ranking is among all of them."""
    places = hall_places({hall: facts.figures.case_volume for hall, facts in halls.items()})
    return {hall: score(rulebook, "hall", hall, period, facts, places[hall]) for hall, facts in halls.items()}
