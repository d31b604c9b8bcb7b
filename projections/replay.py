"""The audit replay: a scorecard as the history stood at a log position, recomputed from the
events themselves through the same fold (`domain.facts`) and the same scoring function as the
live read model. It reads the log in pages and never keeps more than one period's facts."""

from __future__ import annotations

from eventsourcing.persistence import ApplicationRecorder, Mapper
from eventsourcing.utils import get_topic

from domain.complaints import Complaint
from domain.facts import Facts, apply, changes_of
from domain.figures import HallFigures
from domain.periods import in_service, parse_period
from domain.records import Record
from domain.rulebook import RulebookLibrary
from domain.scoring import Scorecard, score, score_halls
from domain.subjects import Subject, since_of, subject_row

# Only these events can change a scorecard; the replay does not decode the others.
SCORING_TOPICS = [
    get_topic(cls)
    for cls in (
        Subject.Created, Subject.Reassigned, Record.Created, Record.Retracted,
        Complaint.Filed, Complaint.Judged, HallFigures.Reported,
    )
]


def replay_scorecard(
    recorder: ApplicationRecorder,
    mapper: Mapper,
    rulebooks: RulebookLibrary,
    subject_id: str,
    period: str,
    position: int,
    page_size: int = 500,
) -> Scorecard | None:
    """The scorecard of `subject_id` for `period` after the events up to `position`, or None
    if the subject did not exist yet."""
    subjects: dict[str, dict] = {}
    facts: dict[str, Facts] = {}
    start = 0
    while start < position:
        page = recorder.select_notifications(
            start=start, limit=page_size, stop=position, topics=SCORING_TOPICS, inclusive_of_start=False
        )
        if not page:
            break
        for notification in page:
            event = mapper.to_domain_event(notification)
            if isinstance(event, Subject.Created | Subject.Reassigned):
                key = str(event.originator_id)
                subjects[key] = subject_row(subjects.get(key), event)  # type: ignore[assignment]
            for target, target_period, change in changes_of(event):
                if target_period == period and (target == subject_id or subjects[target]["kind"] == "hall"):
                    facts[target] = apply(facts.get(target, Facts()), change)
        start = page[-1].id
    subject = subjects.get(subject_id)
    if subject is None:
        return None
    the_period = parse_period(period)
    rulebook = rulebooks.in_force_on(the_period.first_day)
    if subject["kind"] != "hall":
        return score(rulebook, subject["kind"], subject_id, period, facts.get(subject_id, Facts()))
    halls = {
        hall_id: facts.get(hall_id, Facts())
        for hall_id, row in subjects.items()
        if row["kind"] == "hall" and (hall_id == subject_id or in_service(since_of(row), the_period))
    }
    return score_halls(rulebook, period, halls)[subject_id]
