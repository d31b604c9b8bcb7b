"""The read model's tables, its schema version, and how a rebuilt one is swapped in.

Derived tables (`rm_*`) are a function of the log: a new release whose tables differ raises
`VERSION`, and a store whose read model is of another version is rebuilt from the log when it
opens (that is the read model's migration; release 0.1 kept no version and is version 1). The
other tables hold what the log does not: the hash chain, evidence files, sessions and
lockouts; they are created once and migrated in place, never dropped.

A rebuild creates the derived tables aside (`rm_cards__next`, …), fills them, and swaps them
in within the same transaction: the live read model keeps answering until the new one is
complete, and a failed rebuild leaves it as it was.
"""

from __future__ import annotations

import secrets

from projections import accounts, attachments
from projections.store import Cursor

VERSION = 6  # 5: rulebook versions (rm_rulebooks); an entry's recorded rule, the version it was made under, held
# 6: rm_entries by (period, subject_id, version_to): without statistics SQLite read a card through
#    the period index, scanning every entry of the period (13 ms for a card of 262 entries; 1.9 now)
# (4: accounts (rm_users, rm_tokens) and evidence attachments (rm_attachments))
ASIDE = "__next"

# name → (columns, indexes). An index is (its name's tail, its columns).
DERIVED: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "rm_meta": ("name TEXT PRIMARY KEY, value TEXT NOT NULL", []),
    "rm_tracking": ("name TEXT PRIMARY KEY, position BIGINT NOT NULL", []),
    # One row per subject: the roster as known, and the log position that created it.
    "rm_subjects": ("subject_id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, unit TEXT NOT NULL,"
                    " code TEXT, since TEXT, assignments TEXT NOT NULL, position BIGINT NOT NULL,"
                    " created_position BIGINT NOT NULL", [("kind", "kind")]),
    # Every version of every entry: a record as it counts for a subject in a period, valid from
    # one log position until the next version's (version_to NULL: the current one). The card of
    # any moment is the versions valid then.
    "rm_entries": ("subject_id TEXT NOT NULL, period TEXT NOT NULL, record_id TEXT NOT NULL,"
                   " version_from BIGINT NOT NULL, version_to BIGINT, rule_id TEXT NOT NULL, origin TEXT NOT NULL,"
                   " occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, quantity INTEGER NOT NULL, points TEXT,"
                   " note TEXT NOT NULL, actor TEXT NOT NULL, from_subject_id TEXT, effective INTEGER NOT NULL,"
                   " reason TEXT NOT NULL, moved_away INTEGER NOT NULL, origin_position BIGINT NOT NULL,"
                   " delta TEXT NOT NULL, recorded_rule_id TEXT NOT NULL, recorded_under TEXT NOT NULL, held TEXT NOT NULL,"
                   " PRIMARY KEY (subject_id, period, record_id, version_from)",
                   [("record", "record_id, version_to"), ("period", "period, subject_id, version_to")]),
    # One row per subject and period: the tally of its effective entries (bounded by the
    # rulebook, not the history) and the summary it gives, which the standings read.
    "rm_cards": ("subject_id TEXT NOT NULL, period TEXT NOT NULL, kind TEXT NOT NULL, tally TEXT NOT NULL,"
                 " total TEXT NOT NULL, bonus TEXT NOT NULL, vetoed INTEGER NOT NULL, veto_reasons TEXT NOT NULL,"
                 " position BIGINT NOT NULL, PRIMARY KEY (subject_id, period)", [("period", "period, kind")]),
    # Every rulebook version the log adopted (the shipped ones need no row), valid from the
    # position of its event until a later event replaced it: the versions known at any moment.
    "rm_rulebooks": ("version TEXT NOT NULL, version_from BIGINT NOT NULL, version_to BIGINT,"
                     " effective_from TEXT NOT NULL, rulebook TEXT NOT NULL, PRIMARY KEY (version, version_from)", []),
    # Every version of a hall's figures for a year.
    "rm_figures": ("hall_id TEXT NOT NULL, period TEXT NOT NULL, version_from BIGINT NOT NULL, version_to BIGINT,"
                   " figures TEXT NOT NULL, PRIMARY KEY (hall_id, period, version_from)", [("period", "period")]),
    # Rounds closed, and when: a closed window's card is left as it was frozen.
    "rm_rounds": ("kind TEXT NOT NULL, period TEXT NOT NULL, closed_position BIGINT NOT NULL,"
                  " PRIMARY KEY (kind, period)", []),
    # One row per event: when it was received (for as-of questions) and what it was about.
    # (recorded_at: microseconds since 1970, UTC; an integer sorts the same on every store.)
    "rm_events": ("position BIGINT PRIMARY KEY, originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL,"
                  " topic TEXT NOT NULL, recorded_at BIGINT",
                  [("originator", "originator_id, originator_version"), ("recorded_at", "recorded_at")]),
    # Attendance exceptions by their identity, with what they said last (imports compare).
    "rm_attendance": ("record_id TEXT PRIMARY KEY, worker_id TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL,"
                      " occurrence TEXT NOT NULL, minutes INTEGER, excused INTEGER NOT NULL, rule_id TEXT,"
                      " position BIGINT NOT NULL", []),
    # Who is nominated (申报) for which period: the standings' "nominated" column.
    "rm_nominations": ("subject_id TEXT NOT NULL, period TEXT NOT NULL, kind TEXT NOT NULL,"
                       " nomination_id TEXT NOT NULL, unit TEXT NOT NULL, position BIGINT NOT NULL,"
                       " PRIMARY KEY (subject_id, period)", []),
    # Who recorded what (an inspector's "my recent submissions"), newest last.
    "rm_authored": ("actor TEXT NOT NULL, position BIGINT NOT NULL, record_id TEXT NOT NULL,"
                    " PRIMARY KEY (actor, position)", []),
    # The office's worklists: complaints, objections and disputes, open until judged or ruled.
    "rm_queue": ("item_id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject_id TEXT NOT NULL, received_at TEXT,"
                 " position BIGINT NOT NULL, open INTEGER NOT NULL", [("open", "open, kind, position")]),
    # The operation and login log (操作日志、登录日志) as a queryable read model of its events.
    "rm_audit": ("position BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT, address TEXT,"
                 " action TEXT NOT NULL, status INTEGER, success INTEGER NOT NULL, detail TEXT", [("at", "at")]),
}
# Accounts and tokens, and what each evidence file is attached to (their own modules apply them).
DERIVED.update({**accounts.TABLES, **attachments.TABLES})
# Tables of release 0.1's read model that this one no longer has.
RETIRED = ("rm_touches",)

KEPT = [
    # Evidence files by SHA-256 (the bytes; their metadata is in events).
    "CREATE TABLE IF NOT EXISTS {p}evidence_files (sha256 TEXT PRIMARY KEY, content_type TEXT NOT NULL,"
    " size BIGINT NOT NULL, data {blob} NOT NULL)",
    # Sessions and lockouts: security state, not facts of the ledger.
    "CREATE TABLE IF NOT EXISTS {p}auth_sessions (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
    " created_at TEXT NOT NULL, last_seen TEXT NOT NULL, expires_at TEXT NOT NULL, revoked INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}auth_lockouts (username TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
    " locked_until TEXT)",
    # The hash chain over the log (projections/chain.py): tamper evidence, never rebuilt.
    "CREATE TABLE IF NOT EXISTS {p}ledger_chain (position BIGINT PRIMARY KEY, link TEXT NOT NULL)",
]


def table_exists(cur: Cursor, name: str) -> bool:
    if cur.store.is_postgres:
        schema = cur.store.datastore.schema
        return cur.one("SELECT 1 AS x FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, name]) is not None
    return cur.one("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?", [name]) is not None


def stored_version(cur: Cursor) -> int:
    """The version of the read model in the store: 0 for none at all, 1 for release 0.1's."""
    if table_exists(cur, "rm_meta"):
        row = cur.one("SELECT value FROM {p}rm_meta WHERE name = 'schema'")
        return int(row["value"]) if row else 0
    return 1 if table_exists(cur, "rm_tracking") else 0


def create_kept(cur: Cursor) -> None:
    for statement in KEPT:
        cur.execute(statement)


def create_derived(cur: Cursor, suffix: str = "") -> None:
    """Creates the derived tables (under `suffix`), each with its indexes, when missing. Index
    names carry a random tail: a table built aside keeps its indexes when renamed, and the next
    build aside must not meet their names."""
    for name, (columns, indexes) in DERIVED.items():
        table = name + suffix
        if table_exists(cur, table):
            continue
        cur.execute(f"CREATE TABLE {{p}}{table} ({columns})")
        for tail, indexed in indexes:
            cur.execute(f"CREATE INDEX {name}_{tail}_{secrets.token_hex(3)} ON {{p}}{table} ({indexed})")
    cur.execute(f"INSERT INTO {{p}}rm_meta{suffix} (name, value) VALUES ('schema', ?) ON CONFLICT (name) DO NOTHING",
                [str(VERSION)])


def swap_in(cur: Cursor, suffix: str) -> None:
    """Replaces the derived tables by those built aside under `suffix` (one transaction)."""
    for name in (*DERIVED, *RETIRED):
        cur.execute(f"DROP TABLE IF EXISTS {{p}}{name}")
    for name in DERIVED:
        if cur.store.is_postgres:
            cur.execute(f"ALTER TABLE {{p}}{name}{suffix} RENAME TO {name}")
        else:
            cur.execute(f"ALTER TABLE {name}{suffix} RENAME TO {name}")


def drop_aside(cur: Cursor, suffix: str) -> None:
    for name in DERIVED:
        cur.execute(f"DROP TABLE IF EXISTS {{p}}{name}{suffix}")
