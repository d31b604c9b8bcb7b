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
from service.application.messages import validation_message
from service.http.answers import FieldRefusal

log = logging.getLogger(__name__)

STORE_DOWN = "数据库暂时不可用,请稍后重试;已确认的记录不会丢失"
STATUS = {Invalid: 422, NotFound: 404, Conflict: 409, Forbidden: 403, Locked: 423, TooMany: 429, Unauthenticated: 401}

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
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooMany) else None
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {"field": _field(tuple(e["loc"])), "message": validation_message(e), "type": e["type"]}
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


def describe_refusals(app: FastAPI) -> None:
    """FastAPI documents a 422 in its own shape (`loc`, `msg`); this service answers every
    refusal as `{"detail": [{"field", "message"}]}` (the handlers above), so `/openapi.json`
    says that instead."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()  # cached by FastAPI after the first call; the change below is idempotent
        schemas = document.get("components", {}).get("schemas", {})
        if "ValidationError" in schemas:
            schemas["ValidationError"] = FieldRefusal.model_json_schema()
        return document

    app.openapi = openapi  # type: ignore[method-assign]
