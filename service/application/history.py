"""A record's history for auditors: every event of the record's own stream (recorded,
disputed, ruled, retracted), each with who, when it was received, its log position, the
occurrence time the client gave, and the evidence files by SHA-256."""

from __future__ import annotations

from uuid import UUID

from domain.evidence import Evidence
from domain.records import Record
from service.application.ledger import Ledger

WHAT = {"Created": "recorded", "Corrected": "corrected", "Retracted": "retracted", "Disputed": "disputed",
        "DisputeRuled": "ruled"}


def evidence_hashes(ledger: Ledger, evidence_ids: list[str]) -> list[dict]:
    hashes = []
    for evidence_id in evidence_ids:
        found = ledger.find(Evidence, UUID(evidence_id))
        hashes.append({"id": evidence_id, "sha256": found.sha256 if found else None})
    return hashes


def record_history(ledger: Ledger, record_id: str) -> dict:
    record = ledger.get(Record, record_id, "record_id")
    evidence = evidence_hashes(ledger, record.evidence)
    events = []
    for event in ledger.events.get(record.id):
        kind = type(event).__name__
        entry = {
            "event": WHAT.get(kind, kind),
            "version": event.originator_version,
            "position": ledger.projection.position_of(record_id, event.originator_version),
            "actor": event.actor,
            "received_at": event.recorded_at.isoformat(),
            "occurred_at": record.occurred_at.isoformat(),
        }
        if kind == "Created":
            entry.update({"rule_id": event.rule_id, "quantity": event.quantity, "note": event.note,
                          "source": event.source, "evidence": evidence, "counts_in": event.counts_in})
        elif kind == "Corrected":
            entry.update({"rule_id": event.rule_id, "attendance": event.attendance, "note": event.note})
        elif kind == "Retracted":
            entry["reason"] = event.reason
        elif kind == "Disputed":
            entry.update({"dispute_id": event.dispute_id, "grounds": event.grounds})
        elif kind == "DisputeRuled":
            entry.update({"dispute_id": event.dispute_id, "upheld": event.upheld, "note": event.note})
        events.append(entry)
    return {"record_id": record_id, "subject_id": record.subject_id, "effective": record.effective, "events": events}
