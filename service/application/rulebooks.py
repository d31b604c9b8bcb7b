"""Rulebook versions (考评标准版本): the ones shipped inside the package (domain/rulebooks/*.json,
the 2022 default), and the ones the office loads, which are events in the log
(domain/rulebook_versions.py). Loading checks the whole upload and names every problem; a
version in use never changes; a version never takes over a period whose round is closed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from eventsourcing.domain import Aggregate

from domain.errors import Conflict, InvalidAll, NotFound
from domain.periods import check_period_kind, parse_period
from domain.rulebook import Rulebook, RulebookLibrary, parse_rulebook, rulebook_to_json
from domain.rulebook_check import Problem, adoption_warnings, check_rulebook
from domain.rulebook_diff import rulebook_diff
from domain.rulebook_versions import RulebookVersion
from service.application.ledger import Idempotency, Ledger, Saved


def load_rulebooks() -> RulebookLibrary:
    folder = resources.files("domain") / "rulebooks"
    books = [parse_rulebook(json.loads(f.read_text(encoding="utf-8")))
             for f in folder.iterdir() if f.name.endswith(".json")]
    return RulebookLibrary(books)


@dataclass
class Checked:
    """An upload checked without writing anything: the rulebook it gives (None if it has
    problems), the problems, what adopting it would quietly do, and why it may not be adopted."""

    rulebook: Rulebook | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    refusal: Conflict | None = None


class Rulebooks:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    # --- reading ------------------------------------------------------------------------------

    def get(self, version: str, library: RulebookLibrary | None = None, field: str = "version") -> Rulebook:
        """`field`: what the request calls the version (`rulebook` in a preview's query)."""
        library = library or self.ledger.library()
        if not library.has(version):
            raise NotFound(field, f"考评标准版本 {version} 不存在;现有版本:{'、'.join(library.versions())}")
        return library.get(version)

    def listing(self) -> list[dict[str, Any]]:
        library = self.ledger.library()
        answer = []
        for book in library.all():
            loaded = self.ledger.find(RulebookVersion, RulebookVersion.create_id(rulebook_version=book.version))
            answer.append({
                "version": book.version, "title": book.title, "effective_from": book.effective_from.isoformat(),
                "in_use": self.in_use(book, library) is not None, "shipped": loaded is None,
                "loaded_by": loaded.actor if loaded else None,
                "loaded_at": loaded.recorded_at.isoformat() if loaded else None,
            })
        return answer

    def in_use(self, rulebook: Rulebook, library: RulebookLibrary) -> str | None:
        """Why a version may no longer change (a period it governs has a closed round, or records
        that happened in it), or None."""
        projection = self.ledger.projection
        closed = projection.closed_rounds()
        periods = projection.periods_with_cards() | {p for _, p in closed}
        governed = sorted(p for p in periods if library.in_force_on(parse_period(p).first_day) is rulebook)
        for period in governed:
            if any(p == period for _, p in closed):
                return f"考评期 {period} 已截止"
        for period in governed:
            count = projection.records_occurring_in(period)
            if count:
                return f"考评期 {period} 已有 {count} 条按此版记录的考评记录"
        return None

    def diff(self, from_version: str, to_version: str) -> dict[str, Any]:
        library = self.ledger.library()
        return rulebook_diff(self.get(from_version, library), self.get(to_version, library))

    def preview(self, kind: str, period_id: str, rulebook: Rulebook) -> tuple[int, list[dict]]:
        """A period's standings re-scored under `rulebook` (loaded or not), changing nothing."""
        period = parse_period(period_id)
        check_period_kind(period, kind)
        projection = self.ledger.projection
        if rulebook is self.ledger.rulebook_for(period):
            return projection.standings(kind, period.id)
        return projection.preview_standings(kind, period.id, rulebook)

    # --- loading a version --------------------------------------------------------------------

    def check(self, version: str, data: Any) -> Checked:
        """Everything `adopt` would decide, without writing."""
        library = self.ledger.library()
        try:
            self._not_shipped(version, library)
        except Conflict as refused:
            return Checked(None, [], [], refused)
        rulebook, problems = check_rulebook(data, version, library)
        if rulebook is None:
            return Checked(None, problems)
        if library.has(version) and rulebook_to_json(library.get(version)) == rulebook_to_json(rulebook):
            return Checked(rulebook, [], [Problem("version", f"与已有的版本 {version} 完全相同,采用后不会有任何改变")])
        try:
            self._may_adopt(rulebook, library)
        except Conflict as refused:
            return Checked(rulebook, [], adoption_warnings(rulebook, library), refused)
        return Checked(rulebook, [], adoption_warnings(rulebook, library) + self._taken_over(rulebook, library))

    def adopt(self, actor: str, version: str, data: Any, idempotency: Idempotency | None = None
              ) -> tuple[Saved, list[Problem]]:
        """Loads a version (or replaces one not yet in use): 422 naming every problem, 409 if it
        may not change; the warnings say what it will quietly do."""
        warnings: list[Problem] = []

        def build() -> tuple[str, list[Aggregate]]:
            library = self.ledger.library()
            self._not_shipped(version, library)
            rulebook, problems = check_rulebook(data, version, library)
            if rulebook is None:
                raise InvalidAll([(p.field, p.message) for p in problems])
            stored = rulebook_to_json(rulebook)
            existing = self.ledger.find(RulebookVersion, RulebookVersion.create_id(rulebook_version=version))
            if existing is not None and existing.rulebook == stored:
                return str(existing.id), []  # the same version again: nothing changes
            self._may_adopt(rulebook, library)
            warnings[:] = adoption_warnings(rulebook, library) + self._taken_over(rulebook, library)
            now = self.ledger.now()
            if existing is None:
                made = RulebookVersion(rulebook_version=version, rulebook=stored, actor=actor, recorded_at=now)
                return str(made.id), [made]
            existing.replace(rulebook_version=version, rulebook=stored, actor=actor, recorded_at=now)
            return str(existing.id), [existing]

        return self.ledger.write("rulebook", idempotency, build), warnings

    def _not_shipped(self, version: str, library: RulebookLibrary) -> None:
        if self.ledger.rulebooks.has(version) and library.get(version) is self.ledger.rulebooks.get(version):
            raise Conflict("version", f"版本 {version} 随系统发布,不能更改;请以新的版本号上传")

    def _may_adopt(self, rulebook: Rulebook, library: RulebookLibrary) -> None:
        version = rulebook.version
        if library.has(version):
            reason = self.in_use(library.get(version), library)
            if reason is not None:
                raise Conflict("version", f"版本 {version} 已在使用中({reason}),不能更改;请以新的版本号上传")
        after = library.with_version(rulebook)
        for period in sorted({p for _, p in self.ledger.projection.closed_rounds()}):
            first = parse_period(period).first_day
            if library.in_force_on(first) is not after.in_force_on(first):
                raise Conflict("effective_from", f"考评期 {period} 已截止,按 {library.in_force_on(first).version} 版"
                                                 f"冻结了排名;施行日期 {rulebook.effective_from} 会改变它的考评标准")

    def _taken_over(self, rulebook: Rulebook, library: RulebookLibrary) -> list[Problem]:
        """Periods that already have cards and will be scored under this version from now on."""
        after = library.with_version(rulebook)
        taken = sorted(p for p in self.ledger.projection.periods_with_cards()
                       if library.in_force_on(parse_period(p).first_day)
                       is not after.in_force_on(parse_period(p).first_day))
        if not taken:
            return []
        return [Problem("effective_from", f"考评期 {'、'.join(taken)} 已有考评记录(如上一年度回溯计入的记录),"
                                          f"将按本版重新计分:沿用的规则照常计分,本版没有的不计分并注明原因")]

