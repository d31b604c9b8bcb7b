"""What the office's desk shows, apart from HTTP: the periods to pick from, a subject's sheet
laid out like the annex table (自评分 beside 考评分) with each entry's evidence, the running
score, and the same sheet as it stood at an earlier moment or log position (the auditor's view)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.errors import Invalid, NotFound
from domain.facts import Entry, Facts
from domain.nominations import Nomination
from domain.periods import SHANGHAI, Period
from domain.records import Record
from domain.trend import running_totals
from projections.replay import replay_indexed
from service.bootstrap import Container
from service.web.chart import running_score_svg


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


def moment_of(text: str) -> datetime:
    """A datetime-local value from the page: Beijing wall-clock time, as the label says."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("at", "时刻格式不对,应为 年-月-日 时:分") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def sheet(c: Container, subject: dict, period: Period, at: str | None, position: int | None) -> dict[str, Any]:
    """The scorecard live, or as the history stood at a moment or log position."""
    projection = c.ledger.projection
    live_end = projection.position()
    if not at and position is None:
        return {"card": projection.card(subject, period.id), "position": live_end, "as_of": None}
    if position is None:
        position = projection.position_at(moment_of(at or ""))
    if position > live_end:
        raise Invalid("position", f"日志目前只到第 {live_end} 条")
    replayed = replay_indexed(projection, subject["subject_id"], period.id, position)
    if replayed is None:
        raise NotFound("subject_id", "该对象在所问的时刻尚未建立")
    return {"card": replayed.as_dict(), "position": position, "as_of": at or f"日志第 {position} 条"}


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
        rule_text = rulebook.rule(entry["rule_id"]).text if rulebook.has_rule(entry["rule_id"]) else ""
        rows.append({**entry, "rule_text": rule_text, "evidence": evidence})
    return rows


def chart(c: Container, subject: dict, period: Period, card: dict, rulebook) -> str | None:
    """The running score of the card shown (live or as of an earlier moment), from its entries."""
    if subject["kind"] == "hall":
        return None
    facts = Facts(entries=tuple(_entry(e) for e in card["entries"] if e["occurred_at"]))
    points = running_totals(rulebook, subject["kind"], subject["subject_id"], period.id, facts)
    until = min(c.clock.now(), period.ends)
    return running_score_svg(points, period.starts, until, "期末" if until == period.ends else "今天")


def _entry(line: dict) -> Entry:
    """A scorecard line back into the fact it was scored from (the card keeps every field)."""
    return Entry(record_id=line["record_id"] or "", rule_id=line["rule_id"],
                 occurred_at=datetime.fromisoformat(line["occurred_at"]),
                 recorded_at=datetime.fromisoformat(line["recorded_at"]), quantity=line["quantity"],
                 points=None if line["points"] is None else Decimal(str(line["points"])), effective=line["effective"],
                 note=line["note"], origin=line["origin"], from_subject_id=line["from_subject_id"], actor=line["actor"])
