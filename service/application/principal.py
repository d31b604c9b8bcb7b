"""Who is making a request: the account behind the bearer token."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    user_id: str
    username: str
    role: str
    unit: str | None
