"""The live read model as the service holds it: the reader's questions, the writer behind them
(attached to the recorder, so every append applies its own events), and catch-up and rebuild."""

from __future__ import annotations

from collections.abc import Callable

from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.rulebook import Rulebook, RulebookLibrary
from projections.preview import Previews, preview_standings
from projections.reader import Reader
from projections.recorders import InlinePostgresRecorder, InlineSQLiteRecorder
from projections.store import ReadStore
from projections.writer import Writer


class ReadModel(Reader):
    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper, rulebooks: RulebookLibrary):
        super().__init__(ReadStore(recorder), rulebooks)
        self.recorder = recorder
        self.mapper = mapper
        self.writer = Writer(self.store, mapper, self.known)
        self.writer.on_commit.append(self.forget_standings)
        self.previews = Previews()
        if isinstance(recorder, InlineSQLiteRecorder | InlinePostgresRecorder):
            recorder.read_model = self.writer.apply_appended

    def prepare(self) -> None:
        """Creates the tables of a new store; rebuilds a read model of another version."""
        if self.writer.prepare():
            self.writer.rebuild()

    def catch_up(self, until: int | None = None, on_batch: Callable[[int, int], None] | None = None) -> int:
        """Applies what was appended without being applied (not by a command of this release)."""
        return self.writer.catch_up(until, on_batch)

    def rebuild(self, on_batch: Callable[[int, int], None] | None = None) -> int:
        return self.writer.rebuild(on_batch)

    def preview_standings(self, kind: str, period: str, rulebook: Rulebook) -> tuple[int, list[dict]]:
        """A period's standings re-scored under another version, changing nothing."""
        return preview_standings(self, self.recorder, self.mapper, self.previews, kind, period, rulebook)
