"""What the office's desk shows, apart from HTTP: the periods to pick from, a subject's sheet
laid out like the annex table (自评分 beside 考评分) with each entry's evidence, the running
score, and the same sheet as it stood at an earlier moment or log position (the auditor's view)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.errors import Invalid
from domain.facts import Facts, entry_from_json
from domain.nominations import Nomination
from domain.periods import Period
from domain.records import Record
from domain.trend import running_totals
from domain.vocabulary import SUBJECT_KINDS
from projections.lists import deductions_by_unit
from projections.replay import scorecard_at
from service.application.services import Container
from service.http.web.chart import bars_svg, histogram_svg, running_score_svg
from service.http.web.forms import beijing_time


def period_choices(c: Container, kind: str) -> list[Period]:
    """The kind's periods so far, latest first."""
    return list(reversed(c.rounds.periods_so_far(kind)))


def chosen_period(c: Container, kind: str, given: str | None) -> Period:
    choices = period_choices(c, kind)
    if not given:
        return choices[0]
    period = c.rounds.period(kind, given)
    if period not in choices:
        raise Invalid("period", "所选考评期尚未开始")
    return period


def sheet(c: Container, subject: dict, period: Period, at: str | None, position: int | None) -> dict[str, Any]:
    """The scorecard live, or as the history stood at a moment (北京时间) or log position."""
    moment = beijing_time(at, "at") if at and position is None else None
    card, reflected = scorecard_at(c.ledger.projection, subject, period.id, moment, position)
    as_of = None if moment is None and position is None else at or f"日志第 {reflected} 条"
    return {"card": card, "position": reflected, "as_of": as_of}


def self_scores(c: Container, subject_id: str, period: Period) -> dict[str, Decimal]:
    """The unit's own scores from its nomination (申报表), by section; empty if not nominated."""
    nomination_id = c.ledger.projection.nomination_of(subject_id, period.id)
    if nomination_id is None:
        return {}
    nomination = c.ledger.find(Nomination, UUID(nomination_id))
    return {k: Decimal(str(v)) for k, v in (nomination.self_scores if nomination else {}).items()}


def entry_rows(c: Container, card: dict, rulebook) -> list[dict]:
    """The card's entries with the rule's text and the evidence of the record behind each."""
    rows = []
    for entry in card["entries"]:
        evidence: list[str] = []
        if entry["origin"] in ("record", "attendance") and entry["record_id"]:
            record = c.ledger.find(Record, UUID(entry["record_id"]))
            evidence = list(record.evidence) if record else []
        rule_text = rulebook.rule(entry["rule_id"]).criterion if rulebook.has_rule(entry["rule_id"]) else ""
        rows.append({**entry, "rule_text": rule_text, "evidence": evidence})
    return rows


def chart(c: Container, subject: dict, period: Period, card: dict, rulebook) -> str | None:
    """The running score of the card shown (live or as of an earlier moment), from its entries."""
    if subject["kind"] == "hall":
        return None
    facts = Facts(entries=tuple(entry_from_json(line) for line in card["entries"]))
    points = running_totals(rulebook, subject["kind"], subject["subject_id"], period.id, facts)
    until = min(c.clock.now(), period.ends)
    full = sum(s.max for s in rulebook.category(subject["kind"]).scored_sections)
    return running_score_svg(points, period.starts, until, full, "期末" if until == period.ends else "今天")


PAGE_SIZE = 50
SORTS = {"rank": "名次", "total": "得分", "name": "名称", "unit": "单位"}


def filtered(items: list[dict], q: str, unit: str, vetoed: str, nominated: str) -> list[dict]:
    """The desk's search (name, 工号 or unit) and filters (unit, vetoed, nominated)."""
    needle = q.strip().lower()
    return [i for i in items
            if (not needle or needle in f"{i['name']} {i['code'] or ''} {i['unit']}".lower())
            and (not unit or i["unit"] == unit)
            and (not vetoed or i["vetoed"] == (vetoed == "yes"))
            and (not nominated or i["nominated"] == (nominated == "yes"))]


def sorted_items(items: list[dict], sort: str, descending: bool) -> list[dict]:
    if sort == "rank":  # the standings' own order: ranked first, then the vetoed
        return list(reversed(items)) if descending else items
    key = {"total": lambda i: i["total"], "name": lambda i: i["name"], "unit": lambda i: (i["unit"], i["name"])}[sort]
    return sorted(items, key=key, reverse=descending)


def totals_chart(items: list[dict], kind: str) -> str:
    """How the totals spread: bands of five points (below 80 together, 100 and above together)."""
    bands = [("<80", lambda t: t < 80)] + [(f"{low}–{low + 4}", lambda t, low=low: low <= t < low + 5)
                                           for low in range(80, 100, 5)] + [("≥100", lambda t: t >= 100)]
    bins = [(label, sum(1 for i in items if test(i["total"])), sum(1 for i in items if test(i["total"]) and i["vetoed"]))
            for label, test in bands]
    return histogram_svg(f"{SUBJECT_KINDS[kind]}得分分布(共 {len(items)} 个,红色为一票否决)", bins)


def deductions_chart(c: Container, kind: str, period: Period, units: set[str]) -> str:
    """Most frequent deductions by unit: each unit's effective deductions, with its most frequent rule."""
    counts: dict[str, Counter] = {}
    for unit, rule_id, times in deductions_by_unit(c.ledger.projection.store, kind, period.id):
        if unit in units:
            counts.setdefault(unit, Counter())[rule_id] += times
    rows = sorted(((unit, sum(c.values()), c.most_common(1)[0]) for unit, c in counts.items()), key=lambda r: -r[1])
    return bars_svg(f"各单位扣分次数(前 10 个单位,{SUBJECT_KINDS[kind]})",
                    [(unit, n, f"最多:{rule} ×{times}") for unit, n, (rule, times) in rows[:10]])
