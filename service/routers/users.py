from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends

from domain.accounts import User
from service.deps import Key
from service.schemas import UserCreate
from service.security import Ledgers, Principal, allowed

router = APIRouter(tags=["users"])


@router.post("/api/users", status_code=201, summary="Create a user; the API token is shown once")
def create_user(body: UserCreate, c: Ledgers, who: Annotated[Principal, Depends(allowed("create_user"))],
                key: Key) -> dict:
    token = secrets.token_urlsafe(32)
    saved = c.ledger.create_user(who.username, body.username, body.role, body.unit, token, idempotency=key)
    user = c.ledger.get(User, saved.id, "id")
    # A retried request cannot show the token again: only its hash was kept.
    return {"id": saved.id, "username": user.username, "role": user.role, "unit": user.unit,
            "token": None if saved.replayed else token}
