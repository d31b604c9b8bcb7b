"""What one transaction of the projection works on: the entries' versions, the cards' tallies,
the roster, the rounds closed and the halls' figures, read from the read model's tables when
first needed and written back in bulk (rows at the end of each page of events, cards at the end
of the transaction).

It is the `Book` and `History` that domain/derivation.py asks, so the live read model makes
exactly the decisions the replay makes (projections/replay.py keeps the same in memory).
Memory stays bounded whatever the transaction's size: entry versions leave memory with each
page; a card keeps only its tally (one line per rule).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.derivation import Placed
from domain.facts import Entry, Figures
from domain.periods import in_service, parse_period
from domain.rulebook import Rulebook, RulebookLibrary, rulebook_to_json
from domain.scoring import RuleTally, entry_delta, figure_lines, hall_places, summarize
from domain.subjects import parent_at, since_of
from projections.rulebooks import KnownRulebooks
from projections.store import Cursor

Key = tuple[str, str, str]  # (subject id, period id, record id)
ENTRY_COLUMNS = ("subject_id, period, record_id, version_from, version_to, rule_id, origin, occurred_at, recorded_at,"
                 " quantity, points, note, actor, from_subject_id, effective, reason, moved_away, origin_position,"
                 " delta, recorded_rule_id, recorded_under, held")
CARDS_IN_MEMORY = 50_000  # cards' tallies kept before they are written out early


def utc_text(moment: datetime | None) -> str | None:
    """Received-at times as fixed-width UTC text, so they sort as text on every store."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def micros(moment: datetime | None) -> int | None:
    """A moment as microseconds since 1970 (UTC): what the read model sorts events by."""
    return None if moment is None else round(moment.timestamp() * 1_000_000)


def entry_of_row(r: Any) -> Entry:
    return Entry(record_id=r["record_id"], rule_id=r["rule_id"], occurred_at=datetime.fromisoformat(r["occurred_at"]),
                 recorded_at=datetime.fromisoformat(r["recorded_at"]), quantity=int(r["quantity"]),
                 points=None if r["points"] is None else Decimal(r["points"]), effective=bool(r["effective"]),
                 note=r["note"], origin=r["origin"], from_subject_id=r["from_subject_id"], actor=r["actor"],
                 origin_position=int(r["origin_position"]), reason=r["reason"], moved_away=bool(r["moved_away"]),
                 recorded_rule_id=r["recorded_rule_id"], recorded_under=r["recorded_under"], held=r["held"])


@dataclass
class Version:
    """The latest version of an entry this transaction knows: in `row` while not yet written."""

    entry: Entry
    version_from: int
    delta: Decimal
    row: list | None = None


@dataclass
class Card:
    kind: str
    tally: dict[str, RuleTally]
    dirty: bool = False
    unsure_first: set[str] = field(default_factory=set)  # rules whose first entry was taken away


def subject_of_row(r: Any) -> dict:
    return {"subject_id": r["subject_id"], "kind": r["kind"], "name": r["name"], "unit": r["unit"],
            "code": r["code"], "assignments": json.loads(r["assignments"]),
            "created_position": int(r["created_position"])}


class Book:
    def __init__(self, cur: Cursor, known: KnownRulebooks):
        self.cur = cur
        self.known = known
        self._library: RulebookLibrary | None = None  # as the log stands at the event being applied
        self.position = 0  # the event being applied
        self.latest: dict[Key, Version] = {}
        self.records: dict[str, set[Key]] = {}  # keys in `latest`, by record
        self.complete: set[str] = set()  # records whose every current entry is in `latest`
        self.rows: list[list] = []  # entry versions to insert
        self.closings: list[tuple] = []  # written versions to close: (version_to, s, p, r, version_from)
        self.cards: dict[tuple[str, str], Card] = {}
        self.subjects: dict[str, dict] = {}
        self.changed_subjects: set[str] = set()
        self._parsed: dict[str, list] = {}
        self._rounds: set[tuple[str, str]] | None = None
        self.figures: dict[tuple[str, str], tuple[Figures, int, list | None]] = {}
        self.figure_rows: list[list] = []
        self.figure_closings: list[tuple] = []
        self.hall_periods: set[str] = set()  # hall periods to re-rank
        self._rulebook_of: dict[str, Rulebook] = {}

    # --- History (domain/derivation.py) ------------------------------------------------------

    def library(self) -> RulebookLibrary:
        if self._library is None:
            self._library = self.known.library(self.cur)
        return self._library

    def rulebook_of(self, period: str) -> Rulebook:
        found = self._rulebook_of.get(period)
        if found is None:
            found = self._rulebook_of[period] = self.library().in_force_on(parse_period(period).first_day)
        return found

    def adopt(self, rulebook: Rulebook) -> None:
        self._library = self.library().with_version(rulebook)
        self._rulebook_of = {}
        self.cur.execute("UPDATE {p}rm_rulebooks SET version_to = ? WHERE version = ? AND version_to IS NULL",
                         [self.position, rulebook.version])
        self.cur.execute("INSERT INTO {p}rm_rulebooks (version, version_from, version_to, effective_from, rulebook)"
                         " VALUES (?, ?, NULL, ?, ?)", [rulebook.version, self.position,
                                                        rulebook.effective_from.isoformat(),
                                                        json.dumps(rulebook_to_json(rulebook), ensure_ascii=False)])

    def periods(self) -> set[str]:
        stored = {r["period"] for r in self.cur.all("SELECT DISTINCT period FROM {p}rm_cards")}
        return stored | {p for _, p in self.cards} | {p for _, p, _ in self.latest}

    def subject(self, subject_id: str) -> dict | None:
        if subject_id not in self.subjects:
            row = self.cur.one("SELECT * FROM {p}rm_subjects WHERE subject_id = ?", [subject_id])
            if row is None:
                return None
            self.subjects[subject_id] = subject_of_row(row)
        return self.subjects[subject_id]

    def set_subject(self, row: dict) -> None:
        self.subjects[row["subject_id"]] = row
        self._parsed.pop(row["subject_id"], None)
        self.changed_subjects.add(row["subject_id"])

    def parent_at(self, subject_id: str, moment: datetime) -> str | None:
        parsed = self._parsed.get(subject_id)
        if parsed is None:
            row = self.subject(subject_id)
            if row is None:
                return None
            parsed = self._parsed[subject_id] = [[datetime.fromisoformat(e) if e else None, p]
                                                 for e, p in row["assignments"]]
        return parent_at(parsed, moment)

    def closed_rounds(self) -> set[tuple[str, str]]:
        if self._rounds is None:
            self._rounds = {(r["kind"], r["period"]) for r in self.cur.all("SELECT kind, period FROM {p}rm_rounds")}
        return self._rounds

    def is_closed(self, kind: str, period: str) -> bool:
        return (kind, period) in self.closed_rounds()

    def close_round(self, kind: str, period: str) -> None:
        self.closed_rounds().add((kind, period))
        self.cur.execute("INSERT INTO {p}rm_rounds (kind, period, closed_position) VALUES (?, ?, ?)"
                         " ON CONFLICT (kind, period) DO NOTHING", [kind, period, self.position])

    # --- Book (domain/derivation.py) ---------------------------------------------------------

    def is_new(self, record_id: str) -> None:
        """A record made by the event being applied: it has no entries yet anywhere."""
        self.complete.add(record_id)

    def entries_of(self, record_id: str) -> list[Placed]:
        if record_id not in self.complete:
            rows = self.cur.all("SELECT * FROM {p}rm_entries WHERE record_id = ? AND version_to IS NULL", [record_id])
            for r in rows:
                self._remember((r["subject_id"], r["period"], record_id), r)
            self.complete.add(record_id)
        return [(s, p, self.latest[(s, p, r)].entry) for s, p, r in sorted(self.records.get(record_id, ()))]

    def entries_on(self, subject_id: str) -> list[Placed]:
        rows = self.cur.all("SELECT * FROM {p}rm_entries WHERE subject_id = ? AND version_to IS NULL", [subject_id])
        for r in rows:
            self._remember((subject_id, r["period"], r["record_id"]), r)
        return sorted(((k[0], k[1], v.entry) for k, v in self.latest.items() if k[0] == subject_id),
                      key=lambda p: (p[1], p[2].origin_position))

    def entries_in(self, period: str) -> list[Placed]:
        """Every current entry of a period (a new rulebook version takes it over)."""
        for r in self.cur.all("SELECT * FROM {p}rm_entries WHERE period = ? AND version_to IS NULL", [period]):
            self._remember((r["subject_id"], period, r["record_id"]), r)
        found = [(k[0], k[1], v.entry) for k, v in self.latest.items() if k[1] == period]
        return sorted(found, key=lambda x: (x[0], x[2].origin_position, x[2].record_id))

    def rescore(self, period: str) -> None:
        """Every card of the period is summed again when the cards are written (a hall's year is
        ranked again)."""
        for r in self.cur.all("SELECT subject_id FROM {p}rm_cards WHERE period = ?", [period]):
            self.card(r["subject_id"], period)
        for (_, card_period), card in self.cards.items():
            if card_period == period:
                card.dirty = True
        if parse_period(period).half is None:
            self.hall_periods.add(period)

    def _remember(self, key: Key, row: Any) -> None:
        if key not in self.latest:
            self.latest[key] = Version(entry_of_row(row), int(row["version_from"]), Decimal(row["delta"]))
            self.records.setdefault(key[2], set()).add(key)

    def put(self, subject_id: str, period: str, entry: Entry) -> None:
        key = (subject_id, period, entry.record_id)
        old = self.latest.get(key)
        if old is None and entry.record_id not in self.complete:
            self.entries_of(entry.record_id)
            old = self.latest.get(key)
        rulebook = self.rulebook_of(period)
        delta = entry_delta(rulebook.rule(entry.rule_id), entry) if rulebook.has_rule(entry.rule_id) else Decimal(0)
        if old is not None and old.entry == entry and old.delta == delta:
            return  # unchanged (a new rulebook version may change only the points: that is a change)
        card = self.card(subject_id, period)
        if old is not None:
            if old.entry.counts:
                self._untally(card, old)
            if old.row is not None and old.version_from == self.position:
                self.rows.remove(old.row)  # changed twice by one event: one version
            elif old.row is not None:
                old.row[4] = self.position
            else:
                self.closings.append((self.position, subject_id, period, entry.record_id, old.version_from))
        row = [subject_id, period, entry.record_id, self.position, None, entry.rule_id, entry.origin,
               entry.occurred_at.isoformat(), entry.recorded_at.isoformat(), entry.quantity,
               None if entry.points is None else str(entry.points), entry.note, entry.actor, entry.from_subject_id,
               int(entry.effective), entry.reason, int(entry.moved_away), entry.origin_position, str(delta),
               entry.recorded_rule_id, entry.recorded_under, entry.held]
        self.rows.append(row)
        version = Version(entry, self.position, delta, row)
        self.latest[key] = version
        self.records.setdefault(entry.record_id, set()).add(key)
        if entry.counts:
            rule = card.tally.get(entry.rule_id)
            card.tally[entry.rule_id] = (RuleTally(1, delta, entry.origin_position) if rule is None
                                         else rule.plus(delta, entry.origin_position))
        card.dirty = True
        if card.kind == "hall":
            self.hall_periods.add(period)

    def _untally(self, card: Card, old: Version) -> None:
        rule = card.tally[old.entry.rule_id]
        if rule.count == 1:
            del card.tally[old.entry.rule_id]
            card.unsure_first.discard(old.entry.rule_id)
            return
        card.tally[old.entry.rule_id] = RuleTally(rule.count - 1, rule.delta - old.delta, rule.first)
        if rule.first == old.entry.origin_position:
            card.unsure_first.add(old.entry.rule_id)

    # --- cards -------------------------------------------------------------------------------

    def card(self, subject_id: str, period: str) -> Card:
        found = self.cards.get((subject_id, period))
        if found is None:
            row = self.cur.one("SELECT kind, tally FROM {p}rm_cards WHERE subject_id = ? AND period = ?",
                               [subject_id, period])
            if row is not None:
                tally = {k: RuleTally.from_json(v) for k, v in json.loads(row["tally"]).items()}
                found = Card(row["kind"], tally)
            else:
                subject = self.subject(subject_id)
                assert subject is not None, f"no subject {subject_id}"
                found = Card(subject["kind"], {})
            self.cards[(subject_id, period)] = found
        return found

    def report_figures(self, hall_id: str, period: str, reported: dict) -> None:
        key = (hall_id, period)
        if key not in self.figures:
            row = self.cur.one("SELECT figures, version_from FROM {p}rm_figures WHERE hall_id = ? AND period = ?"
                               " AND version_to IS NULL", [hall_id, period])
            self.figures[key] = (Figures().merged(json.loads(row["figures"])), int(row["version_from"]), None) \
                if row else (Figures(), -1, None)
        before, since, pending = self.figures[key]
        if pending is not None:
            pending[3] = self.position
        elif since >= 0:
            self.figure_closings.append((self.position, hall_id, period, since))
        now = before.merged(reported)
        row = [hall_id, period, self.position, None, json.dumps(now.as_json())]
        self.figure_rows.append(row)
        self.figures[key] = (now, self.position, row)
        self.card(hall_id, period).dirty = True
        self.hall_periods.add(period)

    def new_hall(self) -> None:
        """A hall joins every year's ranking (A3.2.6) that has begun."""
        self.hall_periods.update(r["period"] for r in self.cur.all("SELECT DISTINCT period FROM {p}rm_cards"
                                                                    " WHERE kind = 'hall'"))

    # --- writing -----------------------------------------------------------------------------

    def write_rows(self) -> None:
        """Writes the page's entry versions and roster changes; forgets the entries."""
        cur = self.cur
        cur.executemany("UPDATE {p}rm_entries SET version_to = ? WHERE subject_id = ? AND period = ? AND record_id = ?"
                        " AND version_from = ?", self.closings)
        cur.insert("{p}rm_entries", ENTRY_COLUMNS, self.rows)
        cur.executemany("UPDATE {p}rm_figures SET version_to = ? WHERE hall_id = ? AND period = ? AND version_from = ?",
                        self.figure_closings)
        cur.executemany("INSERT INTO {p}rm_figures (hall_id, period, version_from, version_to, figures)"
                        " VALUES (?, ?, ?, ?, ?)", self.figure_rows)
        changed = [self.subjects[s] for s in sorted(self.changed_subjects)]
        cur.executemany(
            "INSERT INTO {p}rm_subjects (subject_id, kind, name, unit, code, since, assignments, position,"
            " created_position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subject_id) DO UPDATE SET"
            " name = excluded.name, unit = excluded.unit, since = excluded.since, assignments = excluded.assignments,"
            " position = excluded.position",
            [(r["subject_id"], r["kind"], r["name"], r["unit"], r["code"],
              r["assignments"][0][0] if r["assignments"] else None, json.dumps(r["assignments"]), r["position"],
              r["created_position"]) for r in changed])
        self.rows, self.closings, self.figure_rows, self.figure_closings = [], [], [], []
        self.changed_subjects = set()
        self.latest, self.records, self.complete = {}, {}, set()
        self.figures = {k: (f, since, None) for k, (f, since, _) in self.figures.items()}
        if len(self.cards) > CARDS_IN_MEMORY:
            self.write_cards()

    def write_cards(self) -> None:
        """Summarises and writes every card changed so far; re-ranks the halls of each year whose
        ranking may have moved. Call after `write_rows`."""
        for period in sorted(self.hall_periods):
            self._rank_halls(period)
        self.hall_periods = set()
        rows = []
        for (subject_id, period), card in self.cards.items():
            if not card.dirty or card.kind == "hall":
                continue
            self._settle_first(subject_id, period, card)
            summary = summarize(self.rulebook_of(period), card.kind, card.tally)
            rows.append(self._card_row(subject_id, period, card, summary))
        self._upsert_cards(rows)
        self.cards = {}

    def _rank_halls(self, period: str) -> None:
        the_period = parse_period(period)
        halls = [r["subject_id"] for r in self.cur.all("SELECT * FROM {p}rm_subjects WHERE kind = 'hall'")
                 if in_service(since_of(subject_of_row(r)), the_period)]
        halls += [s for s, r in self.subjects.items() if r["kind"] == "hall" and s not in halls
                  and in_service(since_of(r), the_period)]
        figures = {h: self._figures(h, period) for h in halls}
        places = hall_places({h: f.case_volume for h, f in figures.items()})
        rulebook = self.rulebook_of(period)
        rows = []
        for hall_id in halls:
            card = self.card(hall_id, period)
            self._settle_first(hall_id, period, card)
            lines = figure_lines(rulebook.category("hall"), figures[hall_id], places[hall_id])
            rows.append(self._card_row(hall_id, period, card, summarize(rulebook, "hall", card.tally, lines)))
            card.dirty = False
        self._upsert_cards(rows)

    def _figures(self, hall_id: str, period: str) -> Figures:
        if (hall_id, period) in self.figures:
            return self.figures[(hall_id, period)][0]
        row = self.cur.one("SELECT figures FROM {p}rm_figures WHERE hall_id = ? AND period = ? AND version_to IS NULL",
                           [hall_id, period])
        return Figures().merged(json.loads(row["figures"])) if row else Figures()

    def _settle_first(self, subject_id: str, period: str, card: Card) -> None:
        """A rule whose first entry stopped counting: its first is the earliest that still counts."""
        for rule_id in card.unsure_first:
            row = self.cur.one("SELECT MIN(origin_position) AS first FROM {p}rm_entries WHERE subject_id = ?"
                               " AND period = ? AND rule_id = ? AND effective = 1 AND held = '' AND version_to IS NULL",
                               [subject_id, period, rule_id])
            rule = card.tally[rule_id]
            card.tally[rule_id] = RuleTally(rule.count, rule.delta, int(row["first"]))
        card.unsure_first = set()

    def _card_row(self, subject_id: str, period: str, card: Card, summary) -> tuple:
        return (subject_id, period, card.kind, json.dumps({k: v.as_json() for k, v in sorted(card.tally.items())}),
                str(summary.total), str(summary.bonus), int(summary.vetoed), json.dumps(list(summary.veto_reasons)),
                self.position)

    def _upsert_cards(self, rows: list[tuple]) -> None:
        self.cur.executemany(
            "INSERT INTO {p}rm_cards (subject_id, period, kind, tally, total, bonus, vetoed, veto_reasons, position)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subject_id, period) DO UPDATE SET tally = excluded.tally,"
            " total = excluded.total, bonus = excluded.bonus, vetoed = excluded.vetoed,"
            " veto_reasons = excluded.veto_reasons, position = excluded.position", rows)
