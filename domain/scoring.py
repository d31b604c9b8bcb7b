"""The one scoring function, shared by the live read model and the audit replay.

A card is computed in two steps. `tally_of` sums what the effective entries do, rule by rule
(how many, their deltas, the first of them): a summary whose size is bounded by the rulebook,
not by the subject's history, so the live read model keeps it in a row and updates it by
adding and removing one entry at a time (`RuleTally.plus` / `minus`). `summarize` turns a tally
(and a hall's figure lines) into sections, bonus, vetoes and total: each section loses what
its entries deduct, never more than its maximum when the rulebook's section floor is on
(扣完为止); a deduct-once rule (A3.2.1, A3.2.3, A3.5.2) takes its points once however often it
counts (reading 14); bonuses come on top; any effective veto (一票否决) disqualifies. `score`
does both for the whole card with its lines: the replay calls it, and the live read model
calls it on the rows it keeps, so the two cannot disagree.
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
    reason: str = ""
    origin_position: int = 0
    recorded_rule_id: str = ""


@dataclass(frozen=True)
class SectionScore:
    id: str
    title: str
    max: Decimal
    deducted: Decimal
    score: Decimal


@dataclass(frozen=True, slots=True)
class RuleTally:
    """The effective entries of one rule on one card: how many, their deltas summed, and the
    log position of the first of them (veto reasons are listed in that order)."""

    count: int
    delta: Decimal
    first: int

    def plus(self, delta: Decimal, origin_position: int) -> RuleTally:
        return RuleTally(self.count + 1, self.delta + delta, min(self.first, origin_position))

    def as_json(self) -> list:
        return [self.count, str(self.delta), self.first]

    @staticmethod
    def from_json(data: list) -> RuleTally:
        return RuleTally(int(data[0]), Decimal(data[1]), int(data[2]))


Tally = dict[str, RuleTally]


def tally_of(lines: Iterable[Line]) -> Tally:
    """The tally of a card's effective entry lines (figure lines are not tallied: they are
    recomputed from the figures)."""
    tally: Tally = {}
    for ln in lines:
        if ln.effective and ln.record_id is not None:
            before = tally.get(ln.rule_id)
            tally[ln.rule_id] = (RuleTally(1, ln.delta, ln.origin_position) if before is None
                                 else before.plus(ln.delta, ln.origin_position))
    return tally


@dataclass(frozen=True)
class Summary:
    total: Decimal
    bonus: Decimal
    veto_reasons: tuple[str, ...]
    sections: tuple[SectionScore, ...]

    @property
    def vetoed(self) -> bool:
        return bool(self.veto_reasons)


def summarize(rulebook: Rulebook, kind: str, tally: Mapping[str, RuleTally], figure_lines: Iterable[Line] = ()
              ) -> Summary:
    category = rulebook.category(kind)
    lost: dict[str, Decimal] = {s.id: ZERO for s in category.scored_sections}
    once: set[str] = set()  # deduct-once rules that count at least once
    bonus = ZERO
    vetoes: list[tuple[int, str]] = []
    for rule_id, t in tally.items():
        rule = rulebook.rule(rule_id)
        if rule.effect == "deduct-once":
            once.add(rule_id)
        elif rule.is_deduction and rule.section_id in lost:
            lost[rule.section_id] -= t.delta
        elif rule.is_bonus:
            bonus += t.delta
        elif rule.effect == "veto":
            vetoes.append((t.first, rule_id))
    for ln in figure_lines:
        rule = rulebook.rule(ln.rule_id)
        if rule.effect == "deduct-once":
            if ln.delta < 0:
                once.add(rule.id)
        else:
            lost[rule.section_id] -= ln.delta
    for rule_id in once:
        rule = rulebook.rule(rule_id)
        lost[rule.section_id] += rule.points or ZERO
    sections = []
    for section in category.scored_sections:
        assert section.max is not None
        deducted = min(lost[section.id], section.max) if rulebook.settings.section_floor else lost[section.id]
        sections.append(SectionScore(section.id, section.title, section.max, deducted, section.max - deducted))
    total = sum((s.score for s in sections), ZERO) + bonus
    return Summary(total, bonus, tuple(rule_id for _, rule_id in sorted(vetoes)), tuple(sections))


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
                    "reason": ln.reason,
                    "recorded_rule_id": ln.recorded_rule_id or ln.rule_id,
                }
                for ln in self.lines
            ],
        }


def number(value: Decimal | int) -> int | float:
    """Points are exact Decimals inside; JSON shows 95 as 95 and 92.5 as 92.5."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def entry_delta(rule: Rule, entry: Entry) -> Decimal:
    """A record's own effect on the total, before any section floor (a deduct-once rule shows
    its points on every record; the section takes them once)."""
    if rule.effect == "deduct":
        return -(rule.points or ZERO) * entry.quantity
    if rule.effect == "deduct-once":
        return -(rule.points or ZERO)
    if rule.effect == "bonus":
        return (rule.points or ZERO) * entry.quantity
    if rule.effect == "assess":
        return -(entry.points or ZERO)
    if rule.effect == "bonus-discretionary":
        return entry.points or ZERO
    return ZERO  # veto: no points, it disqualifies


def line_of(rulebook: Rulebook, e: Entry) -> Line:
    return Line(
        record_id=e.record_id, rule_id=e.rule_id, occurred_at=e.occurred_at, recorded_at=e.recorded_at,
        delta=entry_delta(rulebook.rule(e.rule_id), e) if rulebook.has_rule(e.rule_id) else ZERO,
        effective=e.counts, note=e.note, origin=e.origin, quantity=e.quantity, points=e.points,
        from_subject_id=e.from_subject_id, actor=e.actor, reason=e.why, origin_position=e.origin_position,
        recorded_rule_id=e.recorded_rule_id,
    )


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
    """The whole card: every entry's line in the order the records were made, the figure lines
    of a hall, and the summary of the effective ones."""
    lines = [line_of(rulebook, e) for e in sorted(facts.entries, key=lambda e: e.origin_position)]
    figured = figure_lines(rulebook.category(kind), facts.figures, hall_place) if kind == "hall" else []
    summary = summarize(rulebook, kind, tally_of(lines), figured)
    return Scorecard(
        subject_id=subject_id,
        kind=kind,
        period=period,
        rulebook=rulebook.version,
        total=summary.total,
        bonus=summary.bonus,
        vetoed=summary.vetoed,
        veto_reasons=summary.veto_reasons,
        sections=summary.sections,
        lines=tuple(lines + figured),
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
