"""HTTP hardening and the operation log (等保 2.0): security headers on every answer (a
Content-Security-Policy without inline script, no framing, no referrer, no type sniffing), a
cap on request bodies, CORS closed unless origins are configured, and every write request,
allowed or refused, appended to the log as an Operation event (who, from where, what, status).
While the store is down a breaker (service/breaker.py) answers 503 at once, and the operation
log of those requests goes to the process log."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from domain.accounts import Operation
from domain.text import first_problem, loggable
from service.application.oplog import PendingOperation, current_operation
from service.application.principal import Principal
from service.application.services import Container
from service.http.breaker import StoreBreaker
from service.http.errors import store_unavailable

log = logging.getLogger(__name__)
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
                               "base-uri 'self'; form-action 'self'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "geolocation=(), microphone=()",
    "Cache-Control": "no-store",
}
WRITES = ("POST", "PUT", "PATCH", "DELETE")
USES_STORE = ("/api/", "/ui/", "/notice/")  # not the static files and /docs
LOGGED_ELSEWHERE = ("/api/auth/login", "/ui/login")  # login attempts are logged as LoginAttempt events


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def install_hardening(app: FastAPI, container: Container) -> None:
    settings = container.settings
    breaker = StoreBreaker()

    @app.middleware("http")
    async def harden(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        uses_store = request.url.path.startswith(USES_STORE)
        if length and length.isdigit() and int(length) > settings.max_body_bytes:
            response: Response = JSONResponse(
                {"detail": [{"field": "body", "message": f"请求体过大,上限 {settings.max_body_bytes // 1024 // 1024} MB"}]},
                status_code=413)
        elif (refused := _unstorable_address(request)) is not None:
            response = refused
        elif uses_store and not breaker.admit():
            response = store_unavailable()  # the store was just found down: answer at once
            request.state.store_failed = True
        else:
            # A write's operation-log entry goes into the transaction of the first command it
            # runs (service/application/oplog.py); what commits nothing is logged below.
            operation = _pending_operation(request) if request.method in WRITES else None
            token = current_operation.set(operation)
            try:
                response = await call_next(request)
            finally:
                current_operation.reset(token)
            if operation is not None and operation.logged:
                request.state.operation_logged = True
            if uses_store and getattr(request.state, "store_failed", False):
                breaker.failed()
            elif uses_store:
                breaker.succeeded()
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.method in WRITES and request.url.path not in LOGGED_ELSEWHERE \
                and not getattr(request.state, "operation_logged", False):
            if getattr(request.state, "store_failed", False):  # it cannot be written now
                _log_unwritten(request, response.status_code)
            else:
                await run_in_threadpool(_log_operation, container, request, response.status_code)
        return response

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key"])


def _unstorable_address(request: Request) -> Response | None:
    """A path or query holding characters no store can keep (a NUL, an unpaired surrogate, a
    control character) is refused before routing: such a request once wrote its path into the
    operation log and broke the read model (domain/text.py)."""
    fields = [("path", request.url.path)]
    fields += [(f"query.{loggable(k, 40)}", f"{k}={v}") for k, v in request.query_params.multi_items()]
    for field, text in fields:
        problem = first_problem(text, multiline=False)
        if problem is not None:
            return JSONResponse({"detail": [{"field": field, "message": problem}]}, status_code=422)
    return None


def _pending_operation(request: Request) -> PendingOperation | None:
    if request.url.path in LOGGED_ELSEWHERE:
        return None
    success = 303 if request.url.path.startswith("/ui/") else 201 if request.method == "POST" else 200
    return PendingOperation(method=request.method, path=loggable(request.url.path), address=client_address(request),
                            status=success)


def identify(request: Request, who: Principal) -> None:
    """Who makes the request: for its operation-log entry (and the pages' forms)."""
    request.state.principal = who
    operation = current_operation.get()
    if operation is not None:
        operation.actor, operation.role = who.username, who.role


def _log_operation(container: Container, request: Request, status: int) -> None:
    who = getattr(request.state, "principal", None)
    operation = Operation(actor=who.username if who else "anonymous", role=who.role if who else None,
                          address=client_address(request), method=request.method, path=loggable(request.url.path),
                          status=status, success=status < 400, recorded_at=container.clock.now())
    try:
        container.ledger.save(operation)
    except PersistenceError as error:  # the store is down: the request was answered 503 anyway
        _log_unwritten(request, status, error)


def _log_unwritten(request: Request, status: int, error: Exception | None = None) -> None:
    """While the store is down the operation log goes to the process log (journald, files)."""
    who = getattr(request.state, "principal", None)
    log.error("operation log entry not written (store unavailable): %s %s %s by %s from %s%s", request.method,
              loggable(request.url.path), status, who.username if who else "anonymous", client_address(request),
              f": {error}" if error else "")
