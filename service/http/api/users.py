"""Users (system administrator or office), roles and lockouts (security administrator)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from domain.accounts import User
from service.http.deps import Key
from service.http.schemas import RoleChange, UserCreate
from service.http.security import Ledgers, Principal, allowed

router = APIRouter(tags=["users"])


def user_public(user: User) -> dict:
    return {"id": str(user.id), "username": user.username, "role": user.role, "unit": user.unit,
            "must_change_password": user.must_change_password}


@router.post("/api/users", status_code=201,
             summary="Create a user; its API token (and initial password, when none is given) is shown once")
def create_user(body: UserCreate, c: Ledgers, who: Annotated[Principal, Depends(allowed("create_user"))],
                key: Key) -> dict:
    saved, token, initial = c.accounts.create_user(who.username, body.username, body.role, body.unit, body.password,
                                                   idempotency=key)
    answer = user_public(c.accounts.user(saved.id))
    # A retried request cannot show secrets again: only their hashes were kept.
    answer["token"] = None if saved.replayed else token
    if initial is not None:
        answer["initial_password"] = None if saved.replayed else initial
    return answer


@router.post("/api/users/{user_id}/password-reset", status_code=201,
             summary="Reset a user's password to a new initial one (shown once), to be changed at next login")
def reset_password(user_id: str, c: Ledgers, who: Annotated[Principal, Depends(allowed("reset_password"))]) -> dict:
    password = c.accounts.reset_password(who.username, user_id)
    return {**user_public(c.accounts.user(user_id)), "initial_password": password}


@router.post("/api/users/{user_id}/role", status_code=201, summary="Change a user's role (not one's own)")
def set_role(user_id: str, body: RoleChange, c: Ledgers, who: Annotated[Principal, Depends(allowed("set_role"))]) -> dict:
    c.accounts.set_role(who.username, user_id, body.role, body.unit)
    return user_public(c.accounts.user(user_id))


@router.post("/api/users/{user_id}/unlock", status_code=201, summary="Lift a lockout after failed logins")
def unlock(user_id: str, c: Ledgers, _: Annotated[Principal, Depends(allowed("unlock"))]) -> dict:
    user = c.accounts.user(user_id)
    c.accounts.unlock(user.username)
    return user_public(user)
