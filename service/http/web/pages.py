"""Wires the pages into the application: their routers, and how a page answers when the
visitor is not logged in (a redirect to the login page), must change the password first,
may not do something, or sent something refused (a Chinese page, not JSON)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from domain.errors import Refused
from domain.vocabulary import field_name
from service.application.messages import validation_message
from service.http.errors import status_of
from service.http.web import (
    pages_accounts,
    pages_audit,
    pages_auth,
    pages_cases,
    pages_desk,
    pages_files,
    pages_nominations,
    pages_office,
    pages_patrol,
    pages_queues,
    pages_roster,
    pages_round,
    pages_rulebooks,
    public_notice,
)
from service.http.web.render import message, wants_json
from service.http.web.session import LoginRequired, PageForbidden, PasswordChangeRequired

# Starlette's own English answers, and what the pages and the API say instead.
ENGLISH_DETAILS = {"Not Found", "Method Not Allowed", "Unauthorized", "Forbidden", "Bad Request"}
PLAIN_WORDS = {404: "找不到这个页面或对象,请检查地址,或从首页重新进入。",
               405: "这个地址不接受这种请求方式(例如在地址栏直接打开了只能由表单提交的地址)。",
               401: "需要登录。", 403: "无权访问。", 400: "请求格式不对。"}
PAGE_TITLES = {404: "找不到页面", 405: "请求方式不对"}
ROUTERS = (pages_auth, pages_accounts, pages_patrol, pages_cases, pages_office, pages_desk, pages_files, pages_nominations,
           pages_roster, pages_round, pages_queues, pages_audit, pages_rulebooks, public_notice)


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
        problems = "；".join(f"{field_name(str(e['loc'][-1]))}:{validation_message(e)}" for e in exc.errors())
        return message(request, "填写有误", f"以下内容缺少或格式不对——{problems}。请返回修改后重试。", 422, "/ui/")

    api_http = app.exception_handlers[HTTPException]

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        """Starlette's own English answers (404, 405, …): a Chinese page for a browser, Chinese
        JSON for the API; every other refusal as the API's handler gives it (the body cap's 413)."""
        if not (isinstance(exc.detail, str) and exc.detail in ENGLISH_DETAILS):
            return await api_http(request, exc)
        text = PLAIN_WORDS.get(exc.status_code, exc.detail)
        if request.url.path.startswith("/api/") or wants_json(request):
            return JSONResponse({"detail": text}, status_code=exc.status_code, headers=exc.headers)
        return message(request, PAGE_TITLES.get(exc.status_code, "无法完成"), text, exc.status_code, "/ui/")
