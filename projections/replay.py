"""The audit replay: scorecards recomputed from the events themselves, independent of every
read-model table, through the same derivation (domain/derivation.py) and the same scoring
function (domain/scoring.py) as the live read model. `evalctl verify` compares the two.

The replay keeps the history in memory (domain/history.py, the in-memory twin of
projections/book.py) and reads the log in pages, decoding only the events that can change a
scorecard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.complaints import Complaint
from domain.errors import Invalid, NotFound
from domain.figures import HallFigures
from domain.history import MemoryBook
from domain.records import Record
from domain.round import Round
from domain.rulebook import Rulebook, RulebookLibrary
from domain.rulebook_versions import RulebookVersion
from domain.scoring import Scorecard
from domain.subjects import Subject
from domain.topics import stored_topics

SCORING_TOPICS = stored_topics(
    Subject.Created, Subject.Reassigned, Subject.Renamed, Record.Created, Record.Corrected, Record.Retracted,
    Complaint.Filed, Complaint.Judged, HallFigures.Reported, Round.Closed, RulebookVersion.Adopted,
    RulebookVersion.Replaced,
)


def fold_log(recorder: ApplicationRecorder, mapper: Mapper, rulebooks: RulebookLibrary, position: int,
             page_size: int = 1000, on_page: Callable[[int], None] | None = None,
             governing: dict[str, Rulebook] | None = None) -> MemoryBook:
    """The history up to a log position, read from the log itself. `rulebooks` are the shipped
    versions (the log adopts the others); `governing` scores some periods under versions of the
    caller's choice (a preview)."""
    book = MemoryBook(rulebooks, governing)
    start = 0
    while start < position:
        page = recorder.select_notifications(start=start, limit=page_size, stop=position, topics=SCORING_TOPICS,
                                             inclusive_of_start=False)
        if not page:
            break
        fold_events(book, ((n.id, mapper.to_domain_event(n)) for n in page))
        start = page[-1].id
        if on_page is not None:
            on_page(start)
    return book


def fold_events(book: MemoryBook, events: Iterable[tuple[int, object]]) -> None:
    for position, event in events:
        book.fold(position, event)


def replay_scorecard(recorder: ApplicationRecorder, mapper: Mapper, rulebooks: RulebookLibrary, subject_id: str,
                     period: str, position: int) -> Scorecard | None:
    """One subject's scorecard for a period after the events up to `position`, or None if the
    subject did not exist yet."""
    return fold_log(recorder, mapper, rulebooks, position).card(subject_id, period)


def replay_all(recorder: ApplicationRecorder, mapper: Mapper, rulebooks: RulebookLibrary, position: int,
               on_page: Callable[[int], None] | None = None) -> tuple[MemoryBook, dict[tuple[str, str], Scorecard]]:
    """Every scorecard the live read model keeps, recomputed in one pass over the log."""
    book = fold_log(recorder, mapper, rulebooks, position, on_page=on_page)
    return book, book.cards()


def scorecard_at(read_model, subject: dict, period: str, as_of: datetime | None = None,
                 position: int | None = None) -> tuple[dict, int]:
    """The scorecard live (neither given), or as the history stood at a moment or a log
    position, with the position it reflects: what the API and the auditor's page show. The
    read model keeps every version of every entry, so an earlier card costs what a live one
    does."""
    end = read_model.position()
    if as_of is None and position is None:
        return read_model.card(subject, period), end
    if position is None:
        position = read_model.position_at(as_of)
    elif position > end:
        raise Invalid("position", f"日志目前只到第 {end} 条")
    card = read_model.card_at(subject["subject_id"], period, position)
    if card is None:
        raise NotFound("subject_id", "该对象在所问的时刻尚未建立")
    return card, position
