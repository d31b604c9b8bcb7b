"""Tamper evidence: a hash chain over the event log.

Each link is SHA-256 over the previous link and the event's position, stream (originator id),
version, topic and stored state, so changing, removing or reordering any stored event breaks
every link from there on. The projection appends links in the same transaction as the events
(projections/writer.py), but the chain is not a read model: `rebuild` keeps it, so a rebuild
never blesses a tampered log. Its head is published on each period's public notice and final list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from eventsourcing.persistence import ApplicationRecorder, Notification

from projections import log
from projections.store import Cursor, ReadStore

GENESIS = "0" * 64


def link(previous: str, n: Notification) -> str:
    digest = hashlib.sha256()
    digest.update(previous.encode())
    digest.update(f"|{n.id}|{n.originator_id}|{n.originator_version}|{n.topic}|".encode())
    digest.update(hashlib.sha256(bytes(n.state)).digest())
    return digest.hexdigest()


def head(cur: Cursor) -> tuple[int, str]:
    row = cur.one("SELECT position, link FROM {p}ledger_chain ORDER BY position DESC LIMIT 1")
    return (int(row["position"]), row["link"]) if row else (0, GENESIS)


def extend(cur: Cursor, notifications: Iterable[Notification]) -> None:
    """Appends links for the notifications past the chain's head (a rebuild re-reads older ones)."""
    position, previous = head(cur)
    rows = []
    for n in notifications:
        if n.id <= position:
            continue
        previous = link(previous, n)
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


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int                 # events whose link was recomputed
    head_position: int
    head: str
    problem_position: int | None = None
    problem: str | None = None   # changed | removed | inserted

    def describe(self) -> str:
        if self.ok:
            return f"哈希链完整:已核对 {self.checked} 条事件,链头 #{self.head_position} {self.head}"
        words = {"changed": "被修改或被调换顺序", "removed": "被删除", "inserted": "被插入"}
        return f"哈希链在第 {self.problem_position} 条事件处断开:该处存储的事件{words[self.problem]}"


def verify(recorder: ApplicationRecorder, store: ReadStore, page_size: int = 1000) -> ChainCheck:
    """Walks the log and the chain side by side and names the first position where a stored
    event no longer matches its link."""
    with store.transaction(commit=False) as cur:
        stored = {int(r["position"]): r["link"] for r in cur.all("SELECT position, link FROM {p}ledger_chain")}
    chained = sorted(stored)
    end = chained[-1] if chained else 0
    previous, checked, start = GENESIS, 0, 0
    expected = iter(chained)
    while start < end:
        page = recorder.select_notifications(start=start, limit=page_size, stop=end, inclusive_of_start=False)
        if not page:
            break
        for n in page:
            want = next(expected, None)
            if want is None or n.id < want:
                return ChainCheck(False, checked, end, stored[end], n.id, "inserted")
            if n.id > want:
                return ChainCheck(False, checked, end, stored[end], want, "removed")
            previous = link(previous, n)
            checked += 1
            if previous != stored[want]:
                return ChainCheck(False, checked, end, stored[end], n.id, "changed")
        start = page[-1].id
    missing = next(expected, None)
    if missing is not None:
        return ChainCheck(False, checked, end, stored[end], missing, "removed")
    return ChainCheck(True, checked, end, stored.get(end, GENESIS))
