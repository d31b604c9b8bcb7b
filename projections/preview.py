"""A preview (预览): a period's standings re-scored under another rulebook version, changing
nothing. The whole log is replayed in memory (projections/replay.py) with that version governing
the period, so the answer is what a store would show had the version been in force there all
along: the same derivation (look-back records carried, mapped or held; roll-ups as that version
says), the same scoring. Names, units and nominations come from the live read model.

A replay reads the whole log; the last few answers are kept by log position, so asking again
before anything new is written costs nothing.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.periods import in_service, parse_period
from domain.rulebook import Rulebook, rulebook_to_json
from domain.subjects import since_of
from projections.reader import Reader, Standing, ranked_items
from projections.replay import fold_log

KEPT = 8


class Previews:
    """The last few previews of one read model, by what was asked and the log position."""

    def __init__(self) -> None:
        self.answers: OrderedDict[tuple, tuple[int, list[dict]]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> tuple[int, list[dict]] | None:
        with self.lock:
            found = self.answers.get(key)
            if found is not None:
                self.answers.move_to_end(key)
            return found

    def keep(self, key: tuple, answer: tuple[int, list[dict]]) -> None:
        with self.lock:
            self.answers[key] = answer
            while len(self.answers) > KEPT:
                self.answers.popitem(last=False)


def preview_standings(read_model: Reader, recorder: ApplicationRecorder, mapper: Mapper, previews: Previews, kind: str,
                      period: str, rulebook: Rulebook) -> tuple[int, list[dict]]:
    """The standings of a period under `rulebook`, as of the read model's position now."""
    position = read_model.position()
    key = (kind, period, rulebook_key(rulebook), position)
    found = previews.get(key)
    if found is not None:
        return found
    book = fold_log(recorder, mapper, read_model.rulebooks, position, governing={period: rulebook})
    the_period = parse_period(period)
    nominated = read_model.nominated_in(period)
    with_cards = {s for s, p in (*book.entries, *book.figures) if p == period}
    cards = []
    for subject_id, row in book.subjects.items():
        if row["kind"] != kind or not (subject_id in with_cards or in_service(since_of(row), the_period)):
            continue
        card = book.card(subject_id, period)
        assert card is not None
        cards.append(Standing(row, card.total, card.bonus, card.vetoed, list(card.veto_reasons),
                              subject_id in nominated))
    answer = (position, ranked_items(cards))
    previews.keep(key, answer)
    return answer


def rulebook_key(rulebook: Rulebook) -> str:
    """Two rulebooks that score alike have the same key (a candidate not yet loaded, too)."""
    return json.dumps(rulebook_to_json(rulebook), sort_keys=True, ensure_ascii=False)
