"""Turns refusals into 4xx answers that name the field and say why (in Chinese, for the
people who read them), and a store outage into a clear 503 rather than a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import IntegrityError, PersistenceError
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from domain.errors import Conflict, Forbidden, Invalid, InvalidAll, NotFound, Refused
from service.application.accounts import Locked, TooMany, Unauthenticated
from service.application.ledger import NotApplied

log = logging.getLogger(__name__)

STORE_DOWN = "数据库暂时不可用,请稍后重试;已确认的记录不会丢失"
STATUS = {Invalid: 422, NotFound: 404, Conflict: 409, Forbidden: 403, Locked: 423, TooMany: 429, Unauthenticated: 401}

MESSAGES = {
    "missing": "必填项,不能缺少",
    "timezone_aware": "时间必须带时区偏移,例如 2022-03-01T09:00:00+08:00",
    "datetime_parsing": "不是有效的时间,应为 ISO 8601 格式并带时区偏移",
    "datetime_from_date_parsing": "不是有效的时间,应为 ISO 8601 格式并带时区偏移",
    "datetime_type": "不是有效的时间,应为 ISO 8601 格式并带时区偏移",
    "date_parsing": "不是有效的日期,应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "不是有效的日期,应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期 YYYY-MM-DD,不带时间",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "int_from_float": "必须是整数",
    "decimal_parsing": "必须是数字",
    "decimal_type": "必须是数字",
    "bool_parsing": "必须是 true 或 false",
    "bool_type": "必须是 true 或 false",
    "string_type": "必须是文字",
    "list_type": "必须是列表",
    "extra_forbidden": "不认识的字段",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体必须是 JSON 对象",
    "dict_type": "请求体必须是 JSON 对象",
}


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "literal_error":
        return f"取值必须是 {ctx.get('expected', '')} 之一"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"太长,最多 {ctx.get('max_length')} 个字符"
    if kind == "too_long":
        return f"太多,最多 {ctx.get('max_length')} 项"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "输入有误")))
    if kind == "string_pattern_mismatch":
        return "格式不对,只能包含字母、数字和 _ . @ -"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"必须 {sign} {bound}"
    return MESSAGES.get(kind, error.get("msg", "输入有误"))


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def status_of(exc: Refused) -> int:
    return next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(_: Request, exc: Refused) -> JSONResponse:
        status = status_of(exc)
        problems = exc.problems if isinstance(exc, InvalidAll) else [(exc.field, exc.message)]
        body: dict = {"detail": [{"field": field, "message": message} for field, message in problems]}
        if isinstance(exc, Locked):
            body["locked_until"] = exc.until.isoformat()
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {"field": _field(tuple(e["loc"])), "message": _message(e), "type": e["type"]}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_refusal(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 413:  # the body cap (app.py: max_body_size), whether sent whole or chunked
            limit = request.app.state.container.settings.max_body_bytes
            return JSONResponse({"detail": [{"field": "body", "message": f"请求体过大,上限 {limit // 1024 // 1024} MB"}]},
                                status_code=413)
        return await http_exception_handler(request, exc)

    @app.exception_handler(IntegrityError)
    async def clash(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": [{"field": "request", "message": "数据已被同时修改,请重试"}]}, status_code=409)

    @app.exception_handler(NotApplied)
    async def not_applied(_: Request, exc: NotApplied) -> JSONResponse:
        log.error("a command's events could not be applied, nothing was stored: %s", exc)
        return JSONResponse({"detail": [{"field": "request", "message": str(exc)}]}, status_code=500)

    @app.exception_handler(PersistenceError)
    async def store_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("store unavailable: %s", exc)
        request.state.store_failed = True  # the breaker (service/breaker.py) opens
        return store_unavailable()


def store_unavailable() -> JSONResponse:
    return JSONResponse({"detail": STORE_DOWN}, status_code=503, headers={"Retry-After": "5"})
