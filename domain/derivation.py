"""How each event changes the entries of the cards it touches: decided here, once, for both the
live read model and the audit replay.

Each of them runs every event through `derive` in log order, handing it what the history so
far knows (`History`: the roster, the rounds already closed, the rulebook of a period) and the
entries so far (`Book`). The history already includes the event being derived (a
reassignment is in the roster when its own effects are derived). The readings applied:

- A record counts for its own subject in the periods the command placed it in (`counts_in`,
  fixed when it was made: the periods open then, look-back included; readings 3 and 4), under
  that period's rulebook: by the rule it names, or the rule that version's `carries_from` maps
  it to; if neither, it stays on the card without counting, saying why (`held`).
- A rulebook version the office loads (RulebookVersion events) is known from its position on.
  Every period it takes over (now scored under it, no round of it closed: otherwise the event
  is refused) is re-derived: its entries count again under the new version, and its cards are
  summed again.
- A worker's veto that the rulebook rolls up also counts on the window the worker served at
  when it happened, as the roster is known *now* (reading 6): a back-dated reassignment moves
  it, and both windows' cards show the move. A window whose round of that period is closed is
  left as it was frozen: no roll-up is added to it or moved off it.
- A retraction, a complaint's verdict and an attendance correction make new versions of the
  same entries (reading 11, 13); nothing is removed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Protocol

from domain.complaints import Complaint
from domain.errors import Conflict
from domain.facts import Entry
from domain.periods import CADENCE_OF_KIND, local_date, parse_period, period_of
from domain.records import Record
from domain.rulebook import Rulebook, RulebookLibrary, parse_rulebook
from domain.rulebook_versions import RulebookVersion
from domain.subjects import Subject

Placed = tuple[str, str, Entry]  # (subject id, period id, the entry's latest version)


class History(Protocol):
    def parent_at(self, subject_id: str, moment: datetime) -> str | None: ...

    def is_closed(self, kind: str, period: str) -> bool: ...

    def rulebook_of(self, period: str) -> Rulebook: ...

    def library(self) -> RulebookLibrary:
        """The versions known (a period may be scored under another: a preview)."""

    def adopt(self, rulebook: Rulebook) -> None:
        """From now on the history knows this version (added, or replacing the one so named)."""

    def closed_rounds(self) -> set[tuple[str, str]]: ...

    def periods(self) -> set[str]:
        """Every period with a card (an entry, or a hall's figures)."""


class Book(Protocol):
    def entries_of(self, record_id: str) -> list[Placed]: ...

    def entries_on(self, subject_id: str) -> list[Placed]: ...

    def entries_in(self, period: str) -> list[Placed]: ...

    def put(self, subject_id: str, period: str, entry: Entry) -> None:
        """Makes `entry` the latest version of (subject, period, entry.record_id)."""

    def rescore(self, period: str) -> None:
        """Every card of the period is summed again under the period's rulebook."""


def derive(event: object, position: int, history: History, book: Book) -> None:
    if isinstance(event, Record.Created):
        origin = "attendance" if event.attendance is not None else "record"
        _place(event.subject_id, event.subject_kind, _own_entry(event, origin, position), event.counts_in, history, book)
    elif isinstance(event, Record.Corrected):
        _correct(event, position, history, book)
    elif isinstance(event, Record.Retracted):
        _restate(book, str(event.originator_id), effective=False, reason=f"已撤销:{event.reason}")
    elif isinstance(event, Complaint.Filed):
        own = Entry(record_id=str(event.originator_id), rule_id="", occurred_at=event.received_at,
                    recorded_at=event.recorded_at, effective=False, note=event.summary, origin="complaint",
                    actor=event.actor, origin_position=position, reason="投诉待核实")
        _place(event.subject_id, event.subject_kind, own, event.counts_in, history, book)
    elif isinstance(event, Complaint.Judged):
        reason = "" if event.substantiated else "投诉经核实不属实" + (f":{event.note}" if event.note else "")
        _restate(book, str(event.originator_id), effective=event.substantiated, reason=reason)
    elif isinstance(event, Subject.Reassigned):
        _follow_roster(str(event.originator_id), position, history, book)
    elif isinstance(event, RulebookVersion.Adopted | RulebookVersion.Replaced):
        _adopt(parse_rulebook(event.rulebook), history, book)


def _own_entry(event: Record.Created | Record.Corrected, origin: str, position: int) -> Entry:
    return Entry(record_id=str(event.originator_id), rule_id=event.rule_id or "", occurred_at=event.occurred_at,
                 recorded_at=event.recorded_at, quantity=event.quantity, points=event.points, note=event.note,
                 origin=origin, actor=event.actor, origin_position=position)


def _restate(book: Book, record_id: str, effective: bool, reason: str) -> None:
    """Every entry of a record (but the roll-ups moved away) counts, or stops counting."""
    for subject_id, period, entry in book.entries_of(record_id):
        if not entry.moved_away:
            book.put(subject_id, period, replace(entry, effective=effective, reason=reason))


def _place(subject_id: str, kind: str, own: Entry, counts_in: list[dict], history: History, book: Book) -> None:
    """Puts a record (or complaint) on its own cards and rolls a worker's veto up."""
    own_period = period_of(CADENCE_OF_KIND[kind], local_date(own.occurred_at)).id
    under = history.rulebook_of(own_period).version  # the version the record was checked against
    for target in counts_in:
        if target["subject_id"] != subject_id:
            continue  # release 0.1 kept roll-ups here too; they are derived now
        period = target["period"]
        entry = replace(own, rule_id=target["rule_id"], recorded_rule_id=target["rule_id"], recorded_under=under)
        entry = _under_rulebook(entry, history.rulebook_of(period))
        book.put(subject_id, period, entry)
        if kind == "worker":
            window = _roll_up_window(subject_id, period, entry, history)
            if window is not None:
                book.put(window, period, _rolled(entry, subject_id, history.rulebook_of(period), ""))


def _under_rulebook(entry: Entry, rulebook: Rulebook) -> Entry:
    """The entry as the period's rulebook counts it: under the rule the record names, or, if an
    earlier version named it, the one this version maps it to (`carries_from`); held back, saying
    why, if it has neither."""
    recorded = entry.recorded_rule_id or entry.rule_id
    if entry.recorded_under == rulebook.version:
        rule_id = recorded if rulebook.has_rule(recorded) else None
    else:
        rule_id = rulebook.rule_for(recorded)
    if rule_id is None:
        return replace(entry, rule_id=recorded, recorded_rule_id=recorded,
                       held=f"{rulebook.version} 版考评标准中没有规则 {recorded},也没有指明由哪条规则沿用,不计入本期")
    return replace(entry, rule_id=rule_id, recorded_rule_id=recorded, held="")


def _rolls_up(rulebook: Rulebook, rule_id: str) -> str | None:
    return rulebook.rule(rule_id).rolls_up_to if rulebook.has_rule(rule_id) else None


def _roll_up_window(worker_id: str, period: str, own: Entry, history: History) -> str | None:
    """The window a worker's entry rolls up to: where the worker served when it happened, if
    the rule rolls up and that window's round of the period is still open."""
    rulebook = history.rulebook_of(period)
    rolls_up_to = _rolls_up(rulebook, own.rule_id)
    if rolls_up_to is None or history.is_closed(rulebook.kind_of_rule(rolls_up_to), period):
        return None
    return history.parent_at(worker_id, own.occurred_at)


def _rolled(own: Entry, worker_id: str, rulebook: Rulebook, reason: str) -> Entry:
    return replace(own, rule_id=rulebook.rule(own.rule_id).rolls_up_to, from_subject_id=worker_id,
                   reason=own.reason or reason)


def _active_roll_ups(book: Book, record_id: str, worker_id: str, period: str) -> list[Placed]:
    return [p for p in book.entries_of(record_id) if p[0] != worker_id and p[1] == period and not p[2].moved_away]


def _follow_roster(worker_id: str, position: int, history: History, book: Book) -> None:
    """After a reassignment, each of the worker's rolled-up entries belongs to the window the
    worker served at when it happened, as the roster now says (reading 6)."""
    for _, period, own in book.entries_on(worker_id):
        rulebook = history.rulebook_of(period)
        rolls_up_to = _rolls_up(rulebook, own.rule_id)
        if rolls_up_to is None or history.is_closed(rulebook.kind_of_rule(rolls_up_to), period):
            continue  # not a roll-up, or a closed round's cards stay as they were frozen
        target = history.parent_at(worker_id, own.occurred_at)
        active = _active_roll_ups(book, own.record_id, worker_id, period)
        if [w for w, _, _ in active] == ([target] if target else []):
            continue
        for window, _, entry in active:
            book.put(window, period, replace(entry, effective=False, moved_away=True,
                                             reason=f"名册更正(日志第 {position} 条):改记至该人员当时所在的窗口"))
        if target is not None:
            moved = _rolled(own, worker_id, rulebook, f"名册更正(日志第 {position} 条):由原窗口改记至此")
            book.put(target, period, replace(moved, moved_away=False))


def _correct(event: Record.Corrected, position: int, history: History, book: Book) -> None:
    """An attendance exception corrected (minutes changed, leave approved afterwards): its
    entries become what the corrected row resolves to (reading 13); what no longer counts
    stays on the card, saying so."""
    record_id = str(event.originator_id)
    before = [p for p in book.entries_of(record_id) if not p[2].moved_away]
    first = min((e.origin_position for _, _, e in before), default=position)
    wanted: dict[tuple[str, str], Entry] = {}

    class Wanted:  # collects what placing the corrected row would put
        def entries_of(self, rid: str) -> list[Placed]:
            return []

        def entries_on(self, subject_id: str) -> list[Placed]:
            return []

        def put(self, subject_id: str, period: str, entry: Entry) -> None:
            wanted[(subject_id, period)] = entry

    own = replace(_own_entry(event, "attendance", first), reason=f"考勤已更正(日志第 {position} 条)")
    _place(event.subject_id, "worker", own, event.counts_in, history, Wanted())
    for subject_id, period, entry in before:
        if (subject_id, period) in wanted:
            continue
        frozen = subject_id != event.subject_id and history.is_closed("window", period)
        if not frozen:
            wanted[(subject_id, period)] = replace(entry, effective=False,
                                                   reason=f"考勤已更正(日志第 {position} 条),不再计入")
    for (subject_id, period), entry in wanted.items():
        book.put(subject_id, period, entry)


def _adopt(rulebook: Rulebook, history: History, book: Book) -> None:
    """A version loaded: the periods it takes over are scored under it from now on. A period
    with a closed round never changes rulebook (its standings are frozen): such a version is
    refused, and nothing of it is kept."""
    before, after = history.library(), history.library().with_version(rulebook)
    with_cards = history.periods()
    changed = []
    for period in sorted(with_cards | {p for _, p in history.closed_rounds()}):
        first = parse_period(period).first_day
        own = history.rulebook_of(period) is before.in_force_on(first)  # not one the caller chose (a preview)
        if own and before.in_force_on(first) is not after.in_force_on(first):
            changed.append(period)
    closed = sorted(f"{period}({kind})" for kind, period in history.closed_rounds() if period in changed)
    if closed:
        raise Conflict("effective_from", f"考评期 {'、'.join(closed)} 已截止,按原考评标准冻结了排名,"
                                         f"不能改由 {rulebook.version} 版计分")
    history.adopt(rulebook)
    for period in changed:
        if period in with_cards:
            book.rescore(period)
            _rederive(period, history, book)


def _rederive(period: str, history: History, book: Book) -> None:
    """Every entry of a period counted again under its (new) rulebook; a worker's roll-ups
    follow its own entry."""
    rulebook = history.rulebook_of(period)
    for subject_id, _, entry in book.entries_in(period):
        if entry.from_subject_id is not None:
            continue  # a roll-up: it follows its worker's own entry, below
        own = _under_rulebook(entry, rulebook)
        book.put(subject_id, period, own)
        _realign_roll_ups(subject_id, period, own, rulebook, history, book)


def _realign_roll_ups(subject_id: str, period: str, own: Entry, rulebook: Rulebook, history: History,
                      book: Book) -> None:
    """Whether and under which window rule an entry rolls up is the rulebook's: the roll-ups of
    a record follow what the period's version says of its own entry."""
    rolls_up_to = None if own.held else _rolls_up(rulebook, own.rule_id)
    active = _active_roll_ups(book, own.record_id, subject_id, period)
    if rolls_up_to is None:
        for window, _, entry in active:
            book.put(window, period, replace(entry, held=f"{rulebook.version} 版考评标准中规则 {own.rule_id} 不计入窗口"))
    elif active:
        for window, _, entry in active:
            book.put(window, period, replace(entry, rule_id=rolls_up_to, held=""))
    else:
        window = _roll_up_window(subject_id, period, own, history)
        if window is not None:
            book.put(window, period, _rolled(own, subject_id, rulebook, ""))
