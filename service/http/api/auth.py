"""Login, password change, logout, and the caller's own API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from service.application.principal import Principal
from service.http.answers import SessionPublic, TokenIssued, TokenRevoked, TokensPublic
from service.http.hardening import client_address
from service.http.schemas import LoginBody, PasswordChange, TokenCreate
from service.http.security import Ledgers, bearer, principal

router = APIRouter(tags=["accounts"])
Me = Annotated[Principal, Depends(principal)]


@router.post("/api/auth/login", summary="Log in: a session token for 12 hours at most, 30 minutes idle",
             response_model=SessionPublic, response_model_exclude_unset=True)
def login(body: LoginBody, request: Request, c: Ledgers) -> dict:
    session = c.accounts.login(body.username, body.password, client_address(request))
    return {"token": session.token, "expires_at": session.expires_at.isoformat(),
            "must_change_password": session.must_change_password}


@router.post("/api/auth/password", status_code=204, response_class=Response,
             summary="Change one's password (the policy's message says what is missing); ends one's API tokens and "
                     "other sessions")
def change_password(body: PasswordChange, c: Ledgers, who: Me,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Response:
    c.accounts.change_password(who, body.old, body.new, keep_session=credentials.credentials if credentials else None)
    return Response(status_code=204)


@router.post("/api/auth/logout", status_code=204, response_class=Response, summary="End this session")
def logout(c: Ledgers, _: Me,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Response:
    if credentials is not None:
        c.accounts.logout(credentials.credentials)
    return Response(status_code=204)


@router.post("/api/tokens", status_code=201, summary="An API token for scripts: shown once, expires, revocable",
             response_model=TokenIssued, response_model_exclude_unset=True)
def issue_token(body: TokenCreate, c: Ledgers, who: Me) -> dict:
    token_id, token, expires_at = c.accounts.issue_token(who, body.title, body.days)
    return {"id": token_id, "token": token, "name": body.title, "label": body.title, "expires_at": expires_at.isoformat()}


@router.get("/api/tokens", summary="One's own API tokens, newest first, and whether each still works",
            response_model=TokensPublic, response_model_exclude_unset=True)
def list_tokens(c: Ledgers, who: Me) -> dict:
    return {"items": c.accounts.tokens(who)}


@router.post("/api/tokens/{token_id}/revocation", status_code=201, summary="Revoke an API token (one's own)",
             response_model=TokenRevoked, response_model_exclude_unset=True)
def revoke_token(token_id: str, c: Ledgers, who: Me) -> dict:
    c.accounts.revoke_token(who, token_id)
    return {"id": token_id, "revoked": True}
