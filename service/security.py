"""Bearer tokens and roles. Who may do what is one table (`PERMISSIONS`), read top-down:
inspectors record; only the office retracts, rules on complaints, creates users and
subjects; auditors and unit administrators only read (unit scoping comes with accounts)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.bootstrap import Container
from service.principal import Principal

READ = ("inspector", "unit_admin", "office_admin", "auditor")
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "read": READ,
    "create_user": ("office_admin",),
    "manage_subjects": ("office_admin",),
    "record": ("inspector", "office_admin"),
    "retract": ("office_admin",),
    "attendance": ("office_admin",),
    "file_complaint": ("inspector", "office_admin"),
    "judge_complaint": ("office_admin",),
    "report_figures": ("office_admin",),
    "nominate": ("unit_admin", "office_admin"),
    "upload_evidence": ("inspector", "unit_admin", "office_admin"),
    "run_round": ("office_admin",),
    "rule_objection": ("office_admin",),
    "edit_calendar": ("office_admin",),
    "file_dispute": ("unit_admin", "office_admin"),
    "rule_dispute": ("office_admin",),
    "import_files": ("office_admin",),
}

bearer = HTTPBearer(auto_error=False, description="API token: Authorization: Bearer <token>")


def container(request: Request) -> Container:
    return request.app.state.container


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise HTTPException(401, "需要登录:请求头缺少 Authorization: Bearer <token>",
                            headers={"WWW-Authenticate": "Bearer"})
    token = credentials.credentials
    c = container(request)
    admin_token = c.settings.admin_token
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Principal("bootstrap-admin", "admin", "office_admin", None)
    holder = c.ledger.token_holder(token)
    if holder is None:
        raise HTTPException(401, "令牌无效或已失效", headers={"WWW-Authenticate": "Bearer"})
    return Principal(holder.user_id, holder.username, holder.role, holder.unit)


def allowed(action: str):
    roles = PERMISSIONS[action]

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role not in roles:
            raise HTTPException(403, f"角色 {who.role} 无权执行此操作")
        return who

    return check


Reader = Annotated[Principal, Depends(allowed("read"))]
Ledgers = Annotated[Container, Depends(container)]
