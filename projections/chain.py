"""Tamper evidence: a hash chain over the event log.

Each link covers the previous link and the event's position, stream (originator id), version,
topic and stored state, so changing, removing or reordering any stored event breaks every link
from there on. Links are keyed: HMAC-SHA256 with a secret kept outside the database (`ChainKey`:
EVAL_CHAIN_KEY, or a file generated at the first start), so whoever can write to the database
cannot recompute the links after changing an event. Links written before a key existed are plain
SHA-256 and stay verifiable: a sealed marker (`ledger_chain_keys`) says where keyed links start.

`verify` also checks the chain against heads published elsewhere: those on public notices and
final lists (in Round events) and checkpoints kept outside the store (a file of position and
link pairs that each successful verification appends), so cutting the log's tail or rewriting
an unkeyed stretch shows. On PostgreSQL and SQLite, triggers refuse UPDATE and DELETE on the
events table and the chain (`protect`); the database owner can still remove them, which is why
the service should run as a role that is not the owner (README, Deployment).

The projection appends links in the same transaction as the events (projections/writer.py),
but the chain is not a read model: `rebuild` keeps it, so a rebuild never blesses a tampered
log. Its head is published on each period's public notice and final list.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.persistence import ApplicationRecorder, Notification

from projections import log, schema
from projections.store import Cursor, ReadStore

GENESIS = "0" * 64
SCHEMA = [
    # Where keyed links start, and with which key (its id, not the key), sealed with the key.
    "CREATE TABLE IF NOT EXISTS {p}ledger_chain_keys (since BIGINT PRIMARY KEY, key_id TEXT NOT NULL,"
    " seal TEXT NOT NULL)",
]
APPEND_ONLY = ("ledger_chain", "ledger_chain_keys")  # and the library's events table


class ChainKeyMismatch(RuntimeError):
    """The chain was keyed with another key than the one this process has."""


@dataclass(frozen=True)
class ChainKey:
    secret: bytes

    @property
    def key_id(self) -> str:
        """Names the key without revealing it (shown when two keys differ)."""
        return hmac.new(self.secret, b"ledger chain key id", hashlib.sha256).hexdigest()[:16]

    def seal(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()

    @classmethod
    def from_text(cls, text: str) -> ChainKey:
        text = text.strip()
        if len(text) < 32:
            raise ValueError("the chain key (EVAL_CHAIN_KEY or its file) must be at least 32 characters")
        return cls(text.encode())

    @classmethod
    def load(cls, given: str | None, path: Path) -> ChainKey:
        """The configured key, else the one in `path`, generated there (readable by its owner
        only) on the first start."""
        if given:
            return cls.from_text(given)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls.from_text(path.read_text(encoding="ascii"))
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(os.urandom(32).hex() + "\n")
        return cls.from_text(path.read_text(encoding="ascii"))


_key: ChainKey | None = None  # the process's key, given once at start-up (use_key)


def use_key(key: ChainKey | None) -> None:
    global _key
    _key = key


def _state(n: Notification) -> bytes:
    """The stored state as bytes (a row someone rewrote as text must fail its link, not crash)."""
    state = n.state
    return state.encode("utf-8", "surrogatepass") if isinstance(state, str) else bytes(state)


def link(previous: str, n: Notification, key: ChainKey | None = None) -> str:
    message = (previous.encode() + f"|{n.id}|{n.originator_id}|{n.originator_version}|{n.topic}|".encode()
               + hashlib.sha256(_state(n)).digest())
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()


def head(cur: Cursor) -> tuple[int, str]:
    row = cur.one("SELECT position, link FROM {p}ledger_chain ORDER BY position DESC LIMIT 1")
    return (int(row["position"]), row["link"]) if row else (0, GENESIS)


def _marker(cur: Cursor) -> dict | None:
    row = cur.one("SELECT since, key_id, seal FROM {p}ledger_chain_keys ORDER BY since LIMIT 1")
    return None if row is None else {"since": int(row["since"]), "key_id": row["key_id"], "seal": row["seal"]}


def _marker_text(since: int, key_id: str) -> str:
    return f"keyed from|{since}|{key_id}"


def extend(cur: Cursor, notifications: Iterable[Notification]) -> None:
    """Appends links for the notifications past the chain's head (a rebuild re-reads older ones),
    keyed with the process's key from the marker on (set at the first link this key writes)."""
    position, previous = head(cur)
    key, since = _key, None
    if key is not None:
        marker = _marker(cur)
        if marker is None:
            since = position + 1
            cur.execute("INSERT INTO {p}ledger_chain_keys (since, key_id, seal) VALUES (?, ?, ?)",
                        [since, key.key_id, key.seal(_marker_text(since, key.key_id))])
        else:
            since = marker["since"]
    rows = []
    for n in notifications:
        if n.id <= position:
            continue
        previous = link(previous, n, key if since is not None and n.id >= since else None)
        rows.append((n.id, previous))
    cur.insert("{p}ledger_chain", "position, link", rows)


def link_rest(cur: Cursor, page: int = 5000) -> None:
    """Links every event past the chain's head (a store whose chain lags behind its log)."""
    position, _ = head(cur)
    while True:
        notifications = log.after(cur, position, log.end(cur), page)
        if not notifications:
            return
        extend(cur, notifications)
        position = notifications[-1].id


def prepare(store: ReadStore, recorder: ApplicationRecorder) -> None:
    """At start-up, by the tables' owner, before anything is linked: the tables kept beside the
    read model (the chain among them) and the key marker, and the append-only triggers."""
    with store.transaction() as cur:
        schema.create_kept(cur)
        for statement in SCHEMA:
            cur.execute(statement)
    protect(store, recorder)


def check_key(store: ReadStore) -> None:
    """At start-up: a refusal to go on with a key other than the one the chain was keyed with
    (it would append links no one could verify)."""
    with store.transaction(commit=False) as cur:
        marker = _marker(cur)
    if marker is not None and (_key is None or marker["key_id"] != _key.key_id):
        raise ChainKeyMismatch(
            f"the hash chain is keyed from position {marker['since']} with key {marker['key_id']}, but this process has "
            f"{'no key' if _key is None else 'key ' + _key.key_id}: restore the key file or EVAL_CHAIN_KEY")


def protect(store: ReadStore, recorder: ApplicationRecorder) -> None:
    """Triggers refusing UPDATE and DELETE on the events table and the chain: the service's own
    role cannot rewrite the log (a role that owns the tables could drop them; see the README)."""
    tables = [recorder.events_table_name, *APPEND_ONLY]  # type: ignore[attr-defined]
    with store.transaction() as cur:
        if not store.is_postgres:
            for table in tables:
                cur.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_append_only BEFORE UPDATE ON {table}"
                            f" BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
                cur.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}"
                            f" BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
            return
        schema = store.prefix.rstrip(".") or "public"
        present = {r["name"] for r in cur.all(
            "SELECT c.relname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.tgname = 'ledger_append_only'"
            " AND n.nspname = ?", [schema.strip('"')])}
        if present >= set(tables):
            return
        cur.execute(f"CREATE OR REPLACE FUNCTION {schema}.ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS"
                    " $$ BEGIN RAISE EXCEPTION '%% is append-only: %% refused', TG_TABLE_NAME, TG_OP; END $$")
        for table in set(tables) - present:
            cur.execute(f"CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {{p}}{table}"
                        f" FOR EACH STATEMENT EXECUTE FUNCTION {schema}.ledger_refuse_change()")


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int                 # events whose link was recomputed
    head_position: int
    head: str
    problem_position: int | None = None
    problem: str | None = None   # changed | removed | inserted | key | marker
    keyed_from: int | None = None
    outside_heads: int = 0       # published heads and checkpoints the chain was checked against

    def describe(self) -> str:
        if self.ok:
            keyed = f",自第 {self.keyed_from} 条起为密钥签名" if self.keyed_from else ""
            outside = f",并与 {self.outside_heads} 个已公布的链头和外部校验点一致" if self.outside_heads else ""
            return f"哈希链完整:已核对 {self.checked} 条事件{keyed}{outside},链头 #{self.head_position} {self.head}"
        if self.problem == "key":
            return f"哈希链自第 {self.problem_position} 条起由另一密钥签名,或本机缺少密钥:请恢复原密钥后再核对"
        if self.problem == "marker":
            return f"哈希链的密钥标记(第 {self.problem_position} 条起签名)被改动"
        words = {"changed": "被修改或被调换顺序", "removed": "被删除", "inserted": "被插入"}
        return f"哈希链在第 {self.problem_position} 条事件处断开:该处存储的事件{words[self.problem or 'changed']}"


def verify(recorder: ApplicationRecorder, store: ReadStore, page_size: int = 1000, key: ChainKey | None = None,
           outside: Iterable[tuple[int, str]] = ()) -> ChainCheck:
    """Walks the log and the chain side by side and names the first position where a stored
    event no longer matches its link; then checks the heads known outside the chain (`outside`:
    published heads and checkpoints, as position and link), which a cut tail or a rewritten
    stretch no longer matches. `key`: the process's by default."""
    key = key or _key
    with store.transaction(commit=False) as cur:
        stored = {int(r["position"]): r["link"] for r in cur.all("SELECT position, link FROM {p}ledger_chain")}
        marker = _marker(cur)
    chained = sorted(stored)
    end = chained[-1] if chained else 0
    since = None
    if marker is not None:
        since = marker["since"]
        if key is None or marker["key_id"] != key.key_id:
            return ChainCheck(False, 0, end, stored.get(end, GENESIS), since, "key")
        if not hmac.compare_digest(marker["seal"], key.seal(_marker_text(since, marker["key_id"]))):
            return ChainCheck(False, 0, end, stored.get(end, GENESIS), since, "marker")
    known = sorted(set(outside))
    wanted = {position for position, _ in known}
    computed: dict[int, str] = {}
    previous, checked, start = GENESIS, 0, 0
    expected = iter(chained)
    while start < end:
        page = recorder.select_notifications(start=start, limit=page_size, stop=end, inclusive_of_start=False)
        if not page:
            break
        for n in page:
            want = next(expected, None)
            if want is None or n.id < want:
                return ChainCheck(False, checked, end, stored[end], n.id, "inserted", since)
            if n.id > want:
                return ChainCheck(False, checked, end, stored[end], want, "removed", since)
            previous = link(previous, n, key if since is not None and n.id >= since else None)
            checked += 1
            if previous != stored[want]:
                return ChainCheck(False, checked, end, stored[end], n.id, "changed", since)
            if n.id in wanted:
                computed[n.id] = previous
        start = page[-1].id
    missing = next(expected, None)
    if missing is not None:
        return ChainCheck(False, checked, end, stored[end], missing, "removed", since)
    for position, published in known:
        if position not in computed:  # beyond the chain's end: the tail was cut
            return ChainCheck(False, checked, end, stored.get(end, GENESIS), position, "removed", since)
        if computed[position] != published:
            return ChainCheck(False, checked, end, stored.get(end, GENESIS), position, "changed", since)
    return ChainCheck(True, checked, end, stored.get(end, GENESIS), keyed_from=since, outside_heads=len(known))


class Checkpoints:
    """Chain heads kept outside the store: a text file of `position link` lines, one file per
    store, appended after each successful verification and checked by the next."""

    def __init__(self, path: Path):
        self.path = path

    def read(self) -> list[tuple[int, str]]:
        if not self.path.exists():
            return []
        pairs = []
        for line in self.path.read_text(encoding="ascii").splitlines():
            if line.strip():
                position, value = line.split()
                pairs.append((int(position), value))
        return pairs

    def append(self, position: int, value: str) -> None:
        if position <= 0:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="ascii") as file:
            file.write(f"{position} {value}\n")
