"""The read-model tables live in the event store's own database; this adapter runs statements
on it.

Statements are written once with `?` placeholders, `{p}` for the schema prefix and `{blob}`
for the binary type; the adapter turns them into each store's form. Transactions come from the
library's own datastore, so the read model and the events share one connection setting and one
pool. A cursor may write the derived tables under a suffix (`rm_cards__next`): a rebuild
builds them aside and swaps them in (projections/schema.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import ApplicationRecorder

_DERIVED_TABLE = re.compile(r"\{p\}(rm_\w+)")


class ReadStore:
    def __init__(self, recorder: ApplicationRecorder):
        self.recorder = recorder
        self.datastore = recorder.datastore  # type: ignore[attr-defined]
        schema = getattr(self.datastore, "schema", None)
        self.is_postgres = schema is not None
        self.prefix = f'"{schema}".' if schema else ""

    @property
    def kind(self) -> str:
        return "postgresql" if self.is_postgres else "sqlite"

    def sql(self, statement: str, suffix: str = "") -> str:
        if suffix:
            statement = _DERIVED_TABLE.sub(lambda m: "{p}" + m.group(1) + suffix, statement)
        statement = statement.replace("{p}", self.prefix).replace("{blob}", "BYTEA" if self.is_postgres else "BLOB")
        return statement.replace("?", "%s") if self.is_postgres else statement

    @contextmanager
    def transaction(self, commit: bool = True) -> Iterator[Cursor]:
        with self.datastore.transaction(commit=commit) as cursor:
            yield Cursor(self, cursor)

    @contextmanager
    def snapshot(self) -> Iterator[Cursor]:
        """A read-only transaction that sees one moment of the database for all its reads
        (SQLite's WAL read transactions do; PostgreSQL needs REPEATABLE READ)."""
        with self.datastore.transaction(commit=False) as cursor:
            if self.is_postgres:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield Cursor(self, cursor)

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """Whether this process holds the named lock for the duration of the block. On
        PostgreSQL, a transaction-scoped advisory lock: several service processes run the same
        job, one acts. SQLite serves one machine and its writes are serialised anyway."""
        if not self.is_postgres:
            yield True
            return
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s)) AS mine", (name,))
            yield bool(cursor.fetchone()["mine"])


class Cursor:
    """One transaction's statements; `suffix` names the derived tables it writes."""

    def __init__(self, store: ReadStore, cursor: Any, suffix: str = ""):
        self.store = store
        self._cursor = cursor
        self.suffix = suffix

    def aside(self, suffix: str) -> Cursor:
        """The same transaction, writing the derived tables built aside under `suffix`."""
        return Cursor(self.store, self._cursor, suffix)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self.store.sql(statement, self.suffix), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self.store.sql(statement, self.suffix), [tuple(r) for r in rows])

    def insert(self, table: str, columns: str, rows: Sequence[Sequence[Any]]) -> None:
        """Appends rows to a table (`{p}name`): PostgreSQL's COPY, which takes thousands of rows
        in one round trip, or SQLite's executemany. Only for rows that cannot clash."""
        if not rows:
            return
        if self.store.is_postgres:
            with self._cursor.copy(self.store.sql(f"COPY {table} ({columns}) FROM STDIN", self.suffix)) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns.split(",")))
            self.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    def one(self, statement: str, params: Sequence[Any] = ()) -> Any:
        self.execute(statement, params)
        return self._cursor.fetchone()

    def all(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        self.execute(statement, params)
        return list(self._cursor.fetchall())
