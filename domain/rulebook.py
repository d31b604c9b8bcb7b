"""The rulebook as data: categories (worker, window, hall), sections, rules and settings.

Rule ids follow `shared/spec/rulebook-2022.md` (`A1.1.4b` = 附件1 一、4 second penalty). The
scoring code dispatches on a rule's *effect* and *figure measure*, never on its id, so a new
rulebook version is a new data file, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from domain.periods import TIME_ZONE

# deduct: points each time (× quantity); deduct-once: points once per period however often it
# counts (reading 14); assess: the record gives the points; veto: 一票否决; bonus, bonus-discretionary;
# rank, count: computed from a hall's reported figures.
EFFECTS = ("deduct", "deduct-once", "assess", "veto", "bonus", "bonus-discretionary", "rank", "count")
KINDS = ("worker", "window", "hall")
# Effects whose points a record states itself (the assessor's judgement).
POINTS_GIVEN_BY_RECORD = ("assess", "bonus-discretionary")
# Effects computed from a hall's reported figures; nobody records them by hand.
COMPUTED_FROM_FIGURES = ("rank", "count")


@dataclass(frozen=True)
class FigureMeasure:
    """How a reported hall figure turns into points taken off (A3.2.6, A3.2.7, A3.4.1, A3.5.2)."""

    measure: str  # rank | per_unit | per_item | below
    field: str
    points_each: Decimal = Decimal(0)
    points_per_place: Decimal = Decimal(0)
    threshold: Decimal | None = None
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    section_id: str
    text: str  # the annex item's criterion, verbatim (an item split into two rules: both have it)
    effect: str
    points: Decimal | None = None
    rolls_up_to: str | None = None
    lookback_years: int = 1
    figure: FigureMeasure | None = None
    item: str = ""  # the annex's number of the item (A1.1.4a and A1.1.4b are both item 4)
    clause: str | None = None  # for a split item: the part of the text this rule is

    @property
    def criterion(self) -> str:
        """What this rule id stands for: its clause of a split item, else the item's text."""
        return self.clause or self.text

    @property
    def is_deduction(self) -> bool:
        return self.effect in ("deduct", "deduct-once", "assess", "rank", "count")

    @property
    def is_bonus(self) -> bool:
        return self.effect in ("bonus", "bonus-discretionary")


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    max: Decimal | None
    rules: tuple[Rule, ...]
    note: str = ""  # printed after the title (一票否决: 出现以下情形之一,取消本次评比资格)

    def items(self) -> list[tuple[str, str, tuple[Rule, ...]]]:
        """The section as the annex prints it: each item once, with its number and text, and the
        rules that stand for it (two where one item carries two penalties)."""
        grouped: dict[str, list[Rule]] = {}
        for rule in self.rules:
            grouped.setdefault(rule.item or rule.id, []).append(rule)
        return [(item, rules[0].text, tuple(rules)) for item, rules in grouped.items()]


@dataclass(frozen=True)
class Category:
    kind: str
    annex: int
    title: str
    quota: int
    cadence: str  # half-year | year
    nomination_deadlines: dict[str, str]
    sections: tuple[Section, ...]

    @property
    def scored_sections(self) -> tuple[Section, ...]:
        """Sections with a maximum: the ones that add up to the 100-point total."""
        return tuple(s for s in self.sections if s.max is not None)

    def rules(self) -> tuple[Rule, ...]:
        return tuple(r for s in self.sections for r in s.rules)


@dataclass(frozen=True)
class Settings:
    """The "unclear points" of the rulebook, each a setting rather than a branch in code."""

    timezone: str
    section_floor: bool
    absenteeism_over_minutes: int
    attendance_rules: dict[str, str]
    complaint_rules: dict[str, str]
    discretionary_bonus_cap: Decimal
    notice_days: int
    notice_day_kind: str
    points_step: Decimal = Decimal("0.5")  # the finest points an assessor may give (assess, discretionary)


@dataclass(frozen=True)
class Rulebook:
    version: str
    title: str
    effective_from: date
    settings: Settings
    categories: tuple[Category, ...]
    # How records made under an earlier version count under this one (look-back): {old id: new id}.
    carries_from: dict[str, str] = field(default_factory=dict)
    _rules: dict[str, Rule] = field(default_factory=dict, compare=False, repr=False)

    def category(self, kind: str) -> Category:
        for category in self.categories:
            if category.kind == kind:
                return category
        raise KeyError(kind)

    def rule(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def has_rule(self, rule_id: str) -> bool:
        return rule_id in self._rules

    def rule_for(self, recorded_rule_id: str) -> str | None:
        """The rule a record naming `recorded_rule_id` (perhaps under an earlier version) counts
        under in this version: the `carries_from` mapping if it names one, else the same id;
        None if this version has neither (the record does not count under it)."""
        mapped = self.carries_from.get(recorded_rule_id)
        if mapped is not None and mapped in self._rules:
            return mapped
        return recorded_rule_id if recorded_rule_id in self._rules else None

    def section(self, section_id: str) -> Section:
        for category in self.categories:
            for section in category.sections:
                if section.id == section_id:
                    return section
        raise KeyError(section_id)

    def kind_of_rule(self, rule_id: str) -> str:
        annex = rule_id.split(".")[0]
        return next(c.kind for c in self.categories if f"A{c.annex}" == annex)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _figure(data: dict[str, Any] | None) -> FigureMeasure | None:
    if data is None:
        return None
    return FigureMeasure(
        measure=data["measure"],
        field=data["field"],
        points_each=Decimal(str(data.get("points_each", 0))),
        points_per_place=Decimal(str(data.get("points_per_place", 0))),
        threshold=_decimal(data.get("threshold")),
        allowed=tuple(data.get("allowed", ())),
    )


def parse_rulebook(data: dict[str, Any]) -> Rulebook:
    """Builds a Rulebook from its JSON form, checking what the scoring relies on."""
    categories = []
    rules: dict[str, Rule] = {}
    for c in data["categories"]:
        sections = []
        for s in c["sections"]:
            section_rules = []
            for r in s["rules"]:
                if r["effect"] not in EFFECTS:
                    raise ValueError(f"rule {r['id']}: unknown effect {r['effect']!r}")
                if r["id"] in rules:
                    raise ValueError(f"rule {r['id']} appears twice")
                rule = Rule(
                    id=r["id"],
                    section_id=s["id"],
                    text=r["text"],
                    effect=r["effect"],
                    points=_decimal(r.get("points")),
                    rolls_up_to=r.get("rolls_up_to"),
                    lookback_years=int(r.get("lookback_years", 1)),
                    figure=_figure(r.get("figure")),
                    item=str(r.get("item", "")),
                    clause=r.get("clause"),
                )
                rules[rule.id] = rule
                section_rules.append(rule)
            sections.append(Section(s["id"], s["title"], _decimal(s["max"]), tuple(section_rules), s.get("note", "")))
        categories.append(
            Category(
                kind=c["kind"],
                annex=int(c["annex"]),
                title=c["title"],
                quota=int(c["quota"]),
                cadence=c["cadence"],
                nomination_deadlines=dict(c["nomination_deadlines"]),
                sections=tuple(sections),
            )
        )
    for rule in rules.values():
        if rule.rolls_up_to is not None and rule.rolls_up_to not in rules:
            raise ValueError(f"rule {rule.id} rolls up to unknown rule {rule.rolls_up_to}")
    s = data["settings"]
    # The product reckons periods and deadlines in one zone (domain/periods.py); a rulebook
    # states it, and one naming another zone is refused rather than silently ignored.
    if s["timezone"] != TIME_ZONE:
        raise ValueError(f"settings.timezone: periods are reckoned in {TIME_ZONE} (rulebook point 3), not {s['timezone']}")
    settings = Settings(
        timezone=s["timezone"],
        section_floor=bool(s["section_floor"]),
        absenteeism_over_minutes=int(s["absenteeism_over_minutes"]),
        attendance_rules=dict(s["attendance_rules"]),
        complaint_rules=dict(s["complaint_rules"]),
        discretionary_bonus_cap=Decimal(str(s["discretionary_bonus_cap"])),
        notice_days=int(s["notice_days"]),
        notice_day_kind=s["notice_day_kind"],
        points_step=Decimal(str(s.get("points_step", "0.5"))),
    )
    return Rulebook(
        version=str(data["version"]),
        title=data["title"],
        effective_from=date.fromisoformat(data["effective_from"]),
        settings=settings,
        categories=tuple(categories),
        carries_from=dict(data.get("carries_from") or {}),
        _rules=rules,
    )


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _figure_json(measure: FigureMeasure) -> dict[str, Any]:
    out: dict[str, Any] = {"measure": measure.measure, "field": measure.field}
    if measure.points_each:
        out["points_each"] = _number(measure.points_each)
    if measure.points_per_place:
        out["points_per_place"] = _number(measure.points_per_place)
    if measure.threshold is not None:
        out["threshold"] = str(measure.threshold)
    if measure.allowed:
        out["allowed"] = list(measure.allowed)
    return out


def _rule_json(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rule.id, "item": rule.item, "text": rule.text, "clause": rule.clause,
                           "effect": rule.effect, "points": None if rule.points is None else _number(rule.points),
                           "rolls_up_to": rule.rolls_up_to, "lookback_years": rule.lookback_years}
    if rule.figure is not None:
        out["figure"] = _figure_json(rule.figure)
    return out


def rulebook_to_json(rulebook: Rulebook) -> dict[str, Any]:
    """The inverse of `parse_rulebook`: the JSON form the API answers and `PUT` takes, such that
    `parse_rulebook(rulebook_to_json(r)) == r`."""
    s = rulebook.settings
    return {
        "version": rulebook.version,
        "title": rulebook.title,
        "effective_from": rulebook.effective_from.isoformat(),
        "settings": {
            "timezone": s.timezone, "section_floor": s.section_floor,
            "absenteeism_over_minutes": s.absenteeism_over_minutes,
            "attendance_rules": dict(s.attendance_rules), "complaint_rules": dict(s.complaint_rules),
            "discretionary_bonus_cap": _number(s.discretionary_bonus_cap), "points_step": _number(s.points_step),
            "notice_days": s.notice_days, "notice_day_kind": s.notice_day_kind,
        },
        "carries_from": dict(rulebook.carries_from),
        "categories": [
            {
                "kind": c.kind, "annex": c.annex, "title": c.title, "quota": c.quota, "cadence": c.cadence,
                "nomination_deadlines": dict(c.nomination_deadlines),
                "sections": [
                    {"id": sec.id, "title": sec.title, "note": sec.note,
                     "max": None if sec.max is None else _number(sec.max),
                     "rules": [_rule_json(r) for r in sec.rules]}
                    for sec in c.sections
                ],
            }
            for c in rulebook.categories
        ],
    }


class RulebookLibrary:
    """The rulebook versions known: those the product ships, then those the office loaded
    (events in the log). A period is scored under the one in force on its first day, so
    adding a 2024 rulebook never changes a 2022 period's numbers. Of two versions in force
    from the same day, the one added later wins."""

    def __init__(self, rulebooks: list[Rulebook]):
        self._by_version = {r.version: r for r in rulebooks}
        order = {r.version: i for i, r in enumerate(self._by_version.values())}
        self._by_start = sorted(self._by_version.values(), key=lambda r: (r.effective_from, order[r.version]))

    def get(self, version: str) -> Rulebook:
        return self._by_version[version]

    def has(self, version: str) -> bool:
        return version in self._by_version

    def versions(self) -> list[str]:
        return list(self._by_version)

    def all(self) -> list[Rulebook]:
        """Every version, by the day it takes effect."""
        return list(self._by_start)

    def with_version(self, rulebook: Rulebook) -> RulebookLibrary:
        """This library with `rulebook` added, or replacing the version of the same name."""
        kept = [r for r in self._by_version.values() if r.version != rulebook.version]
        return RulebookLibrary([*kept, rulebook])

    def first_day(self) -> date:
        return self._by_start[0].effective_from

    def in_force_on(self, day: date) -> Rulebook:
        chosen = self._by_start[0]
        for rulebook in self._by_start:
            if rulebook.effective_from <= day:
                chosen = rulebook
        return chosen
