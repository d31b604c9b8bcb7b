"""The read-model tables, kept in the event store's own database.

Statements are written once with `?` placeholders and `{p}` for the schema prefix; this
adapter turns them into PostgreSQL's form when needed. Transactions come from the library's
own datastore, so the read model and the events share one connection setting and one pool.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Notification

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS {p}rm_tracking (name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
    # One row per subject: what standings list and what placement reads.
    "CREATE TABLE IF NOT EXISTS {p}rm_subjects (subject_id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " name TEXT NOT NULL, unit TEXT NOT NULL, code TEXT, since TEXT, assignments TEXT NOT NULL,"
    " position BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS rm_subjects_kind ON {p}rm_subjects (kind)",
    # One row per subject and period: the facts folded so far and the scorecard they give.
    # total, bonus, vetoed and veto_reasons repeat the card's own so that standings parse no JSON.
    "CREATE TABLE IF NOT EXISTS {p}rm_cards (subject_id TEXT NOT NULL, period TEXT NOT NULL,"
    " kind TEXT NOT NULL, facts TEXT NOT NULL, card TEXT NOT NULL, position BIGINT NOT NULL,"
    " total TEXT NOT NULL, bonus TEXT NOT NULL, vetoed INTEGER NOT NULL, veto_reasons TEXT NOT NULL,"
    " PRIMARY KEY (subject_id, period))",
    "CREATE INDEX IF NOT EXISTS rm_cards_period ON {p}rm_cards (period, kind)",
    # One row per event: when it was received (for as-of questions) and what it was about.
    "CREATE TABLE IF NOT EXISTS {p}rm_events (position BIGINT PRIMARY KEY, originator_id TEXT NOT NULL,"
    " originator_version INTEGER NOT NULL, topic TEXT NOT NULL, recorded_at TEXT)",
    "CREATE INDEX IF NOT EXISTS rm_events_originator ON {p}rm_events (originator_id, originator_version)",
    "CREATE INDEX IF NOT EXISTS rm_events_recorded_at ON {p}rm_events (recorded_at)",
    # Which log positions changed which subject's facts for which period: lets an as-of replay
    # decode only the events that matter to one scorecard.
    "CREATE TABLE IF NOT EXISTS {p}rm_touches (subject_id TEXT NOT NULL, period TEXT NOT NULL,"
    " position BIGINT NOT NULL, PRIMARY KEY (subject_id, period, position))",
    # Who is nominated (申报) for which period: the standings' "nominated" column.
    "CREATE TABLE IF NOT EXISTS {p}rm_nominations (subject_id TEXT NOT NULL, period TEXT NOT NULL,"
    " kind TEXT NOT NULL, nomination_id TEXT NOT NULL, unit TEXT NOT NULL, position BIGINT NOT NULL,"
    " PRIMARY KEY (subject_id, period))",
    # Who recorded what (an inspector's "my recent submissions"), newest last.
    "CREATE TABLE IF NOT EXISTS {p}rm_authored (actor TEXT NOT NULL, position BIGINT NOT NULL,"
    " record_id TEXT NOT NULL, PRIMARY KEY (actor, position))",
    # The office's worklists: complaints, objections and disputes, open until judged or ruled.
    "CREATE TABLE IF NOT EXISTS {p}rm_queue (item_id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject_id TEXT NOT NULL,"
    " received_at TEXT, position BIGINT NOT NULL, open INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS rm_queue_open ON {p}rm_queue (open, kind, position)",
    # Evidence files by SHA-256 (not a read model: the bytes are kept here, their metadata in events).
    "CREATE TABLE IF NOT EXISTS {p}evidence_files (sha256 TEXT PRIMARY KEY, content_type TEXT NOT NULL,"
    " size BIGINT NOT NULL, data {blob} NOT NULL)",
    # The operation and login log (操作日志、登录日志) as a queryable read model of its events.
    "CREATE TABLE IF NOT EXISTS {p}rm_audit (position BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,"
    " role TEXT, address TEXT, action TEXT NOT NULL, status INTEGER, success INTEGER NOT NULL, detail TEXT)",
    "CREATE INDEX IF NOT EXISTS rm_audit_at ON {p}rm_audit (at)",
    # Sessions and lockouts: security state, not facts of the ledger (never rebuilt from events).
    "CREATE TABLE IF NOT EXISTS {p}auth_sessions (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
    " created_at TEXT NOT NULL, last_seen TEXT NOT NULL, expires_at TEXT NOT NULL, revoked INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}auth_lockouts (username TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
    " locked_until TEXT)",
    # The hash chain over the log (projections/chain.py): tamper evidence, not a read model.
    "CREATE TABLE IF NOT EXISTS {p}ledger_chain (position BIGINT PRIMARY KEY, link TEXT NOT NULL)",
]


READ_MODEL_TABLES = ("rm_tracking", "rm_subjects", "rm_cards", "rm_events", "rm_nominations", "rm_touches",
                     "rm_audit", "rm_authored", "rm_queue", "rm_users", "rm_tokens", "rm_attachments")


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

    def sql(self, statement: str) -> str:
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

    def create_tables(self) -> None:
        with self.transaction() as cur:
            for statement in SCHEMA:
                cur.execute(statement)

    def notifications_at(self, positions: list[int]) -> list[Notification]:
        """The stored events at the given log positions, in log order (the library has no
        select-by-position, so this reads the library's events table directly)."""
        found: list[Notification] = []
        for i in range(0, len(positions), 500):
            chunk = positions[i:i + 500]
            with self.transaction(commit=False) as cur:
                if self.is_postgres:
                    found += self._notifications(cur, "WHERE {id} = ANY(?)", [chunk])
                else:
                    found += self._notifications(cur, f"WHERE {{id}} IN ({','.join('?' * len(chunk))})", chunk)
        return sorted(found, key=lambda n: n.id)

    def notifications_after(self, cur: Cursor, start: int, stop: int, limit: int) -> list[Notification]:
        """Like the library's `select_notifications`, but read with the caller's transaction:
        catch-up reads page after page inside the transaction that applies them, and taking a
        second connection there could wait on the writer this very transaction holds."""
        return self._notifications(cur, "WHERE {id} > ? AND {id} <= ? ORDER BY {id} LIMIT ?", [start, stop, limit])

    def _notifications(self, cur: Cursor, clause: str, params: list) -> list[Notification]:
        """`clause` follows the FROM; `{id}` in it names the position column."""
        recorder = self.recorder
        table = recorder.events_table_name  # type: ignore[attr-defined]
        position = "notification_id" if self.is_postgres else "rowid"
        # SQLite keeps ids as text; PostgreSQL returns UUIDs already.
        convert = getattr(recorder, "convert_originator_id", lambda originator_id: originator_id)
        rows = cur.all(f"SELECT {position} AS id, originator_id, originator_version, topic, state"
                       f" FROM {{p}}{table} " + clause.replace("{id}", position), params)
        return [Notification(id=int(r["id"]), originator_id=convert(r["originator_id"]),
                             originator_version=r["originator_version"], topic=r["topic"], state=bytes(r["state"]))
                for r in rows]

    def drop_read_model(self) -> None:
        """Drops the tables a rebuild recreates from the log (never the chain or evidence files)."""
        with self.transaction() as cur:
            for table in READ_MODEL_TABLES:
                cur.execute(f"DROP TABLE IF EXISTS {{p}}{table}")


class Cursor:
    def __init__(self, store: ReadStore, cursor: Any):
        self._store = store
        self._cursor = cursor

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._store.sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._store.sql(statement), [tuple(r) for r in rows])

    def one(self, statement: str, params: Sequence[Any] = ()) -> Any:
        self.execute(statement, params)
        return self._cursor.fetchone()

    def all(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        self.execute(statement, params)
        return list(self._cursor.fetchall())
