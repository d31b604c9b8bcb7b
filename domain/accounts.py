"""Users and their API tokens. A token is stored only as its SHA-256; the token aggregate's
id is derived from that hash, so authenticating is one read of one small stream."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import stable_id

ROLES = ("inspector", "unit_admin", "office_admin", "auditor")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_id(token: str) -> UUID:
    return stable_id("token", token_digest(token))


class User(Aggregate):
    @staticmethod
    def create_id(username: str, **_: object) -> UUID:
        return stable_id("user", username)

    @event("Created")
    def __init__(self, username: str, role: str, unit: str | None, actor: str, recorded_at: datetime):
        self.username = username
        self.role = role
        self.unit = unit


class ApiToken(Aggregate):
    @staticmethod
    def create_id(digest: str, **_: object) -> UUID:
        return stable_id("token", digest)

    @event("Issued")
    def __init__(self, digest: str, user_id: str, username: str, role: str, unit: str | None,
                 actor: str, recorded_at: datetime):
        self.user_id = user_id
        self.username = username
        self.role = role
        self.unit = unit
