"""The library's recorders, extended so that whatever appends events also applies them to the
read model in the same transaction (design note: "writing more rows in the append's own
transaction").

On SQLite the library's `_insert_events` inserts the events inside its transaction and returns
their positions; the read model's rows follow there. On PostgreSQL the library's
`insert_events` catches an error raised after its insert and re-raises it only after its
transaction block has ended, which would commit the events without their rows; so this
recorder runs its own transaction: the library's lock and insert, the positions, then the read
model, and any failure undoes all of it.

`save(*aggregates, applied=[domain events])` hands over the events as objects, so they are not
decoded again; without it the stored events are decoded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic, retry

# (raw cursor, positions, stored events, their domain events or None)
Hook = Callable[[Any, Sequence[int], Sequence[StoredEvent], Sequence[Any] | None], None]


class InlineSQLiteRecorder(SQLiteApplicationRecorder):
    read_model: Hook | None = None

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        positions = self._insert_in_bulk(c, stored_events) if len(stored_events) > 1 else \
            super()._insert_events(c, stored_events, **kwargs)
        if self.read_model is not None and positions:
            self.read_model(c, positions, stored_events, kwargs.get("applied"))
        return positions

    def _insert_in_bulk(self, c: Any, stored_events: Sequence[StoredEvent]) -> list[int]:
        """The library inserts one event per statement to learn each position; in bulk (an
        import) one statement inserts the rest: this transaction holds SQLite's only write lock,
        so the positions follow the first one, and that is checked."""
        rows = [(s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id, s.originator_version,
                 s.topic, s.state) for s in stored_events]
        c.execute(self.insert_events_statement, rows[0])
        first = c.lastrowid
        c.executemany(self.insert_events_statement, rows[1:])
        c.execute(self.select_max_notification_id_statement)
        last = c.fetchone()[0]
        if last != first + len(rows) - 1:
            raise ProgrammingError(f"positions {first}..{last} for {len(rows)} events")
        return list(range(first, last + 1))


class InlinePostgresRecorder(PostgresApplicationRecorder):
    read_model: Hook | None = None

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return []
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_stored_events(curs, stored_events, **kwargs)
            positions = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            if self.read_model is not None and positions:
                self.read_model(curs, positions, stored_events, kwargs.get("applied"))
        return positions


def recorder_topic(store: str) -> str:
    """For the library's APPLICATION_RECORDER_TOPIC setting."""
    return get_topic(InlinePostgresRecorder if store == "postgresql" else InlineSQLiteRecorder)
