"""The pages' session cookie and CSRF protection.

The cookie holds the same session token as `POST /api/auth/login` returns (HttpOnly, so page
scripts never see it; SameSite=Strict, so another site's form cannot send it). Every form
carries a CSRF token derived from that session token by HMAC: unguessable without the cookie,
nothing to store, and it changes with every login."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request

from domain.vocabulary import ROLES
from service.application.accounts import Unauthenticated
from service.application.principal import Principal
from service.http.hardening import identify
from service.http.security import PERMISSIONS, container

COOKIE = "ledger_session"
CSRF_FIELD = "csrf"
# What a session may still open while its initial or reset password awaits its change.
BEFORE_PASSWORD_CHANGE = ("/ui/password", "/ui/logout")


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the login page."""

    def __init__(self, next_path: str):
        self.next_path = next_path


class PasswordChangeRequired(Exception):
    """The initial password must be changed first: redirect to the password page."""


class PageForbidden(Exception):
    """The role may not open this page or do this."""

    def __init__(self, message: str):
        self.message = message


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"evaluation-ledger csrf", hashlib.sha256).hexdigest()


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def page_user(request: Request) -> Principal:
    token = session_token(request)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if token is None:
        raise LoginRequired(target)
    try:
        who, must_change = container(request).accounts.authenticate(token)
    except Unauthenticated:
        raise LoginRequired(target) from None
    identify(request, who)  # for the operation log (hardening.py)
    request.state.csrf = csrf_token(token)
    request.state.must_change = must_change
    if must_change and request.url.path not in BEFORE_PASSWORD_CHANGE:
        raise PasswordChangeRequired()
    return who


async def check_csrf(request: Request) -> None:
    """Every state-changing page request: the form's token must match the session."""
    token = session_token(request)
    given = (await request.form()).get(CSRF_FIELD) or ""
    if token is None or not isinstance(given, str) or not hmac.compare_digest(given, csrf_token(token)):
        raise PageForbidden("表单已过期或来源不明(CSRF 校验失败),请刷新页面后重试。")


def may(who: Principal, action: str) -> bool:
    return who.role in PERMISSIONS[action]


def page_allowed(action: str):
    """A page dependency: a logged-in user whose role may do `action` (the API's own table)."""

    def check(who: Annotated[Principal, Depends(page_user)]) -> Principal:
        if not may(who, action):
            raise PageForbidden(f"您的角色({ROLES.get(who.role, who.role)})无权使用此页面。")
        return who

    return check


def Allowed(action: str):  # noqa: N802 - used as a type: `who: Allowed("record")`
    return Annotated[Principal, Depends(page_allowed(action))]


Viewer = Allowed("read")
Signed = Annotated[Principal, Depends(page_user)]
Csrf = Depends(check_csrf)
