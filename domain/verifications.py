"""A verification of the log's hash chain (校验记录), kept in the log itself: the auditor's
page shows the last one, whichever process or command ran it."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event

from domain.topics import stable_topics


@stable_topics("ChainVerification", "domain.verifications")
class ChainVerification(Aggregate):
    @event("Verified")
    def __init__(self, intact: bool, checked: int, head_position: int, head: str, description: str, actor: str,
                 recorded_at: datetime):
        self.intact = intact
        self.checked = checked
        self.head_position = head_position
        self.head = head
        self.description = description
        self.actor = actor
        self.recorded_at = recorded_at
