"""What each evidence file is attached to: the records and nominations that name it, with their
subject, so that a file is shown only to who may read one of them (service/application/evidence.py).
A derived table (projections/schema.py), applied by the writer in the transaction that appends
the events (`apply`), rebuilt with the rest."""

from __future__ import annotations

from typing import Any

from domain.nominations import Nomination
from domain.records import Record
from projections.store import Cursor, ReadStore

# name → (columns, indexes), as projections/schema.py's DERIVED.
TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "rm_attachments": ("evidence_id TEXT NOT NULL, item_id TEXT NOT NULL, subject_id TEXT NOT NULL,"
                       " PRIMARY KEY (evidence_id, item_id)", [("item", "item_id")]),
}
INSERT = ("INSERT INTO {p}rm_attachments (evidence_id, item_id, subject_id) VALUES (?, ?, ?)"
          " ON CONFLICT (evidence_id, item_id) DO NOTHING")


def apply(cur: Cursor, position: int, event: Any) -> None:
    if isinstance(event, Record.Created) and event.evidence:
        record = str(event.originator_id)
        cur.executemany(INSERT, [(e, record, event.subject_id) for e in event.evidence])
    elif isinstance(event, Nomination.Submitted):
        nomination = str(event.originator_id)
        cur.executemany(INSERT, [(e, nomination, event.subject_id) for e in event.photos])
    elif isinstance(event, Nomination.Revised):
        nomination = str(event.originator_id)
        row = cur.one("SELECT subject_id FROM {p}rm_attachments WHERE item_id = ? LIMIT 1", [nomination])
        if row is not None:  # a nomination is submitted with 1-3 photos
            cur.executemany(INSERT, [(e, nomination, row["subject_id"]) for e in event.photos])


def units_using(store: ReadStore, evidence_id: str) -> set[str]:
    """The units of the subjects whose records or nominations name this file."""
    with store.transaction(commit=False) as cur:
        rows = cur.all("SELECT DISTINCT s.unit FROM {p}rm_attachments a JOIN {p}rm_subjects s"
                       " ON s.subject_id = a.subject_id WHERE a.evidence_id = ?", [evidence_id])
    return {r["unit"] for r in rows}
