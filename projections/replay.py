"""The audit replay: scorecards as the history stood at a log position, recomputed from the
events themselves through the same fold (`domain.facts`) and the same scoring function as the
live read model. It reads the log in pages (only the events that can change a scorecard)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.complaints import Complaint
from domain.errors import Invalid, NotFound
from domain.facts import Facts, apply, changes_of
from domain.figures import HallFigures
from domain.periods import in_service, parse_period
from domain.records import Record
from domain.rulebook import RulebookLibrary
from domain.scoring import Scorecard, score, score_halls
from domain.subjects import Subject, since_of, subject_row
from domain.topics import stored_topics
from projections.scorecards import ScorecardProjection

SCORING_TOPICS = stored_topics(
    Subject.Created, Subject.Reassigned, Subject.Renamed, Record.Created, Record.Retracted,
    Complaint.Filed, Complaint.Judged, HallFigures.Reported,
)


@dataclass
class Folded:
    """Subjects and the facts of the (subject, period) pairs asked for, at a position."""

    subjects: dict[str, dict] = field(default_factory=dict)
    facts: dict[tuple[str, str], Facts] = field(default_factory=dict)


def fold_log(recorder: ApplicationRecorder, mapper: Mapper, position: int,
             wanted: Callable[[str, str, dict[str, dict]], bool], page_size: int = 500,
             on_page: Callable[[int], None] | None = None) -> Folded:
    folded = Folded()
    start = 0
    while start < position:
        page = recorder.select_notifications(
            start=start, limit=page_size, stop=position, topics=SCORING_TOPICS, inclusive_of_start=False
        )
        if not page:
            break
        fold_events(folded, (mapper.to_domain_event(n) for n in page), wanted)
        start = page[-1].id
        if on_page is not None:
            on_page(start)
    return folded


def fold_events(folded: Folded, events: Iterable[object], wanted: Callable[[str, str, dict[str, dict]], bool]) -> None:
    for event in events:
        if isinstance(event, Subject.Created | Subject.Reassigned | Subject.Renamed):
            key = str(event.originator_id)
            folded.subjects[key] = subject_row(folded.subjects.get(key), event)  # type: ignore[assignment]
        for subject_id, period, change in changes_of(event):
            if wanted(subject_id, period, folded.subjects):
                folded.facts[(subject_id, period)] = apply(folded.facts.get((subject_id, period), Facts()), change)


def hall_cards(folded: Folded, rulebooks: RulebookLibrary, period: str, include: str | None = None) -> dict[str, Scorecard]:
    the_period = parse_period(period)
    halls = {
        hall_id: folded.facts.get((hall_id, period), Facts())
        for hall_id, row in folded.subjects.items()
        if row["kind"] == "hall" and (hall_id == include or in_service(since_of(row), the_period))
    }
    return score_halls(rulebooks.in_force_on(the_period.first_day), period, halls)


def _wanted_for(subject_id: str, period: str) -> Callable[[str, str, dict[str, dict]], bool]:
    def wanted(target: str, target_period: str, subjects: dict[str, dict]) -> bool:
        # An indexed replay loads only the subjects that matter; others (a window a worker's
        # veto rolled up to) are simply not wanted.
        return target_period == period and (target == subject_id or subjects.get(target, {}).get("kind") == "hall")

    return wanted


def replay_scorecard(recorder: ApplicationRecorder, mapper: Mapper, rulebooks: RulebookLibrary, subject_id: str,
                     period: str, position: int, page_size: int = 500) -> Scorecard | None:
    """One subject's scorecard for a period after the events up to `position`, or None if the
    subject did not exist yet. Scans the whole log: independent of every read-model table."""
    folded = fold_log(recorder, mapper, position, _wanted_for(subject_id, period), page_size)
    return _score_one(folded, rulebooks, subject_id, period)


def replay_indexed(projection: ScorecardProjection, subject_id: str, period: str, position: int) -> Scorecard | None:
    """The same answer as `replay_scorecard`, decoding only the events the read model's index
    says touched this subject (or, for a hall, any hall) in the period: what the API serves."""
    inputs = projection.replay_inputs(subject_id, period, position)
    if inputs is None:
        return None
    _, positions = inputs
    folded = Folded()
    events = (projection.mapper.to_domain_event(n) for n in projection.store.notifications_at(positions))
    fold_events(folded, events, _wanted_for(subject_id, period))
    return _score_one(folded, projection.rulebooks, subject_id, period)


def _score_one(folded: Folded, rulebooks: RulebookLibrary, subject_id: str, period: str) -> Scorecard | None:
    subject = folded.subjects.get(subject_id)
    if subject is None:
        return None
    if subject["kind"] == "hall":
        return hall_cards(folded, rulebooks, period, include=subject_id)[subject_id]
    rulebook = rulebooks.in_force_on(parse_period(period).first_day)
    return score(rulebook, subject["kind"], subject_id, period, folded.facts.get((subject_id, period), Facts()))


def replay_all(recorder: ApplicationRecorder, mapper: Mapper, rulebooks: RulebookLibrary, position: int,
               on_page: Callable[[int], None] | None = None) -> tuple[Folded, dict[tuple[str, str], Scorecard]]:
    """Every scorecard the live read model keeps, recomputed in one pass over the log."""
    folded = fold_log(recorder, mapper, position, lambda *_: True, page_size=1000, on_page=on_page)
    cards: dict[tuple[str, str], Scorecard] = {}
    hall_periods = set()
    for (subject_id, period), facts in folded.facts.items():
        kind = folded.subjects[subject_id]["kind"]
        if kind == "hall":
            hall_periods.add(period)
        else:
            rulebook = rulebooks.in_force_on(parse_period(period).first_day)
            cards[(subject_id, period)] = score(rulebook, kind, subject_id, period, facts)
    for period in hall_periods:
        for hall_id, card in hall_cards(folded, rulebooks, period).items():
            cards[(hall_id, period)] = card
    return folded, cards


def scorecard_at(projection: ScorecardProjection, subject: dict, period: str, as_of: datetime | None = None,
                 position: int | None = None) -> tuple[dict, int]:
    """The scorecard live (neither given), or as the history stood at a moment or a log
    position, with the position it reflects: what the API and the auditor's page show."""
    end = projection.position()
    if as_of is None and position is None:
        return projection.card(subject, period), end
    if position is None:
        position = projection.position_at(as_of)
    elif position > end:
        raise Invalid("position", f"日志目前只到第 {end} 条")
    replayed = replay_indexed(projection, subject["subject_id"], period, position)
    if replayed is None:
        raise NotFound("subject_id", "该对象在所问的时刻尚未建立")
    return replayed.as_dict(), position
