"""The live read model: every subject's scorecard per period, kept up to date by catch-up.

`catch_up` reads the log from the last tracked position in batches and applies each batch
and the new tracking position in one transaction: exactly once, resumable after a crash,
the same on SQLite and PostgreSQL. Several processes may call it at once; the tracking row
is locked first, and a process that finds the position moved on simply starts again.

Work per event is proportional to the subjects it touches: a record touches its subject
(and a window it rolls up to); a hall's figures touch the halls of that year, because the
A3.2.6 ranking is among all of them.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.accounts import LoginAttempt, Operation
from domain.complaints import Complaint
from domain.disputes import Dispute
from domain.facts import Facts, apply, changes_of, facts_from_json, facts_to_json
from domain.nominations import Nomination
from domain.objections import Objection
from domain.periods import in_service, parse_period
from domain.records import Record
from domain.rulebook import RulebookLibrary
from domain.scoring import Scorecard, number, rank_standings, score, score_halls
from domain.subjects import Subject, since_of, subject_row
from projections import accounts, attachments, chain
from projections.store import Cursor, ReadStore

NAME = "scorecards"
CARDS_AT_ONCE = 500  # cards scored and written at a time at the end of a transaction
PAGE = 5000  # events read and decoded at a time, whatever the transaction's size
# The office's worklists (rm_queue): the event that opens an item, and the one that settles it.
QUEUE_OPENED_BY = {Complaint.Filed: "complaint", Objection.Lodged: "objection", Dispute.Filed: "dispute"}
QUEUE_SETTLED_BY = (Complaint.Judged, Objection.Ruled, Dispute.Ruled)
# Read models of their own, kept in the same transaction: each module has SCHEMA and apply().
SIDE_MODELS = (accounts, attachments)


@contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    was_enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause and was_enabled:
            gc.enable()


def utc_text(moment: datetime | None) -> str | None:
    """Received-at times as fixed-width UTC text, so they sort as text on every store."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


@dataclass
class Batch:
    """What one transaction's events changed so far: the subjects and facts of every card
    touched (the cards are written once, at its end)."""

    subjects: dict[str, dict] = field(default_factory=dict)
    facts: dict[tuple[str, str], Facts] = field(default_factory=dict)
    hall_periods: set[str] = field(default_factory=set)
    new_halls: bool = False
    position: int = 0  # the last event folded in: the cards' position


@dataclass
class Rows:
    """The rows one page of events adds to the other read-model tables, written with the page."""

    events: list[tuple[int, str, int, str, str | None]] = field(default_factory=list)
    changed_subjects: set[str] = field(default_factory=set)
    nominations: list[tuple[str, str, str, str, str, int]] = field(default_factory=list)
    touches: set[tuple[str, str, int]] = field(default_factory=set)
    audit: list[tuple] = field(default_factory=list)
    authored: list[tuple[str, int, str]] = field(default_factory=list)
    queue_opened: list[tuple] = field(default_factory=list)
    queue_settled: list[str] = field(default_factory=list)


class ScorecardProjection:
    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper, rulebooks: RulebookLibrary,
                 batch_size: int = 500):
        self.recorder = recorder
        self.mapper = mapper
        self.rulebooks = rulebooks
        self.batch_size = batch_size
        self.store = ReadStore(recorder)
        # Standings change only when the read model moves: the last answer per (kind, period),
        # with the position it reflects, serves every reader until the position changes.
        self._standings: dict[tuple[str, str], tuple[int, list[dict]]] = {}
        self._standings_locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_lock = threading.Lock()

    # --- writing -----------------------------------------------------------------------------

    def create_tables(self) -> None:
        self.store.create_tables()
        with self.store.transaction() as cur:
            for statement in (s for model in SIDE_MODELS for s in model.SCHEMA):
                cur.execute(statement)
            if cur.one("SELECT position FROM {p}rm_tracking WHERE name = ?", [NAME]) is None:
                cur.execute("INSERT INTO {p}rm_tracking (name, position) VALUES (?, 0)", [NAME])

    def position(self) -> int:
        with self.store.transaction(commit=False) as cur:
            return int(cur.one("SELECT position FROM {p}rm_tracking WHERE name = ?", [NAME])["position"])

    def log_end(self) -> int:
        return self.recorder.max_notification_id() or 0

    def catch_up(self, until: int | None = None, on_batch: Callable[[int, int], None] | None = None,
                 batch_size: int | None = None) -> int:
        """Applies the log up to `until` (default: its current end); returns the position.
        `batch_size` is events per transaction (0: everything up to `until` in one), read and
        decoded in pages of at most `PAGE`; a subject's card is scored and written once per
        transaction, so bulk work (a rebuild, an import) wants large ones.
        `on_batch(position, target)` is told after each page (progress bars)."""
        target = self.log_end() if until is None else until
        size = self.batch_size if batch_size is None else batch_size
        while True:
            start = self.position()
            if on_batch is not None:
                on_batch(start, target)
            if start >= target:
                return start
            self._apply_from(start, target, size or target - start, on_batch)

    def rebuild(self, on_batch: Callable[[int, int], None] | None = None, batch_size: int = 0) -> int:
        """Drops the read models and applies the whole log again (the hash chain is kept).
        By default in one transaction: every card is then scored and written once, instead of
        once per batch with its whole history, and a crash leaves an empty read model that the
        next catch-up fills. Memory grows with the log's records, as in `evalctl verify`
        (the ten-county bench peaked at 1.7 GB); `batch_size` bounds a transaction on a small machine."""
        end = self.log_end()
        self.store.drop_read_model()
        self.create_tables()
        self._standings.clear()
        return self.catch_up(until=end, on_batch=on_batch, batch_size=batch_size)

    def _apply_from(self, start: int, target: int, size: int,
                    on_page: Callable[[int, int], None] | None = None) -> None:
        """Applies up to `size` events after `start` and moves the position in one transaction,
        unless another process has moved it meanwhile (then the caller reads again)."""
        # A large transaction holds millions of facts; the collector's full passes over them
        # then pause for seconds, long enough for PostgreSQL to end the idle transaction
        # (idle_in_transaction_session_timeout, 5 s in the library). Facts hold no cycles.
        with _collector_paused(size > PAGE), self.store.transaction() as cur:
            # Lock the tracking row before reading it: projectors take turns.
            cur.execute("UPDATE {p}rm_tracking SET position = position WHERE name = ?", [NAME])
            row = cur.one("SELECT position FROM {p}rm_tracking WHERE name = ?", [NAME])
            if int(row["position"]) != start:
                return
            batch, position, left = Batch(), start, size
            while position < target and left > 0:
                limit = min(PAGE, left)
                notifications = self.store.notifications_after(cur, position, target, limit)
                self._apply(cur, batch, [(n.id, n.topic, self.mapper.to_domain_event(n)) for n in notifications])
                chain.extend(cur, notifications)
                # A short page means everything up to the target has been read (ids may have gaps).
                position = notifications[-1].id if len(notifications) == limit else target
                left -= len(notifications)
                if on_page is not None and position < target:
                    on_page(position, target)
            self._write_cards(cur, batch)
            cur.execute("UPDATE {p}rm_tracking SET position = ? WHERE name = ?", [position, NAME])

    def _apply(self, cur: Cursor, batch: Batch, events: list[tuple[int, str, Any]]) -> None:
        """Folds one page of events into `batch` and writes the rows they add (events, subjects,
        audit, queue, …); the cards wait for the end of the transaction."""
        rows = Rows()
        for position, topic, event in events:
            batch.position = position
            rows.events.append((position, str(event.originator_id), event.originator_version, topic,
                                 utc_text(getattr(event, "recorded_at", None))))
            if isinstance(event, Subject.Created | Subject.Reassigned | Subject.Renamed):
                subject_id = str(event.originator_id)
                before = self._subject(cur, batch, subject_id) if event.originator_version > 1 else None
                row = subject_row(before, event)
                assert row is not None
                row["position"] = position
                batch.subjects[subject_id] = row
                rows.changed_subjects.add(subject_id)
                if isinstance(event, Subject.Created) and event.kind == "hall":
                    batch.new_halls = True
            if isinstance(event, LoginAttempt.Attempted):
                rows.audit.append((position, utc_text(event.recorded_at), event.username, None, event.address,
                                    "login", None, int(event.success), event.reason))
            elif isinstance(event, Operation.Logged):
                rows.audit.append((position, utc_text(event.recorded_at), event.actor, event.role, event.address,
                                    f"{event.method} {event.path}", event.status, int(event.success), None))
            if isinstance(event, Record.Created):
                rows.authored.append((event.actor, position, str(event.originator_id)))
            if type(event) in QUEUE_OPENED_BY:
                rows.queue_opened.append((str(event.originator_id), QUEUE_OPENED_BY[type(event)], event.subject_id,
                                           utc_text(getattr(event, "received_at", None) or event.recorded_at), position, 1))
            elif isinstance(event, QUEUE_SETTLED_BY):
                rows.queue_settled.append(str(event.originator_id))
            for model in SIDE_MODELS:
                model.apply(cur, position, event)
            if isinstance(event, Nomination.Submitted):
                rows.nominations.append((event.subject_id, event.period, event.kind, str(event.originator_id),
                                          event.unit, position))
            for subject_id, period, change in changes_of(event):
                rows.touches.add((subject_id, period, position))
                key = (subject_id, period)
                batch.facts[key] = apply(self._facts(cur, batch, key), change)
                if self._subject(cur, batch, subject_id)["kind"] == "hall":
                    batch.hall_periods.add(period)
        self._write_rows(cur, batch, rows)

    def _subject(self, cur: Cursor, batch: Batch, subject_id: str) -> dict:
        if subject_id not in batch.subjects:
            row = cur.one("SELECT * FROM {p}rm_subjects WHERE subject_id = ?", [subject_id])
            batch.subjects[subject_id] = _subject_from_row(row)
        return batch.subjects[subject_id]

    def _facts(self, cur: Cursor, batch: Batch, key: tuple[str, str]) -> Facts:
        if key not in batch.facts:
            row = cur.one("SELECT facts FROM {p}rm_cards WHERE subject_id = ? AND period = ?", list(key))
            batch.facts[key] = facts_from_json(json.loads(row["facts"])) if row else Facts()
        return batch.facts[key]

    def _write_rows(self, cur: Cursor, batch: Batch, rows: Rows) -> None:
        cur.executemany(
            "INSERT INTO {p}rm_events (position, originator_id, originator_version, topic, recorded_at)"
            " VALUES (?, ?, ?, ?, ?)",
            rows.events,
        )
        changed_subjects = [batch.subjects[s] for s in sorted(rows.changed_subjects)]
        cur.executemany(
            "INSERT INTO {p}rm_subjects (subject_id, kind, name, unit, code, since, assignments, position)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subject_id) DO UPDATE SET"
            " kind = excluded.kind, name = excluded.name, unit = excluded.unit, code = excluded.code,"
            " since = excluded.since, assignments = excluded.assignments, position = excluded.position",
            [
                (r["subject_id"], r["kind"], r["name"], r["unit"], r["code"],
                 r["assignments"][0][0] if r["assignments"] else None, json.dumps(r["assignments"]), r["position"])
                for r in changed_subjects
            ],
        )
        cur.executemany("INSERT INTO {p}rm_audit (position, at, actor, role, address, action, status, success, detail)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows.audit)
        cur.executemany("INSERT INTO {p}rm_touches (subject_id, period, position) VALUES (?, ?, ?)",
                        sorted(rows.touches))
        cur.executemany(
            "INSERT INTO {p}rm_nominations (subject_id, period, kind, nomination_id, unit, position)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subject_id, period) DO NOTHING",
            rows.nominations,
        )
        cur.executemany("INSERT INTO {p}rm_authored (actor, position, record_id) VALUES (?, ?, ?)", rows.authored)
        cur.executemany("INSERT INTO {p}rm_queue (item_id, kind, subject_id, received_at, position, open)"
                        " VALUES (?, ?, ?, ?, ?, ?)", rows.queue_opened)
        cur.executemany("UPDATE {p}rm_queue SET open = 0 WHERE item_id = ?", [(i,) for i in rows.queue_settled])

    def _write_cards(self, cur: Cursor, batch: Batch) -> None:
        """Scores and writes every card the transaction's events changed, once."""
        position = batch.position
        if batch.new_halls:
            rows = cur.all("SELECT DISTINCT period FROM {p}rm_cards WHERE kind = 'hall'")
            batch.hall_periods.update(r["period"] for r in rows)
        # Before the halls: ranking them brings in halls this transaction did not touch.
        others = [key for key in batch.facts if batch.subjects[key[0]]["kind"] != "hall"]
        cards: dict[tuple[str, str], Scorecard] = {}
        for period in batch.hall_periods:
            halls = self._halls_of(cur, batch, period)
            for hall_id, card in score_halls(self._rulebook(period), period, halls).items():
                cards[(hall_id, period)] = card
                batch.facts[(hall_id, period)] = halls[hall_id]
        self._upsert_cards(cur, batch, cards, position)
        # The others in slices: a rebuild scores tens of thousands of cards, and each one's
        # lines and JSON need not outlive its slice.
        for i in range(0, len(others), CARDS_AT_ONCE):
            cards = {(subject_id, period): score(self._rulebook(period), batch.subjects[subject_id]["kind"],
                                                 subject_id, period, batch.facts[(subject_id, period)])
                     for subject_id, period in others[i:i + CARDS_AT_ONCE]}
            self._upsert_cards(cur, batch, cards, position)

    def _upsert_cards(self, cur: Cursor, batch: Batch, cards: dict[tuple[str, str], Scorecard], position: int) -> None:
        cur.executemany(
            "INSERT INTO {p}rm_cards (subject_id, period, kind, facts, card, position, total, bonus, vetoed,"
            " veto_reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (subject_id, period) DO UPDATE SET facts = excluded.facts, card = excluded.card,"
            " position = excluded.position, total = excluded.total, bonus = excluded.bonus,"
            " vetoed = excluded.vetoed, veto_reasons = excluded.veto_reasons",
            [
                (subject_id, period, card.kind, json.dumps(facts_to_json(batch.facts[(subject_id, period)])),
                 json.dumps(card.as_dict(), ensure_ascii=False), position, str(card.total), str(card.bonus),
                 int(card.vetoed), json.dumps(list(card.veto_reasons)))
                for (subject_id, period), card in cards.items()
            ],
        )

    def _halls_of(self, cur: Cursor, batch: Batch, period: str, include: str | None = None) -> dict[str, Facts]:
        """Every hall taking part in a year, with its facts (from this batch, else stored)."""
        stored = cur.all("SELECT * FROM {p}rm_subjects WHERE kind = 'hall'")
        rows = {r["subject_id"]: _subject_from_row(r) for r in stored}
        rows.update({s: r for s, r in batch.subjects.items() if r["kind"] == "hall"})
        the_period = parse_period(period)
        return {
            hall_id: self._facts(cur, batch, (hall_id, period))
            for hall_id, row in rows.items()
            if hall_id == include or in_service(since_of(row), the_period)
        }

    def _rulebook(self, period: str):
        return self.rulebooks.in_force_on(parse_period(period).first_day)

    # --- reading ------------------------------------------------------------------------------

    def card(self, subject: dict, period: str) -> dict:
        """The live scorecard; a subject with nothing recorded in the period has a clean one,
        computed by the same function (for a hall, ranked among the other halls)."""
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT card FROM {p}rm_cards WHERE subject_id = ? AND period = ?",
                          [subject["subject_id"], period])
            if row:
                return json.loads(row["card"])
            return self._clean_card(cur, subject, period)

    def _clean_card(self, cur: Cursor, subject: dict, period: str) -> dict:
        subject_id, kind = subject["subject_id"], subject["kind"]
        if kind != "hall":
            return score(self._rulebook(period), kind, subject_id, period, Facts()).as_dict()
        halls = self._halls_of(cur, Batch(), period, include=subject_id)
        return score_halls(self._rulebook(period), period, halls)[subject_id].as_dict()

    def subject(self, subject_id: str) -> dict | None:
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT * FROM {p}rm_subjects WHERE subject_id = ?", [subject_id])
        return _subject_from_row(row) if row else None

    def subjects_of_kind(self, kind: str) -> list[dict]:
        with self.store.transaction(commit=False) as cur:
            rows = cur.all("SELECT * FROM {p}rm_subjects WHERE kind = ? ORDER BY name, subject_id", [kind])
        return [_subject_from_row(r) for r in rows]

    def standings(self, kind: str, period: str) -> tuple[int, list[dict]]:
        """Every subject of a kind taking part in the period, ranked, with the log position they
        reflect. Computed once per position (readers arriving together wait for one computation);
        the answer is shared, so callers must not change it."""
        key = (kind, period)
        cached = self._standings.get(key)
        if cached is not None and cached[0] == self.position():
            return cached
        with self._locks_lock:
            lock = self._standings_locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._standings.get(key)
            if cached is not None and cached[0] == self.position():
                return cached
            answer = self._rank(kind, period)
            self._standings[key] = answer
            return answer

    def _rank(self, kind: str, period: str) -> tuple[int, list[dict]]:
        """The standings computed from the read model in one snapshot (so the position agrees)."""
        the_period = parse_period(period)
        with self.store.snapshot() as cur:
            position = int(cur.one("SELECT position FROM {p}rm_tracking WHERE name = ?", [NAME])["position"])
            rows = cur.all(
                "SELECT s.*, c.total, c.bonus, c.vetoed, c.veto_reasons, n.nomination_id FROM {p}rm_subjects s"
                " LEFT JOIN {p}rm_cards c ON c.subject_id = s.subject_id AND c.period = ?"
                " LEFT JOIN {p}rm_nominations n ON n.subject_id = s.subject_id AND n.period = ?"
                " WHERE s.kind = ?",
                [period, period, kind],
            )
            entries = {}
            for r in rows:  # the common row has a card: no JSON to parse unless it is vetoed
                if r["total"] is not None:
                    card = {"total": number(Decimal(r["total"])), "bonus": number(Decimal(r["bonus"])),
                            "vetoed": bool(r["vetoed"]),
                            "veto_reasons": json.loads(r["veto_reasons"]) if r["vetoed"] else []}
                else:
                    subject = _subject_from_row(r)
                    if not in_service(since_of(subject), the_period):
                        continue
                    card = self._clean_card(cur, subject, period)
                entries[r["subject_id"]] = (r, card, r["nomination_id"] is not None)
        ranked = rank_standings((sid, card["total"], card["vetoed"], subject["name"])
                                for sid, (subject, card, _) in entries.items())
        items = []
        for standing in ranked:
            subject, card, nominated = entries[standing.subject_id]
            items.append({
                "subject_id": standing.subject_id, "name": subject["name"], "unit": subject["unit"],
                "code": subject["code"], "total": card["total"], "bonus": card["bonus"], "vetoed": card["vetoed"],
                "veto_reasons": card["veto_reasons"], "rank": standing.rank, "nominated": nominated,
            })
        return position, items

    def chain_head(self) -> dict:
        """The hash chain's head after catching up: what notices and final lists publish."""
        self.catch_up()
        with self.store.transaction(commit=False) as cur:
            position, link = chain.head(cur)
        return {"position": position, "link": link}

    def position_at(self, moment: datetime) -> int:
        """The last log position received at or before `moment`."""
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT MAX(position) AS position FROM {p}rm_events WHERE recorded_at <= ?",
                          [utc_text(moment)])
        return int(row["position"] or 0)

    def replay_inputs(self, subject_id: str, period: str, position: int) -> tuple[dict[str, int], list[int]] | None:
        """For an indexed as-of replay: the subjects that can matter (this one, and for a hall
        every hall) with the position each was created at, and the positions up to `position`
        that touched their facts for the period. None if the subject did not exist yet."""
        with self.store.snapshot() as cur:
            kind_row = cur.one("SELECT kind FROM {p}rm_subjects WHERE subject_id = ?", [subject_id])
            if kind_row is None:
                return None
            condition = "s.kind = 'hall'" if kind_row["kind"] == "hall" else "s.subject_id = ?"
            params = [] if kind_row["kind"] == "hall" else [subject_id]
            created = {r["subject_id"]: int(r["position"]) for r in cur.all(
                "SELECT s.subject_id, e.position FROM {p}rm_subjects s JOIN {p}rm_events e"
                f" ON e.originator_id = s.subject_id AND e.originator_version = 1 WHERE {condition}", params)}
            created = {s: p for s, p in created.items() if p <= position}
            if subject_id not in created:
                return None
            positions = sorted({int(r["position"]) for r in cur.all(
                "SELECT t.position FROM {p}rm_touches t JOIN {p}rm_subjects s ON s.subject_id = t.subject_id"
                f" WHERE {condition} AND t.period = ? AND t.position <= ?", [*params, period, position])}
                | set(created.values()))
        return created, positions

    def audit_log(self, since: datetime | None, until: datetime | None, actor: str | None, action: str | None,
                  limit: int) -> list[dict]:
        self.catch_up()
        where, params = ["1 = 1"], []
        for clause, value in (("at >= ?", utc_text(since)), ("at <= ?", utc_text(until)), ("actor = ?", actor)):
            if value is not None:
                where.append(clause)
                params.append(value)
        if action:
            where.append("action LIKE ?")
            params.append(f"%{action}%")
        with self.store.transaction(commit=False) as cur:
            rows = cur.all(f"SELECT * FROM {{p}}rm_audit WHERE {' AND '.join(where)} ORDER BY position DESC LIMIT ?",
                           [*params, limit])
        return [{"position": int(r["position"]), "at": r["at"], "actor": r["actor"], "role": r["role"],
                 "address": r["address"], "action": r["action"], "status": r["status"],
                 "success": bool(r["success"]), "detail": r["detail"]} for r in rows]

    def count_events(self, except_topics: tuple[str, ...] = ()) -> int:
        """How many events the read model has seen, leaving out some topics (the audit trail)."""
        self.catch_up()
        marks = ",".join("?" * len(except_topics)) or "''"
        with self.store.transaction(commit=False) as cur:
            row = cur.one(f"SELECT COUNT(*) AS n FROM {{p}}rm_events WHERE topic NOT IN ({marks})", list(except_topics))
        return int(row["n"])

    def existing(self, aggregate_ids: list) -> set[str]:
        """Which of these aggregates have been recorded (imports skip rows already there)."""
        self.catch_up()
        found: set[str] = set()
        keys = [str(i) for i in aggregate_ids]
        with self.store.transaction(commit=False) as cur:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                marks = ",".join("?" * len(chunk))
                found |= {r["originator_id"] for r in cur.all(
                    f"SELECT originator_id FROM {{p}}rm_events WHERE originator_version = 1 AND originator_id IN ({marks})",
                    chunk)}
        return found

    def position_of(self, originator_id: str, version: int = 1) -> int | None:
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT position FROM {p}rm_events WHERE originator_id = ? AND originator_version = ?",
                          [originator_id, version])
        return int(row["position"]) if row else None

    def authored_by(self, actor: str, limit: int) -> list[str]:
        """The ids of the records an actor made, newest first."""
        with self.store.transaction(commit=False) as cur:
            rows = cur.all("SELECT record_id FROM {p}rm_authored WHERE actor = ? ORDER BY position DESC LIMIT ?",
                           [actor, limit])
        return [r["record_id"] for r in rows]

    def open_items(self, kind: str, limit: int) -> dict:
        """Open complaints, objections or disputes (rm_queue), oldest first: the office's worklist."""
        with self.store.transaction(commit=False) as cur:
            rows = cur.all("SELECT q.item_id, q.subject_id, q.received_at, s.name, s.unit FROM {p}rm_queue q"
                           " LEFT JOIN {p}rm_subjects s ON s.subject_id = q.subject_id"
                           " WHERE q.open = 1 AND q.kind = ? ORDER BY q.position LIMIT ?", [kind, limit])
            count = cur.one("SELECT COUNT(*) AS n FROM {p}rm_queue WHERE open = 1 AND kind = ?", [kind])
        return {"count": int(count["n"]), "items": [dict(r) for r in rows]}

    def latest_of_topic(self, topics: list[str]) -> str | None:
        """The aggregate of the latest event stored under one of these topics (the last chain
        verification; a class's topics are its current name and the older ones)."""
        marks = ",".join("?" * len(topics))
        with self.store.transaction(commit=False) as cur:
            row = cur.one(f"SELECT originator_id FROM {{p}}rm_events WHERE topic IN ({marks})"
                          " ORDER BY position DESC LIMIT 1", topics)
        return row["originator_id"] if row else None

    def nomination_of(self, subject_id: str, period: str) -> str | None:
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT nomination_id FROM {p}rm_nominations WHERE subject_id = ? AND period = ?",
                          [subject_id, period])
        return row["nomination_id"] if row else None

    def all_cards(self) -> Iterable[tuple[str, str, dict]]:
        with self.store.transaction(commit=False) as cur:
            rows = cur.all("SELECT subject_id, period, card FROM {p}rm_cards ORDER BY subject_id, period")
        return [(r["subject_id"], r["period"], json.loads(r["card"])) for r in rows]


def _subject_from_row(row: Any) -> dict:
    return {
        "subject_id": row["subject_id"],
        "kind": row["kind"],
        "name": row["name"],
        "unit": row["unit"],
        "code": row["code"],
        "assignments": json.loads(row["assignments"]),
    }
