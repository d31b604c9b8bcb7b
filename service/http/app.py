"""The FastAPI application factory. Settings and the store are built in the factory (or
handed in by a test), never at import time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from service.application.ratelimit import RateLimit
from service.application.services import Container
from service.bootstrap import bootstrap
from service.config.clock import Clock
from service.config.settings import Settings
from service.http.answers import REFUSALS
from service.http.api import (
    audit,
    auth,
    calendar,
    complaints,
    disputes,
    evidence,
    files,
    halls,
    health,
    nominations,
    objections,
    periods,
    records,
    rounds,
    rulebooks,
    subjects,
    users,
)
from service.http.errors import describe_refusals, install_error_handlers
from service.http.hardening import flush_refusals, install_hardening, keep_flushing
from service.http.web.pages import install_pages
from service.jobs.scheduler import start_scheduler

log = logging.getLogger("evaluation_ledger")

DESCRIPTION = """评优台账 Evaluation Ledger: an event-sourced ledger of findings, attendance exceptions,
complaints, praise and corrections for the county's government-service awards, with live and
as-of scorecards. Times carry an offset; errors name the field and the reason."""


FIRST_RUN = ("还没有任何账号。建立第一个管理员:scripts/evalctl create-user 用户名 --role system_admin"
             "(安全管理员、审计管理员、考评办管理员:--role security_admin、--role audit_admin、--role office_admin),"
             "会显示初始密码;登录 /ui/ 修改密码后,在“账号”页面建立督查员、单位管理员等账号。"
             " No account yet: create the first administrator with `scripts/evalctl create-user NAME --role system_admin`.")


def create_app(settings: Settings | None = None, clock: Clock | None = None,
               container: Container | None = None) -> FastAPI:
    container = container or bootstrap(settings, clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if container.settings.admin_token:
            log.warning("EVAL_ADMIN_TOKEN is set: a bootstrap office administrator exists; it is for first "
                        "set-up only - create named accounts and unset it")
        # Before the first request: close what fell due while the service was down, and revise
        # any closed round that a crash left out of step with the log.
        container.rounds.tick()
        container.rounds.reconcile()
        if not container.accounts.any_account():
            log.warning(FIRST_RUN)
        scheduler = start_scheduler(container.rounds) if container.settings.scheduler else None
        flushing = asyncio.create_task(keep_flushing(container, refusals))
        yield
        flushing.cancel()
        flush_refusals(container, refusals, everything=True)
        container.accounts.flush_activity()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        container.close()

    # /docs is served from vendored Swagger UI (no CDN on the intranet); ReDoc is off.
    # max_body_size: the cap holds however the body comes (Content-Length or chunked): the
    # framework counts the bytes as they are received and stops reading at the cap (413).
    app = FastAPI(title="评优台账 Evaluation Ledger", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, max_body_size=container.settings.max_body_bytes)
    app.state.container = container
    app.state.objection_limit = RateLimit(container.settings.objections_per_address, 60 * 60)
    install_error_handlers(app)
    describe_refusals(app)
    for module in (health, auth, users, audit, rulebooks, subjects, records, complaints, halls, periods, rounds,
                   nominations, evidence, objections, calendar, disputes, files):
        app.include_router(module.router, responses=REFUSALS)
    install_pages(app)  # the pages, and the public notice (公示) with its objection form
    refusals = install_hardening(app, container)
    static = Path(__file__).resolve().parent / "web" / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(static / "docs.html")
    return app
