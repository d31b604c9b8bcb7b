"""Idempotency keys. The key is saved in the same transaction as the write it guards, with a
fingerprint of the request, so a retry finds it and a concurrent duplicate fails to save."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import stable_id
from domain.topics import stable_topics


@stable_topics("IdempotencyKey", "domain.idempotency")
class IdempotencyKey(Aggregate):
    @staticmethod
    def create_id(actor: str, key: str, **_: object) -> UUID:
        return stable_id("idempotency", actor, key)

    @event("Used")
    def __init__(self, actor: str, key: str, fingerprint: str, resource: str, resource_id: str,
                 recorded_at: datetime):
        self.fingerprint = fingerprint
        self.resource = resource
        self.resource_id = resource_id
