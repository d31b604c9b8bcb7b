"""Login, logout, the forced password change, and the home page of each role."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.errors import Refused
from service.http.errors import status_of
from service.http.hardening import client_address
from service.http.security import container
from service.http.web.render import page, tiles
from service.http.web.session import COOKIE, Csrf, Signed, session_token

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "ledger_login_csrf"


def _safe_next(target: str) -> str:
    """Only a path of this service: never a redirect to another site after login."""
    return target if target.startswith("/ui/") and not target.startswith("//") else "/ui/"


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=303)


def _login_page(request: Request, status: int = 200, **context) -> HTMLResponse:
    """The login form carries its own CSRF token (there is no session yet): the same random value
    in a SameSite=Strict cookie and in the form, so another site cannot log a visitor in."""
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    first_run = not container(request).accounts.any_account()
    response = page(request, "web/login.html", "登录", status=status, login_csrf=token, first_run=first_run, **context)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/ui/login",
                        secure=request.url.scheme == "https")
    return response


@router.get("/ui/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/ui/", out: bool = False) -> HTMLResponse:
    return _login_page(request, next=_safe_next(next), username="", flash="您已安全退出。" if out else None)


@router.post("/ui/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=200)], next: Annotated[str, Form(max_length=500)] = "/ui/",
          csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    c = container(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf, expected):
        return _login_page(request, status=403, error="登录页面已过期或来源不明,请重新输入。", next=_safe_next(next),
                           username=username)
    try:
        session = c.accounts.login(username.strip(), password, client_address(request))
    except Refused as refused:
        return _login_page(request, status=status_of(refused), error=refused.message, next=_safe_next(next), username=username)
    target = "/ui/password" if session.must_change_password else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/ui/login")
    response.set_cookie(COOKIE, session.token, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https",
                        max_age=int((session.expires_at - c.clock.now()).total_seconds()))
    return response


@router.post("/ui/logout", dependencies=[Csrf])
def logout(request: Request, _: Signed) -> RedirectResponse:
    token = session_token(request)
    if token:
        container(request).accounts.logout(token)
    response = RedirectResponse("/ui/login?out=1", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/ui/password", response_class=HTMLResponse)
def password_form(request: Request, _: Signed) -> HTMLResponse:
    return page(request, "web/password.html", "修改密码", forced=request.state.must_change)


@router.post("/ui/password", response_class=HTMLResponse, dependencies=[Csrf])
def change_password(request: Request, who: Signed, old: Annotated[str, Form(max_length=200)],
                    new: Annotated[str, Form(max_length=200)], again: Annotated[str, Form(max_length=200)]) -> Response:
    if new != again:
        return page(request, "web/password.html", "修改密码", status=422, error="两次输入的新密码不一致。")
    try:
        container(request).accounts.change_password(who, old, new, keep_session=session_token(request))
    except Refused as refused:
        return page(request, "web/password.html", "修改密码", status=422, error=refused.message)
    return RedirectResponse("/ui/?changed=1", status_code=303)


@router.get("/ui/", response_class=HTMLResponse)
def home(request: Request, who: Signed, changed: bool = False) -> HTMLResponse:
    return page(request, "web/home.html", "首页", tiles=tiles(who), flash="密码已修改。" if changed else None)

