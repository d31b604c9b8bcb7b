"""Who may do what: bearer tokens (sessions, API tokens, the bootstrap token) and one table of
permissions, read top-down. Business roles act on the evaluation; the three separated
administrators (三员) manage users and subjects (system), roles, lockouts and tokens
(security), and read the trail (audit). Whoever reads the trail cannot act, and nobody can
erase it: the log has no delete. A unit administrator sees only its own unit's subjects."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from domain.errors import Forbidden
from domain.vocabulary import BUSINESS_ROLES, ROLES
from service.application.accounts import Unauthenticated
from service.application.principal import Principal
from service.application.services import Container
from service.http.hardening import identify

BUSINESS = tuple(BUSINESS_ROLES)
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "read": (*BUSINESS, "system_admin"),
    "create_user": ("office_admin", "system_admin"),  # which roles each may give: domain/accounts.py ASSIGNMENTS
    "list_users": ("system_admin", "security_admin"),
    "reset_password": ("system_admin",),
    "manage_subjects": ("office_admin", "system_admin"),
    "set_role": ("security_admin",),
    "unlock": ("security_admin",),
    "read_trail": ("audit_admin", "auditor"),
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
    "manage_rulebooks": ("office_admin",),
    # The accounts page: whoever manages users, roles and lockouts (三员: not the audit administrator).
    "manage_accounts": ("office_admin", "system_admin", "security_admin"),
}
# What a session may still do while its initial or reset password awaits its change.
BEFORE_PASSWORD_CHANGE = ("/api/auth/password", "/api/auth/logout")

bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <session or API token>")


def container(request: Request) -> Container:
    return request.app.state.container


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise HTTPException(401, "需要登录:请求头缺少 Authorization: Bearer <token>",
                            headers={"WWW-Authenticate": "Bearer"})
    try:
        who, must_change = container(request).accounts.authenticate(credentials.credentials)
    except Unauthenticated as refused:
        raise HTTPException(401, refused.message, headers={"WWW-Authenticate": "Bearer"}) from None
    identify(request, who)  # for the operation log (hardening.py)
    if must_change and request.url.path not in BEFORE_PASSWORD_CHANGE:
        raise HTTPException(403, "请先修改初始密码(POST /api/auth/password)")
    return who


def allowed(action: str):
    roles = PERMISSIONS[action]

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role not in roles:
            raise HTTPException(403, f"您的角色({ROLES.get(who.role, who.role)})无权执行此操作")
        return who

    return check


def in_scope(who: Principal, unit: str) -> bool:
    """A unit administrator sees and acts only on its own unit's subjects."""
    return who.role != "unit_admin" or who.unit == unit


def require_scope(who: Principal, unit: str, field: str = "subject_id") -> None:
    if not in_scope(who, unit):
        raise Forbidden(field, f"只能查看本单位({who.unit})的对象")


def sees_personal_details(who: Principal, unit: str) -> bool:
    """Birth month and phone in nominations: the office and the subject's own unit only."""
    return who.role == "office_admin" or (who.role == "unit_admin" and who.unit == unit)


Reader = Annotated[Principal, Depends(allowed("read"))]
Ledgers = Annotated[Container, Depends(container)]
