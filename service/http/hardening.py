"""HTTP hardening and the operation log (等保 2.0): security headers on every answer (a
Content-Security-Policy without inline script, no framing, no referrer, no type sniffing),
CORS closed unless origins are configured, and the operation log:

- every write request by a logged-in user, allowed or refused, is an Operation event (who, from
  where, what, status): in the transaction of the first command it runs
  (service/application/oplog.py), or afterwards when it commits nothing; so is every read
  refused to one (403) and every read of personal data or the trail (nominations, their forms,
  dossiers, score workbooks, evidence files, objections, the accounts, the audit log itself);
- write requests refused without anyone logged in (401, 404, 405, 422, …) are counted per
  address and minute, one RefusedRequests event each (a flood cannot fill the log), and an
  address past `anonymous_refusals_per_minute` is answered 429 at once for the rest of it.

While the store is down a breaker (service/breaker.py) answers 503 at once, and the operation
log of those requests goes to the process log. The client's address is the connection's: an
X-Forwarded-For header counts only from a proxy listed in `trusted_proxies`."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ConnectionPoolClosedError, PersistenceError
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from domain.accounts import Operation, RefusedRequests
from domain.text import first_problem, loggable
from service.application.oplog import PendingOperation, current_operation
from service.application.principal import Principal
from service.application.ratelimit import RateLimit
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
ATTEMPT_LOGGED = (200, 303, 401, 423)  # the answers of a login whose attempt was logged
PERSONAL_READS = re.compile(r"^/api/(nominations/[^/]+(/form\.docx)?|subjects/[^/]+/dossier|periods/[^/]+/scores\.xlsx"
                            r"|audit-log|evidence/[^/]+/file|objections/[^/]+|users|tokens)$")
SESSION_COOKIE = "ledger_session"  # the pages' (service/http/web/session.py)
FLUSH_EVERY = 15  # seconds between writes of the finished minutes' counts


def client_address(request: Request) -> str | None:
    """The connection's address; behind a configured proxy, the last address it was forwarded for."""
    peer = request.client.host if request.client else None
    trusted = request.app.state.container.settings.trusted_proxies
    forwarded = request.headers.get("x-forwarded-for")
    if peer in trusted and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        outside = [hop for hop in hops if hop not in trusted]
        return loggable(outside[-1], 64) if outside else peer
    return peer


class RefusalCount:
    """Write requests refused without a login, per address and minute, kept in this process until
    their minute is over; and the addresses that have had too many of them lately."""

    def __init__(self, per_minute: int):
        self.limit = RateLimit(per_minute, 60)
        self._minutes: dict[tuple[str | None, datetime], tuple[Counter, str]] = {}
        self._lock = threading.Lock()

    def add(self, address: str | None, minute: datetime, status: int, what: str) -> None:
        self.limit.allow(address or "unknown")
        with self._lock:
            statuses, sample = self._minutes.setdefault((address, minute), (Counter(), what))
            statuses[str(status)] += 1

    def flooding(self, address: str | None) -> bool:
        return self.limit.full(address or "unknown")

    def finished(self, now: datetime | None) -> list[RefusedRequests]:
        """The counts of the minutes before `now`'s (every count, with None), taken out."""
        with self._lock:
            done = [key for key in self._minutes if now is None or key[1] < now]
            taken = [(key, self._minutes.pop(key)) for key in done]
        return [RefusedRequests(address=address, minute=minute, count=sum(statuses.values()),
                                statuses=dict(statuses), sample=sample, recorded_at=minute)
                for (address, minute), (statuses, sample) in taken]


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def install_hardening(app: FastAPI, container: Container) -> RefusalCount:
    settings = container.settings
    breaker = StoreBreaker()
    refusals = RefusalCount(settings.anonymous_refusals_per_minute)

    @app.middleware("http")
    async def harden(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        uses_store = request.url.path.startswith(USES_STORE)
        address = client_address(request)
        write = request.method in WRITES
        response: Response
        if write and not _carries_credentials(request) and refusals.flooding(address):
            response = JSONResponse({"detail": [{"field": "request", "message": "该地址被拒绝的请求过多,请一分钟后再试"}]},
                                    status_code=429, headers={"Retry-After": "60"})
        elif (refused := _unstorable_address(request)) is not None:
            response = refused
        elif uses_store and not breaker.admit():
            response = store_unavailable()  # the store was just found down: answer at once
            request.state.store_failed = True
        else:
            # A write's operation-log entry goes into the transaction of the first command it
            # runs (service/application/oplog.py); what commits nothing is logged below.
            operation = _pending_operation(request, address) if write else None
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
        status = response.status_code
        who = getattr(request.state, "principal", None)
        logged_elsewhere = (request.url.path in LOGGED_ELSEWHERE and status in ATTEMPT_LOGGED) or getattr(
            request.state, "operation_logged", False)
        if write and who is None and status >= 400 and not logged_elsewhere:
            refusals.add(address, _minute(container.clock.now()), status,
                         f"{request.method} {loggable(request.url.path, 100)}")
        elif (write and not logged_elsewhere) or (who is not None and request.method == "GET" and (
                status == 403 or PERSONAL_READS.match(request.url.path))):
            if getattr(request.state, "store_failed", False):  # it cannot be written now
                _log_unwritten(request, status)
            else:
                await run_in_threadpool(_log_operation, container, _operation(container, request, address, status))
        if uses_store and not getattr(request.state, "store_failed", False):
            await run_in_threadpool(flush_refusals, container, refusals)
        return response

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key"])
    return refusals


def _carries_credentials(request: Request) -> bool:
    return "authorization" in request.headers or SESSION_COOKIE in request.cookies


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


def _pending_operation(request: Request, address: str | None) -> PendingOperation | None:
    if request.url.path in LOGGED_ELSEWHERE:
        return None
    # Until routing says otherwise (identify): a page's form redirects, an API write creates.
    success = 303 if request.url.path.startswith("/ui/") else 201 if request.method == "POST" else 200
    return PendingOperation(method=request.method, path=loggable(request.url.path), address=address, status=success)


def identify(request: Request, who: Principal) -> None:
    """Who makes the request: for its operation-log entry (and the pages' forms)."""
    request.state.principal = who
    operation = current_operation.get()
    if operation is not None:
        operation.actor, operation.role = who.username, who.role
        route = request.scope.get("route")  # routed by now: a success answers what the route declares
        if isinstance(route, APIRoute) and route.status_code and not request.url.path.startswith("/ui/"):
            operation.status = route.status_code


def _operation(container: Container, request: Request, address: str | None, status: int) -> Operation:
    who = getattr(request.state, "principal", None)
    return Operation(actor=who.username if who else "anonymous", role=who.role if who else None, address=address,
                     method=request.method, path=loggable(request.url.path), status=status, success=status < 400,
                     recorded_at=container.clock.now())


def _log_operation(container: Container, entry: Aggregate) -> None:
    """The one place the operation log is written: an Operation, or a minute's count of refusals."""
    try:
        container.ledger.save(entry)
    except (PersistenceError, ConnectionPoolClosedError) as error:  # the store is down, or closed at shutdown
        log.error("operation log entry not written (store unavailable): %s: %s", type(entry).__name__, error)


def flush_refusals(container: Container, refusals: RefusalCount, everything: bool = False) -> None:
    """Writes the counts of the minutes that are over (all of them when the service stops)."""
    for entry in refusals.finished(None if everything else _minute(container.clock.now())):
        _log_operation(container, entry)


async def keep_flushing(container: Container, refusals: RefusalCount) -> None:
    """A background task: a flood's last minute is written even if no request follows it, and the
    sessions' last activity (kept in memory, so that reads never write) reaches the store."""
    while True:
        await asyncio.sleep(FLUSH_EVERY)
        await run_in_threadpool(flush_refusals, container, refusals)
        await run_in_threadpool(container.accounts.flush_activity)


def _log_unwritten(request: Request, status: int) -> None:
    """While the store is down the operation log goes to the process log (journald, files)."""
    who = getattr(request.state, "principal", None)
    log.error("operation log entry not written (store unavailable): %s %s %s by %s from %s", request.method,
              loggable(request.url.path), status, who.username if who else "anonymous", client_address(request))
