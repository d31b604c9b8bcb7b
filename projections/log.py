"""Reading the log (the library's events table) by position, within a caller's transaction.

The library reads the log in its own transactions (`select_notifications`); the projection
needs to read inside the transaction that applies what it reads (taking a second connection
there could wait on the writer this very transaction is), and to pick events by position (an
as-of question decodes only the events it needs). One query shape serves both.
"""

from __future__ import annotations

from eventsourcing.persistence import Notification

from projections.store import Cursor, ReadStore


def after(cur: Cursor, start: int, stop: int, limit: int) -> list[Notification]:
    """Up to `limit` events after position `start`, up to `stop`, in log order."""
    return _select(cur, "WHERE {id} > ? AND {id} <= ? ORDER BY {id} LIMIT ?", [start, stop, limit])


def at(store: ReadStore, positions: list[int]) -> list[Notification]:
    """The events at these positions, in log order."""
    found: list[Notification] = []
    for i in range(0, len(positions), 500):
        chunk = positions[i:i + 500]
        with store.transaction(commit=False) as cur:
            if store.is_postgres:
                found += _select(cur, "WHERE {id} = ANY(?)", [chunk])
            else:
                found += _select(cur, f"WHERE {{id}} IN ({','.join('?' * len(chunk))})", chunk)
    return sorted(found, key=lambda n: n.id)


def end(cur: Cursor) -> int:
    row = cur.one(f"SELECT MAX({_position(cur.store)}) AS n FROM {{p}}{_table(cur.store)}")
    return int(row["n"] or 0)


def lock_for_writing(cur: Cursor) -> None:
    """Holds back every writer of the log until this transaction ends: the library's own lock
    on PostgreSQL (every insert takes it first); SQLite has one writer anyway."""
    if cur.store.is_postgres:
        cur.execute(f"LOCK TABLE {{p}}{_table(cur.store)} IN EXCLUSIVE MODE")


def _table(store: ReadStore) -> str:
    return store.recorder.events_table_name  # type: ignore[attr-defined]


def _position(store: ReadStore) -> str:
    return "notification_id" if store.is_postgres else "rowid"


def _select(cur: Cursor, clause: str, params: list) -> list[Notification]:
    """`clause` follows the FROM; `{id}` in it names the position column."""
    store = cur.store
    position = _position(store)
    # SQLite keeps ids as text; PostgreSQL returns UUIDs already.
    convert = getattr(store.recorder, "convert_originator_id", lambda originator_id: originator_id)
    rows = cur.all(f"SELECT {position} AS id, originator_id, originator_version, topic, state"
                   f" FROM {{p}}{_table(store)} " + clause.replace("{id}", position), params)
    return [Notification(id=int(r["id"]), originator_id=convert(r["originator_id"]),
                         originator_version=r["originator_version"], topic=r["topic"], state=bytes(r["state"]))
            for r in rows]
