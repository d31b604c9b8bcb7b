"""Evidence files kept by SHA-256 in the store's own database, so that every service process
sees the same files and a backup of the database is a backup of the evidence."""

from __future__ import annotations

from projections.store import ReadStore


class EvidenceFiles:
    def __init__(self, store: ReadStore):
        self.store = store

    def put(self, sha256: str, content_type: str, data: bytes) -> None:
        with self.store.transaction() as cur:
            cur.execute("INSERT INTO {p}evidence_files (sha256, content_type, size, data) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (sha256) DO NOTHING", [sha256, content_type, len(data), data])

    def get(self, sha256: str) -> tuple[str, bytes] | None:
        with self.store.transaction(commit=False) as cur:
            row = cur.one("SELECT content_type, data FROM {p}evidence_files WHERE sha256 = ?", [sha256])
        return (row["content_type"], bytes(row["data"])) if row else None
