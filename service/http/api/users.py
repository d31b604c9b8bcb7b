"""Users: created by the system administrator (business accounts) or the office (its inspectors
and unit administrators), passwords reset by the system administrator, roles and lockouts by
the security administrator: each within the 三员 table (domain/accounts.py: ASSIGNMENTS), which
the application enforces. The three administrator accounts come from `evalctl create-user`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from domain.accounts import User
from projections import accounts as accounts_model
from service.http.answers import UserPublic, UsersPublic
from service.http.deps import Key
from service.http.schemas import RoleChange, UserCreate
from service.http.security import Ledgers, Principal, allowed

router = APIRouter(tags=["users"])


def user_public(user: User) -> dict:
    return {"id": str(user.id), "username": user.username, "role": user.role, "unit": user.unit,
            "must_change_password": user.must_change_password}


@router.post("/api/users", status_code=201,
             summary="Create a user (as the 三员 rules allow); an initial password, when none is given, is shown once",
             response_model=UserPublic, response_model_exclude_unset=True)
def create_user(body: UserCreate, c: Ledgers, who: Annotated[Principal, Depends(allowed("create_user"))],
                key: Key) -> dict:
    saved, initial = c.accounts.create_user(who, body.username, body.role, body.unit, body.password, idempotency=key)
    answer = user_public(c.accounts.user(saved.id))
    if body.password is None:  # a retried request cannot show it again: only its hash was kept
        answer["initial_password"] = initial
    return answer


@router.get("/api/users", summary="Every account with its role (system and security administrators)",
            response_model=UsersPublic, response_model_exclude_unset=True)
def list_users(c: Ledgers, _: Annotated[Principal, Depends(allowed("list_users"))]) -> dict:
    return {"items": [{"id": u["user_id"], "username": u["username"], "role": u["role"], "unit": u["unit"],
                       "must_change_password": bool(u["must_change"])}
                      for u in accounts_model.users(c.ledger.projection.store)]}


@router.post("/api/users/{user_id}/password-reset", status_code=201,
             summary="Reset a user's password to a new initial one (shown once); the user's sessions and tokens end",
             response_model=UserPublic, response_model_exclude_unset=True)
def reset_password(user_id: str, c: Ledgers, who: Annotated[Principal, Depends(allowed("reset_password"))]) -> dict:
    password = c.accounts.reset_password(who, user_id)
    return {**user_public(c.accounts.user(user_id)), "initial_password": password}


@router.post("/api/users/{user_id}/role", status_code=201, summary="Change a user's role (as the 三员 rules allow)",
             response_model=UserPublic, response_model_exclude_unset=True)
def set_role(user_id: str, body: RoleChange, c: Ledgers, who: Annotated[Principal, Depends(allowed("set_role"))]) -> dict:
    c.accounts.set_role(who, user_id, body.role, body.unit)
    return user_public(c.accounts.user(user_id))


@router.post("/api/users/{user_id}/unlock", status_code=201, summary="Lift a lockout after failed logins",
             response_model=UserPublic, response_model_exclude_unset=True)
def unlock(user_id: str, c: Ledgers, _: Annotated[Principal, Depends(allowed("unlock"))]) -> dict:
    user = c.accounts.user(user_id)
    c.accounts.unlock(user.username)
    return user_public(user)
