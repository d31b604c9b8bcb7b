"""The rulebook versions the read model knows (`rm_rulebooks`): the shipped ones, then each
version the log adopted, valid from the log position of its event until it was replaced. The
writer's Book, the reader (live and as of any position) and the ledger's commands all ask here,
so each sees the versions as the log stood at the position it works at.

A row never changes once its version is replaced (its `version_to` is set), and the rows
are the same after a rebuild (positions come from the log), so a version parsed once is kept
for the life of the process, by version and position.
"""

from __future__ import annotations

import json
import threading

from domain.rulebook import Rulebook, RulebookLibrary, parse_rulebook
from projections.store import Cursor

CURRENT = "version_to IS NULL"
AT = "version_from <= ? AND (version_to IS NULL OR version_to > ?)"


class KnownRulebooks:
    def __init__(self, shipped: RulebookLibrary):
        self.shipped = shipped
        self._parsed: dict[tuple[str, int], Rulebook] = {}
        self._libraries: dict[tuple[tuple[str, int], ...], RulebookLibrary] = {}
        self._lock = threading.Lock()

    def library(self, cur: Cursor, position: int | None = None) -> RulebookLibrary:
        """The versions known at a log position (None: now), the shipped ones first and the
        adopted ones in the order the log adopted them."""
        when, params = (CURRENT, []) if position is None else (AT, [position, position])
        rows = cur.all(f"SELECT version, version_from FROM {{p}}rm_rulebooks WHERE {when} ORDER BY version_from",
                       params)
        key = tuple((r["version"], int(r["version_from"])) for r in rows)
        found = self._libraries.get(key)
        if found is not None:
            return found
        books = [self._rulebook(cur, version, since) for version, since in key]
        library = RulebookLibrary([*(r for r in self.shipped.all() if r.version not in {b.version for b in books}),
                                   *books])
        with self._lock:
            if len(self._libraries) > 64:
                self._libraries.clear()
            self._libraries[key] = library
        return library

    def _rulebook(self, cur: Cursor, version: str, since: int) -> Rulebook:
        found = self._parsed.get((version, since))
        if found is None:
            row = cur.one("SELECT rulebook FROM {p}rm_rulebooks WHERE version = ? AND version_from = ?", [version, since])
            found = self._parsed[(version, since)] = parse_rulebook(json.loads(row["rulebook"]))
        return found

    def forget(self) -> None:
        """After a rebuild: rows are the same, but nothing is lost by reading them again."""
        with self._lock:
            self._parsed.clear()
            self._libraries.clear()
