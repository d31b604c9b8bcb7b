"""The live read model's writer: applies events to the read-model tables.

Every command applies its own events in the transaction that appends them
(projections/recorders.py calls `apply_appended`), so a command commits its events, the rows
they change, the hash chain's links and the tracking position together or not at all; an
event the read model cannot apply is never stored. `catch_up` applies what was appended
otherwise (by an earlier release, or outside any command) from the tracked position, in large
transactions: exactly once, resumable after a crash, several processes taking turns on the
tracking row. `rebuild` builds the whole read model aside from the log and swaps it in.

Work per event is proportional to what it touches: a record adds a row per card it counts on
and updates those cards' tallies; a hall's figures re-rank the halls of that year.
"""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from eventsourcing.persistence import Mapper, Notification, PersistenceError, StoredEvent

from domain.accounts import LoginAttempt, Operation
from domain.complaints import Complaint
from domain.derivation import derive
from domain.disputes import Dispute
from domain.errors import Refused
from domain.figures import HallFigures
from domain.nominations import Nomination
from domain.objections import Objection
from domain.records import Record
from domain.round import Round
from domain.subjects import Subject, subject_row
from projections import accounts, attachments, chain, log, schema
from projections.book import Book, micros, utc_text
from projections.rulebooks import KnownRulebooks
from projections.store import Cursor, ReadStore

NAME = "scorecards"
PAGE = 5000  # events read, decoded and written at a time, whatever the transaction's size
# The office's worklists (rm_queue): the event that opens an item, and the one that settles it.
QUEUE_OPENED_BY = {Complaint.Filed: "complaint", Objection.Lodged: "objection", Dispute.Filed: "dispute"}
QUEUE_SETTLED_BY = (Complaint.Judged, Objection.Ruled, Dispute.Ruled)
Applied = tuple[int, str, Any]  # (position, topic, domain event)
# Read models of their own, applied event by event in the same transaction (each has TABLES and apply()).
SIDE_MODELS = (accounts, attachments)
DATABASE_ERRORS = (sqlite3.Error, psycopg.Error, PersistenceError)


class ProjectionFailed(Exception):
    """The read model cannot apply an event: the transaction that would store it is undone."""


@contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    # A large transaction holds many objects; the collector's full passes over them pause for
    # seconds, long enough for PostgreSQL to end the "idle" transaction (the library's 5 s
    # idle_in_transaction_session_timeout). Nothing here makes cycles.
    was_enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause and was_enabled:
            gc.enable()


@dataclass
class Rows:
    """The rows one page of events adds to the plain tables, written with the page."""

    events: list[tuple] = field(default_factory=list)
    audit: list[tuple] = field(default_factory=list)
    authored: list[tuple] = field(default_factory=list)
    queue_opened: list[tuple] = field(default_factory=list)
    queue_settled: list[tuple] = field(default_factory=list)
    nominations: list[tuple] = field(default_factory=list)
    attendance: list[tuple] = field(default_factory=list)


class Writer:
    def __init__(self, store: ReadStore, mapper: Mapper, known: KnownRulebooks):
        self.store = store
        self.mapper = mapper
        self.known = known
        self.on_commit: list[Callable[[int], None]] = []  # told the new position after a commit

    # --- the tables ----------------------------------------------------------------------------

    def prepare(self) -> bool:
        """Creates the tables a new store lacks; True if the derived ones are of another
        version (release 0.1's, say) and must be rebuilt before use."""
        with self.store.transaction() as cur:
            schema.create_kept(cur)
            version = schema.stored_version(cur)
            if version == 0:
                schema.create_derived(cur)
                cur.execute("INSERT INTO {p}rm_tracking (name, position) VALUES (?, 0)", [NAME])
        return version not in (0, schema.VERSION)

    def position(self, cur: Cursor | None = None) -> int:
        if cur is not None:
            return int(cur.one("SELECT position FROM {p}rm_tracking WHERE name = ?", [NAME])["position"])
        with self.store.transaction(commit=False) as read:
            return self.position(read)

    # --- a command's own events ----------------------------------------------------------------

    def apply_appended(self, raw_cursor: Any, positions: Sequence[int], stored: Sequence[StoredEvent],
                       events: Sequence[Any] | None) -> None:
        """In the transaction that has just appended `stored` at `positions`: applies them (and
        anything before them the read model has not seen) and moves the tracking position."""
        cur = Cursor(self.store, raw_cursor)
        start = self._lock_tracking(cur)
        first = min(positions)
        try:
            with _collector_paused(len(positions) > PAGE):
                book = Book(cur, self.known)
                if start < first - 1:  # appended outside a command meanwhile
                    self._apply_log(cur, book, start, first - 1)
                decoded = events if events is not None else [self.mapper.to_domain_event(s) for s in stored]
                for i in range(0, len(positions), PAGE):
                    page = list(zip(positions[i:i + PAGE], stored[i:i + PAGE], decoded[i:i + PAGE], strict=True))
                    self._apply_page(cur, book, [(p, s.topic, e) for p, s, e in page])
                    chain.extend(cur, [Notification(id=p, originator_id=s.originator_id,
                                                    originator_version=s.originator_version, topic=s.topic,
                                                    state=s.state) for p, s, _ in page])
                book.write_cards()
        except (ProjectionFailed, Refused, *DATABASE_ERRORS):
            # A store that fails is the store's problem (503), not the read model's; a refusal
            # that only the history can decide (a rulebook version taking over a period whose
            # round has just closed) is the command's (4xx). Either way nothing is stored.
            raise
        except Exception as error:  # noqa: BLE001 - whatever it was, nothing is stored
            raise ProjectionFailed(f"{type(error).__name__}: {error}") from error
        cur.execute("UPDATE {p}rm_tracking SET position = ? WHERE name = ?", [max(positions), NAME])

    def _lock_tracking(self, cur: Cursor) -> int:
        """Locks the tracking row (projectors and commands take turns) and reads it."""
        cur.execute("UPDATE {p}rm_tracking SET position = position WHERE name = ?", [NAME])
        return self.position(cur)

    # --- catching up -----------------------------------------------------------------------------

    def catch_up(self, until: int | None = None, on_page: Callable[[int, int], None] | None = None) -> int:
        """Applies the log up to `until` (default: its end) in one transaction; returns the
        position. Another process applying the same events meanwhile is waited for, not repeated."""
        with self.store.transaction() as cur:
            start = self._lock_tracking(cur)  # first: on SQLite, a transaction that read first may not write
            target = log.end(cur) if until is None else until
            if start >= target:
                return start
            with _collector_paused(target - start > PAGE):
                book = Book(cur, self.known)
                self._apply_log(cur, book, start, target, on_page)
                book.write_cards()
            cur.execute("UPDATE {p}rm_tracking SET position = ? WHERE name = ?", [target, NAME])
        self._committed(target)
        return target

    def rebuild(self, on_page: Callable[[int, int], None] | None = None) -> int:
        """Builds the whole read model aside from the log and swaps it in, in one transaction:
        the live one answers until the new one is complete, and a failure leaves it as it was.
        Writers are held back only for the last stretch (the events appended meanwhile)."""
        suffix = schema.ASIDE
        with self.store.transaction() as plain:
            schema.drop_aside(plain, suffix)
            schema.create_derived(plain, suffix)
            cur = plain.aside(suffix)
            cur.execute("INSERT INTO {p}rm_tracking (name, position) VALUES (?, 0)", [NAME])
            done = 0
            with _collector_paused(True):
                book = Book(cur, self.known)
                for last_stretch in (False, True):
                    if last_stretch:
                        log.lock_for_writing(plain)
                    target = log.end(plain)
                    self._apply_log(cur, book, done, target, on_page, link=False)
                    done = target
                book.write_cards()
            chain.link_rest(plain)  # the chain is kept, not rebuilt: only what it lacked, now that writers wait
            cur.execute("UPDATE {p}rm_tracking SET position = ? WHERE name = ?", [done, NAME])
            schema.swap_in(plain, suffix)
        self.known.forget()
        self._committed(done)
        return done

    def _committed(self, position: int) -> None:
        for listener in self.on_commit:
            listener(position)

    def _apply_log(self, cur: Cursor, book: Book, start: int, target: int,
                   on_page: Callable[[int, int], None] | None = None, link: bool = True) -> None:
        position = start
        while position < target:
            notifications = log.after(cur, position, target, PAGE)
            if not notifications:
                break
            self._apply_page(cur, book, [(n.id, n.topic, self.mapper.to_domain_event(n)) for n in notifications])
            if link:
                chain.extend(cur, notifications)
            position = notifications[-1].id
            if on_page is not None:
                on_page(position, target)

    # --- one page of events ----------------------------------------------------------------------

    def _apply_page(self, cur: Cursor, book: Book, events: list[Applied]) -> None:
        rows = Rows()
        for position, topic, event in events:
            book.position = position
            self._apply_one(book, rows, position, topic, event)
            for model in SIDE_MODELS:
                model.apply(cur, position, event)
        book.write_rows()
        self._write(cur, rows)

    def _apply_one(self, book: Book, rows: Rows, position: int, topic: str, event: Any) -> None:
        recorded_at = getattr(event, "recorded_at", None)
        originator = str(event.originator_id)
        rows.events.append((position, originator, event.originator_version, topic, micros(recorded_at)))
        if isinstance(event, Subject.Created | Subject.Reassigned | Subject.Renamed):
            subject_id = str(event.originator_id)
            before = book.subject(subject_id) if event.originator_version > 1 else None
            row = subject_row(before, event)
            assert row is not None
            row["position"] = position
            row.setdefault("created_position", position)
            book.set_subject(row)
            if isinstance(event, Subject.Created) and event.kind == "hall":
                book.new_hall()
        elif isinstance(event, Record.Created | Complaint.Filed):
            book.is_new(originator)
        elif isinstance(event, HallFigures.Reported):
            book.report_figures(event.hall_id, str(event.year), dict(event.figures))
        elif isinstance(event, Round.Closed):
            book.close_round(event.kind, event.period)
        derive(event, position, book, book)
        if isinstance(event, Record.Created | Record.Corrected) and event.attendance is not None:
            a = event.attendance
            rows.attendance.append((originator, event.subject_id, a["date"], a["kind"], a["occurrence"],
                                    a.get("minutes"), int(bool(a.get("excused"))), event.rule_id, position))
        if isinstance(event, Record.Created):
            rows.authored.append((event.actor, position, originator))
        if isinstance(event, LoginAttempt.Attempted):
            rows.audit.append((position, utc_text(event.recorded_at), event.username, None, event.address, "login",
                               None, int(event.success), event.reason))
        elif isinstance(event, Operation.Logged):
            rows.audit.append((position, utc_text(event.recorded_at), event.actor, event.role, event.address,
                               f"{event.method} {event.path}", event.status, int(event.success), None))
        if type(event) in QUEUE_OPENED_BY:
            rows.queue_opened.append((str(event.originator_id), QUEUE_OPENED_BY[type(event)], event.subject_id,
                                      utc_text(getattr(event, "received_at", None) or recorded_at), position, 1))
        elif isinstance(event, QUEUE_SETTLED_BY):
            rows.queue_settled.append((str(event.originator_id),))
        if isinstance(event, Nomination.Submitted):
            rows.nominations.append((event.subject_id, event.period, event.kind, str(event.originator_id), event.unit,
                                     position))

    def _write(self, cur: Cursor, rows: Rows) -> None:
        cur.insert("{p}rm_events", "position, originator_id, originator_version, topic, recorded_at", rows.events)
        cur.insert("{p}rm_audit", "position, at, actor, role, address, action, status, success, detail", rows.audit)
        cur.insert("{p}rm_authored", "actor, position, record_id", rows.authored)
        cur.executemany("INSERT INTO {p}rm_queue (item_id, kind, subject_id, received_at, position, open)"
                        " VALUES (?, ?, ?, ?, ?, ?)", rows.queue_opened)
        cur.executemany("UPDATE {p}rm_queue SET open = 0 WHERE item_id = ?", rows.queue_settled)
        cur.executemany("INSERT INTO {p}rm_nominations (subject_id, period, kind, nomination_id, unit, position)"
                        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subject_id, period) DO NOTHING", rows.nominations)
        cur.executemany(
            "INSERT INTO {p}rm_attendance (record_id, worker_id, day, kind, occurrence, minutes, excused, rule_id,"
            " position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id) DO UPDATE SET"
            " minutes = excluded.minutes, excused = excluded.excused, rule_id = excluded.rule_id,"
            " position = excluded.position", rows.attendance)
