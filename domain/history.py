"""The history folded in memory: the roster, the rounds closed, the halls' figures, the rulebook
versions known and every entry's latest version, as `domain/derivation.py` asks for them (Book,
History), and the cards they give. The audit replay keeps it (projections/replay.py); the live
read model keeps the same in its tables (projections/book.py). A preview folds the same history
with one period scored under another version (`governing`)."""

from __future__ import annotations

from datetime import datetime

from domain.derivation import Placed, derive
from domain.facts import Entry, Facts, Figures
from domain.figures import HallFigures
from domain.periods import in_service, parse_period
from domain.round import Round
from domain.rulebook import Rulebook, RulebookLibrary
from domain.scoring import Scorecard, hall_places, score
from domain.subjects import Subject, parent_at, since_of, subject_row


class MemoryBook:
    """The history and the entries so far, in memory: what derivation asks (Book, History)."""

    def __init__(self, rulebooks: RulebookLibrary, governing: dict[str, Rulebook] | None = None):
        self._library = rulebooks  # the shipped versions, then each one the log adopts
        self.governing = dict(governing or {})  # periods scored under a version of the caller's choice
        self.subjects: dict[str, dict] = {}
        self.entries: dict[tuple[str, str], dict[str, Entry]] = {}
        self.by_record: dict[str, set[tuple[str, str]]] = {}
        self.figures: dict[tuple[str, str], Figures] = {}
        self.rounds: set[tuple[str, str]] = set()

    def rulebook_of(self, period: str) -> Rulebook:
        chosen = self.governing.get(period)
        return chosen if chosen is not None else self._library.in_force_on(parse_period(period).first_day)

    def library(self) -> RulebookLibrary:
        return self._library

    def adopt(self, rulebook: Rulebook) -> None:
        self._library = self._library.with_version(rulebook)

    def closed_rounds(self) -> set[tuple[str, str]]:
        return set(self.rounds)

    def periods(self) -> set[str]:
        return {p for _, p in self.entries} | {p for _, p in self.figures}

    def parent_at(self, subject_id: str, moment: datetime) -> str | None:
        row = self.subjects.get(subject_id)
        if row is None:
            return None
        return parent_at([[datetime.fromisoformat(e) if e else None, p] for e, p in row["assignments"]], moment)

    def is_closed(self, kind: str, period: str) -> bool:
        return (kind, period) in self.rounds

    def entries_of(self, record_id: str) -> list[Placed]:
        return [(s, p, self.entries[(s, p)][record_id]) for s, p in sorted(self.by_record.get(record_id, ()))]

    def entries_on(self, subject_id: str) -> list[Placed]:
        found = [(s, p, e) for (s, p), entries in self.entries.items() if s == subject_id for e in entries.values()]
        return sorted(found, key=lambda x: (x[1], x[2].origin_position))

    def entries_in(self, period: str) -> list[Placed]:
        found = [(s, p, e) for (s, p), entries in self.entries.items() if p == period for e in entries.values()]
        return sorted(found, key=lambda x: (x[0], x[2].origin_position, x[2].record_id))

    def put(self, subject_id: str, period: str, entry: Entry) -> None:
        self.entries.setdefault((subject_id, period), {})[entry.record_id] = entry
        self.by_record.setdefault(entry.record_id, set()).add((subject_id, period))

    def rescore(self, period: str) -> None:
        """Cards are scored when asked for, under the rulebook known then: nothing to do."""

    def fold(self, position: int, event: object) -> None:
        if isinstance(event, Subject.Created | Subject.Reassigned | Subject.Renamed):
            key = str(event.originator_id)
            row = subject_row(self.subjects.get(key), event)
            assert row is not None
            self.subjects[key] = row
        elif isinstance(event, HallFigures.Reported):
            key = (event.hall_id, str(event.year))
            self.figures[key] = self.figures.get(key, Figures()).merged(dict(event.figures))
        elif isinstance(event, Round.Closed):
            self.rounds.add((event.kind, event.period))
        derive(event, position, self, self)

    # --- the cards -------------------------------------------------------------------------------

    def halls_of(self, period: str, include: str | None = None) -> list[str]:
        the_period = parse_period(period)
        return [s for s, row in self.subjects.items() if row["kind"] == "hall"
                and (s == include or in_service(since_of(row), the_period))]

    def card(self, subject_id: str, period: str) -> Scorecard | None:
        subject = self.subjects.get(subject_id)
        if subject is None:
            return None
        rulebook = self.rulebook_of(period)
        facts = Facts(tuple(self.entries.get((subject_id, period), {}).values()),
                      self.figures.get((subject_id, period), Figures()))
        if subject["kind"] != "hall":
            return score(rulebook, subject["kind"], subject_id, period, facts)
        halls = self.halls_of(period, include=subject_id)
        places = hall_places({h: self.figures.get((h, period), Figures()).case_volume for h in halls})
        return score(rulebook, "hall", subject_id, period, facts, places[subject_id])

    def cards(self) -> dict[tuple[str, str], Scorecard]:
        """Every card the live read model keeps: each subject and period with an entry, and
        every hall of a year in which any hall has an entry or figures."""
        keys = set(self.entries)
        hall_periods = {p for s, p in keys if self.subjects[s]["kind"] == "hall"} | {p for _, p in self.figures}
        keys |= {(h, p) for p in hall_periods for h in self.halls_of(p)}
        cards = {}
        for subject_id, period in keys:
            card = self.card(subject_id, period)
            assert card is not None
            cards[(subject_id, period)] = card
        return cards
