"""The live read model's reader: scorecards (live and as of any log position), standings,
the roster, and the lists the pages show. Reads never write.

A scorecard is computed on reading, by the one scoring function (domain/scoring.py: `score`),
from the entry versions valid at the position asked — the current ones for a live card — so
a live card and an as-of card are the same computation, and its cost follows the subject's own
history, not the log's length. Standings read only the cards' summary columns.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.facts import Facts, Figures
from domain.periods import in_service, local_date, parse_period
from domain.rulebook import Rulebook, RulebookLibrary
from domain.scoring import hall_places, number, rank_standings, score
from domain.subjects import since_of
from projections import chain, log
from projections.book import entry_of_row, micros, subject_of_row, utc_text
from projections.rulebooks import KnownRulebooks
from projections.store import Cursor, ReadStore
from projections.writer import NAME

CURRENT = "version_to IS NULL"
AT = "version_from <= ? AND (version_to IS NULL OR version_to > ?)"


class Reader:
    def __init__(self, store: ReadStore, rulebooks: RulebookLibrary):
        self.store = store
        self.rulebooks = rulebooks  # the shipped versions: the log starts from them (the replay does too)
        self.known = KnownRulebooks(rulebooks)
        # Standings change only when the read model moves: the last answer per (kind, period),
        # with the position it reflects, serves every reader until the position changes.
        self._standings: dict[tuple[str, str], tuple[int, list[dict]]] = {}
        self._standings_locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def position(self) -> int:
        with self.store.transaction(commit=False) as cur:
            return int(cur.one("SELECT position FROM {p}rm_tracking WHERE name = ?", [NAME])["position"])

    def log_end(self) -> int:
        with self.store.transaction(commit=False) as cur:
            return log.end(cur)

    # --- rulebook versions ---------------------------------------------------------------------

    def library(self, position: int | None = None) -> RulebookLibrary:
        """The rulebook versions known now, or at a log position."""
        with self.store.transaction(commit=False) as cur:
            return self.known.library(cur, position)

    def rulebook_of(self, period: str, position: int | None = None) -> Rulebook:
        """The version a period is scored under, now or as the log stood at a position."""
        return self.library(position).in_force_on(parse_period(period).first_day)

    def _rulebook(self, cur: Cursor, period: str, position: int | None = None) -> Rulebook:
        return self.known.library(cur, position).in_force_on(parse_period(period).first_day)

    # --- scorecards ------------------------------------------------------------------------------

    def card(self, subject: dict, period: str) -> dict:
        """The live scorecard; a subject with nothing recorded in the period has a clean one,
        computed by the same function (for a hall, ranked among the other halls)."""
        with self.store.snapshot() as cur:
            return self._card(cur, subject["subject_id"], subject["kind"], period, None)

    def card_at(self, subject_id: str, period: str, position: int) -> dict | None:
        """The scorecard as the history stood at a log position, or None if the subject did
        not exist yet."""
        with self.store.snapshot() as cur:
            row = cur.one("SELECT kind, created_position FROM {p}rm_subjects WHERE subject_id = ?", [subject_id])
            if row is None or int(row["created_position"]) > position:
                return None
            return self._card(cur, subject_id, row["kind"], period, position)

    def _card(self, cur: Cursor, subject_id: str, kind: str, period: str, position: int | None) -> dict:
        when, params = (CURRENT, []) if position is None else (AT, [position, position])
        rows = cur.all(f"SELECT * FROM {{p}}rm_entries WHERE subject_id = ? AND period = ? AND {when}",
                       [subject_id, period, *params])
        entries = tuple(entry_of_row(r) for r in rows)
        rulebook = self._rulebook(cur, period, position)
        if kind != "hall":
            return score(rulebook, kind, subject_id, period, Facts(entries=entries)).as_dict()
        figures = self._hall_figures(cur, period, position, include=subject_id)
        places = hall_places({h: f.case_volume for h, f in figures.items()})
        return score(rulebook, "hall", subject_id, period, Facts(entries, figures[subject_id]),
                     places[subject_id]).as_dict()

    def _hall_figures(self, cur: Cursor, period: str, position: int | None, include: str | None = None
                      ) -> dict[str, Figures]:
        """Every hall taking part in a year (as of a position) with its figures then."""
        the_period = parse_period(period)
        halls = [subject_of_row(r) for r in cur.all("SELECT * FROM {p}rm_subjects WHERE kind = 'hall'")]
        taking_part = [h["subject_id"] for h in halls
                       if (position is None or h["created_position"] <= position)
                       and (h["subject_id"] == include or in_service(since_of(h), the_period))]
        when, params = (CURRENT, []) if position is None else (AT, [position, position])
        reported = {r["hall_id"]: Figures().merged(json.loads(r["figures"])) for r in cur.all(
            f"SELECT hall_id, figures FROM {{p}}rm_figures WHERE period = ? AND {when}", [period, *params])}
        return {h: reported.get(h, Figures()) for h in taking_part}

    def targets_of(self, record_id: str) -> list[tuple[str, str, str]]:
        """Where a record counts now: (subject, period, rule) of each of its current entries."""
        with self.store.transaction(commit=False) as cur:
            rows = cur.all("SELECT subject_id, period, rule_id FROM {p}rm_entries WHERE record_id = ?"
                           " AND version_to IS NULL AND moved_away = 0", [record_id])
        return [(r["subject_id"], r["period"], r["rule_id"]) for r in rows]

    def all_cards(self) -> list[tuple[str, str, dict]]:
        """Every card the read model keeps (subject, period, the card): what `verify` compares."""
        with self.store.snapshot() as cur:
            keys = cur.all("SELECT c.subject_id, c.period, s.kind FROM {p}rm_cards c"
                           " JOIN {p}rm_subjects s ON s.subject_id = c.subject_id ORDER BY c.subject_id, c.period")
            return [(r["subject_id"], r["period"], self._card(cur, r["subject_id"], r["kind"], r["period"], None))
                    for r in keys]

    # --- the roster --------------------------------------------------------------------------------

    def subject(self, subject_id: str) -> dict | None:
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT * FROM {p}rm_subjects WHERE subject_id = ?", [subject_id])
        return subject_of_row(row) if row else None

    def units(self) -> list[str]:
        """Every unit the roster names (a unit administrator's account must name one of them)."""
        with self.store.transaction(commit=False) as cur:
            return [r["unit"] for r in cur.all("SELECT DISTINCT unit FROM {p}rm_subjects ORDER BY unit")]

    def subjects_of_kind(self, kind: str) -> list[dict]:
        with self.store.transaction(commit=False) as cur:
            rows = cur.all("SELECT * FROM {p}rm_subjects WHERE kind = ? ORDER BY name, subject_id", [kind])
        return [subject_of_row(r) for r in rows]

    # --- standings ---------------------------------------------------------------------------------

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
        """The standings computed from the cards' summaries in one snapshot (so the position agrees)."""
        the_period = parse_period(period)
        with self.store.snapshot() as cur:
            position = int(cur.one("SELECT position FROM {p}rm_tracking WHERE name = ?", [NAME])["position"])
            clean = score(self._rulebook(cur, period), kind, "", period, Facts(), 1 if kind == "hall" else None)
            rows = cur.all(
                "SELECT s.subject_id, s.name, s.unit, s.code, s.assignments, c.total, c.bonus, c.vetoed,"
                " c.veto_reasons, n.nomination_id FROM {p}rm_subjects s"
                " LEFT JOIN {p}rm_cards c ON c.subject_id = s.subject_id AND c.period = ?"
                " LEFT JOIN {p}rm_nominations n ON n.subject_id = s.subject_id AND n.period = ?"
                " WHERE s.kind = ?",
                [period, period, kind],
            )
        cards = []
        for r in rows:
            if r["total"] is None:
                if not in_service(since_of({"assignments": json.loads(r["assignments"])}), the_period):
                    continue
                total, bonus, vetoed, reasons = clean.total, clean.bonus, False, []
            else:
                total, bonus = Decimal(r["total"]), Decimal(r["bonus"])
                vetoed = bool(r["vetoed"])
                reasons = json.loads(r["veto_reasons"]) if vetoed else []
            cards.append(Standing(r, total, bonus, vetoed, reasons, r["nomination_id"] is not None))
        return position, ranked_items(cards)

    def nominated_in(self, period: str) -> set[str]:
        with self.store.transaction(commit=False) as cur:
            return {r["subject_id"] for r in cur.all("SELECT subject_id FROM {p}rm_nominations WHERE period = ?",
                                                     [period])}

    # --- what a new rulebook version would take over ------------------------------------------

    def periods_with_cards(self) -> set[str]:
        with self.store.transaction(commit=False) as cur:
            return {r["period"] for r in cur.all("SELECT DISTINCT period FROM {p}rm_cards")}

    def closed_rounds(self) -> set[tuple[str, str]]:
        with self.store.transaction(commit=False) as cur:
            return {(r["kind"], r["period"]) for r in cur.all("SELECT kind, period FROM {p}rm_rounds")}

    def records_occurring_in(self, period: str) -> int:
        """How many records (and complaints) happened in the period itself: look-back entries
        from earlier periods are not counted."""
        the_period = parse_period(period)
        with self.store.transaction(commit=False) as cur:
            rows = cur.all("SELECT occurred_at FROM {p}rm_entries WHERE period = ? AND version_to IS NULL"
                           " AND from_subject_id IS NULL", [period])
        return sum(1 for r in rows if the_period.contains(local_date(datetime.fromisoformat(r["occurred_at"]))))

    def forget_standings(self, _position: int) -> None:
        """After a rebuild the positions start again: cached answers no longer apply."""
        self._standings.clear()

    # --- the log, the chain and the lists the pages show ---------------------------------------------

    def chain_head(self) -> dict:
        """The hash chain's head: what notices and final lists publish."""
        with self.store.transaction(commit=False) as cur:
            position, link = chain.head(cur)
        return {"position": position, "link": link}

    def position_at(self, moment: datetime) -> int:
        """The last log position received at or before `moment`."""
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT MAX(position) AS position FROM {p}rm_events WHERE recorded_at <= ?",
                          [micros(moment)])
        return int(row["position"] or 0)

    def position_of(self, originator_id: str, version: int = 1) -> int | None:
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT position FROM {p}rm_events WHERE originator_id = ? AND originator_version = ?",
                          [originator_id, version])
        return int(row["position"]) if row else None

    def count_events(self, except_topics: tuple[str, ...] = ()) -> int:
        """How many events the read model has seen, leaving out some topics (the audit trail)."""
        marks = ",".join("?" * len(except_topics)) or "''"
        with self.store.transaction(commit=False) as cur:
            row = cur.one(f"SELECT COUNT(*) AS n FROM {{p}}rm_events WHERE topic NOT IN ({marks})", list(except_topics))
        return int(row["n"])

    def attendance_rows(self, record_ids: list[str]) -> dict[str, dict]:
        """What the attendance exceptions with these ids said last (imports compare a row with it)."""
        found: dict[str, dict] = {}
        with self.store.transaction(commit=False) as cur:
            for i in range(0, len(record_ids), 500):
                chunk = record_ids[i:i + 500]
                for r in cur.all(f"SELECT record_id, minutes, excused FROM {{p}}rm_attendance"
                                 f" WHERE record_id IN ({','.join('?' * len(chunk))})", chunk):
                    found[r["record_id"]] = {"minutes": r["minutes"], "excused": bool(r["excused"])}
        return found

    def audit_log(self, since: datetime | None, until: datetime | None, actor: str | None, action: str | None,
                  limit: int) -> list[dict]:
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

    def authored_by(self, actor: str, limit: int) -> list[str]:
        """The ids of the records an actor made, newest first."""
        with self.store.transaction(commit=False) as cur:
            rows = cur.all("SELECT record_id FROM {p}rm_authored WHERE actor = ? ORDER BY position DESC LIMIT ?",
                           [actor, limit])
        return [r["record_id"] for r in rows]

    def open_items(self, kind: str, limit: int, unit: str | None = None) -> dict:
        """Open complaints, objections or disputes (rm_queue), oldest first: the office's worklist
        (a unit administrator's: only its unit's subjects, counted as well as listed)."""
        scope, params = (" AND s.unit = ?", [unit]) if unit is not None else ("", [])
        with self.store.transaction(commit=False) as cur:
            rows = cur.all("SELECT q.item_id, q.subject_id, q.received_at, s.name, s.unit FROM {p}rm_queue q"
                           " LEFT JOIN {p}rm_subjects s ON s.subject_id = q.subject_id"
                           f" WHERE q.open = 1 AND q.kind = ?{scope} ORDER BY q.position LIMIT ?", [kind, *params, limit])
            count = cur.one("SELECT COUNT(*) AS n FROM {p}rm_queue q LEFT JOIN {p}rm_subjects s"
                            f" ON s.subject_id = q.subject_id WHERE q.open = 1 AND q.kind = ?{scope}", [kind, *params])
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


@dataclass(frozen=True)
class Standing:
    """One subject's place in the standings as the summary gives it (`subject`: its roster row)."""

    subject: Any
    total: Decimal
    bonus: Decimal
    vetoed: bool
    veto_reasons: list[str]
    nominated: bool


def ranked_items(cards: list[Standing]) -> list[dict]:
    """The standings' items: ranked by total, the vetoed ones last (domain/scoring.py)."""
    by_id = {c.subject["subject_id"]: c for c in cards}
    items = []
    for standing in rank_standings((c.subject["subject_id"], c.total, c.vetoed, c.subject["name"]) for c in cards):
        c = by_id[standing.subject_id]
        items.append({
            "subject_id": standing.subject_id, "name": c.subject["name"], "unit": c.subject["unit"],
            "code": c.subject["code"], "total": number(c.total), "bonus": number(c.bonus), "vetoed": c.vetoed,
            "veto_reasons": c.veto_reasons, "rank": standing.rank, "nominated": c.nominated,
        })
    return items


def cards_as_stored(store: ReadStore) -> dict[tuple[str, str], dict[str, Any]]:
    """The summary columns of every card, as the standings read them (verify compares them)."""
    with store.transaction(commit=False) as cur:
        rows = cur.all("SELECT subject_id, period, tally, total, vetoed FROM {p}rm_cards")
    return {(r["subject_id"], r["period"]): {"tally": json.loads(r["tally"]), "total": Decimal(r["total"]),
                                              "vetoed": bool(r["vetoed"])} for r in rows}
