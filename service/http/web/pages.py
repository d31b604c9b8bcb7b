"""Wires the pages into the application: their routers, and how a page answers when the
visitor is not logged in (a redirect to the login page), must change the password first,
may not do something, or sent something refused (a Chinese page, not JSON)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from domain.errors import Refused
from service.http.errors import status_of
from service.http.web import (
    pages_audit,
    pages_auth,
    pages_desk,
    pages_office,
    pages_patrol,
    pages_queues,
    pages_round,
    pages_rulebooks,
    public_notice,
)
from service.http.web.render import message, wants_json
from service.http.web.session import LoginRequired, PageForbidden, PasswordChangeRequired

ROUTERS = (pages_auth, pages_patrol, pages_office, pages_desk, pages_round, pages_queues, pages_audit, pages_rulebooks,
           public_notice)


def is_page(request: Request) -> bool:
    return request.url.path.startswith("/ui/")


def install_pages(app: FastAPI) -> None:
    for module in ROUTERS:
        app.include_router(module.router)
    api_refused = app.exception_handlers[Refused]
    api_invalid = app.exception_handlers[RequestValidationError]

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": [{"field": "session", "message": "登录已过期,请重新登录"}]}, status_code=401)
        return RedirectResponse(f"/ui/login?next={quote(exc.next_path, safe='/')}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_first(request: Request, _: PasswordChangeRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": [{"field": "password", "message": "请先修改初始密码"}]}, status_code=403)
        return RedirectResponse("/ui/password", status_code=303)

    @app.exception_handler(PageForbidden)
    async def forbidden(request: Request, exc: PageForbidden) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": [{"field": "session", "message": exc.message}]}, status_code=403)
        return message(request, "无法完成", exc.message, 403, "/ui/")

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        if not is_page(request) or wants_json(request):
            return await api_refused(request, exc)
        return message(request, "无法完成", exc.message, status_of(exc), "/ui/")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if not is_page(request) or wants_json(request):
            return await api_invalid(request, exc)
        fields = "、".join(sorted({str(e["loc"][-1]) for e in exc.errors()}))
        return message(request, "填写有误", f"以下内容缺少或格式不对:{fields}。请返回修改后重试。", 422, "/ui/")
