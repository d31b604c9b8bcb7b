"""Accounts (账号) as the 三员 rules divide them: the system administrator (and the office, for
its own staff) creates accounts and resets passwords; the security administrator changes roles
and lifts lockouts; the audit administrator reads the trail on the audit page. An initial
password is shown once, on the page that made it."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from domain.accounts import CREATE, RESET, ROLE, may_assign, username_key
from domain.errors import Forbidden, Refused
from domain.vocabulary import ROLES, field_name
from projections import accounts as accounts_model
from projections.book import utc_text
from projections.lists import lockouts
from service.application.ledger import Idempotency
from service.http.errors import status_of
from service.http.security import Ledgers, container
from service.http.web.render import page
from service.http.web.session import Allowed, Csrf, may

router = APIRouter(include_in_schema=False)
Manager = Allowed("manage_accounts")


def _accounts_page(request: Request, c, who, status: int = 200, **context) -> HTMLResponse:
    store = c.ledger.projection.store
    locked = lockouts(store, utc_text(c.clock.now()))
    rows, tokens = [], []
    if may(who, "list_users"):
        for u in accounts_model.users(store):
            rows.append({"id": u["user_id"], "username": u["username"], "role": u["role"], "unit": u["unit"],
                         "must_change": bool(u["must_change"]), "locked_until": locked.get(username_key(u["username"])),
                         "may_reset": u["username"] != who.username and may_assign(who.role, RESET, u["role"]),
                         "may_set_role": u["username"] != who.username and may_assign(who.role, ROLE, u["role"])})
            if may(who, "unlock"):  # the security administrator sees every API token, and may revoke one
                now = utc_text(c.clock.now())
                tokens += [{**t, "username": u["username"], "valid": not t["revoked_at"] and t["expires_at"] > now}
                           for t in accounts_model.tokens_of(store, u["user_id"])]
    return page(request, "web/accounts.html", "账号", status=status, users=rows, key=secrets.token_urlsafe(18),
                tokens=tokens, may_create=may(who, "create_user"), may_list=may(who, "list_users"),
                may_unlock=may(who, "unlock"), roles=ROLES, units=c.ledger.projection.units(),
                creatable={k: v for k, v in ROLES.items() if may_assign(who.role, CREATE, k)},
                assignable={k: v for k, v in ROLES.items() if may_assign(who.role, ROLE, k)},
                **{"error": None, "done": None, "secret": None, "values": {}, **context})


@router.get("/ui/accounts", response_class=HTMLResponse)
def accounts(request: Request, c: Ledgers, who: Manager) -> HTMLResponse:
    return _accounts_page(request, c, who)


@router.post("/ui/accounts/users", response_class=HTMLResponse, dependencies=[Csrf])
def create(request: Request, who: Manager, idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
           username: Annotated[str, Form(max_length=64)] = "", role: Annotated[str, Form(max_length=20)] = "",
           unit: Annotated[str, Form(max_length=200)] = "") -> Response:
    c = container(request)
    values = {"username": username, "role": role, "unit": unit}
    try:
        if not may(who, "create_user"):
            raise Forbidden("role", f"您的角色({ROLES.get(who.role, who.role)})不能新建账号")
        saved, password = c.accounts.create_user(who, username.strip(), role, unit.strip() or None, None,
                                                 idempotency=Idempotency(who.username, idempotency_key,
                                                                         repr(sorted(values.items()))))
    except Refused as refused:
        return _accounts_page(request, c, who, status=status_of(refused), values=values,
                              error=f"{field_name(refused.field)}:{refused.message}")
    return _accounts_page(request, c, who, status=201, done=f"已新建账号 {username}({ROLES.get(role, role)})。",
                          secret=password)


@router.post("/ui/accounts/users/{user_id}/password-reset", response_class=HTMLResponse, dependencies=[Csrf])
def reset(request: Request, user_id: str, who: Allowed("reset_password")) -> Response:
    c = container(request)
    try:
        password = c.accounts.reset_password(who, user_id)
    except Refused as refused:
        return _accounts_page(request, c, who, status=status_of(refused), error=refused.message)
    name = c.accounts.user(user_id).username
    return _accounts_page(request, c, who, done=f"已重置 {name} 的密码,其会话已全部结束。", secret=password)


@router.post("/ui/accounts/users/{user_id}/role", response_class=HTMLResponse, dependencies=[Csrf])
def set_role(request: Request, user_id: str, who: Allowed("set_role"), role: Annotated[str, Form(max_length=20)] = "",
             unit: Annotated[str, Form(max_length=200)] = "") -> Response:
    c = container(request)
    try:
        c.accounts.set_role(who, user_id, role, unit.strip() or None)
    except Refused as refused:
        return _accounts_page(request, c, who, status=status_of(refused), error=refused.message)
    name = c.accounts.user(user_id).username
    return _accounts_page(request, c, who, done=f"{name} 的角色已改为{ROLES.get(role, role)}。")


@router.post("/ui/accounts/users/{user_id}/unlock", response_class=HTMLResponse, dependencies=[Csrf])
def unlock(request: Request, user_id: str, who: Allowed("unlock")) -> Response:
    c = container(request)
    user = c.accounts.user(user_id)
    c.accounts.unlock(user.username)
    return _accounts_page(request, c, who, done=f"已解除 {user.username} 的锁定。")


@router.post("/ui/accounts/tokens/{token_id}/revocation", response_class=HTMLResponse, dependencies=[Csrf])
def revoke(request: Request, token_id: str, who: Allowed("unlock")) -> Response:
    c = container(request)
    try:
        c.accounts.revoke_token(who, token_id)
    except Refused as refused:
        return _accounts_page(request, c, who, status=status_of(refused), error=refused.message)
    return _accounts_page(request, c, who, done="令牌已吊销,使用它的脚本将无法再访问。")
