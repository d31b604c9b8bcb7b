"""Deterministic ids (uuid5), so that uniqueness and idempotency are enforced by the store:
saving a second aggregate with the same id fails on its first version."""

from uuid import UUID, uuid5

NAMESPACE = UUID("6f1b8c2e-3d4a-5b6c-8d7e-9f0a1b2c3d4e")


def stable_id(*parts: str) -> UUID:
    return uuid5(NAMESPACE, "\x1f".join(parts))
