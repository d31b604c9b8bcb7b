"""The FastAPI application factory. Settings and the store are built in the factory (or
handed in by a test), never at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from service.bootstrap import Container, bootstrap
from service.clock import Clock
from service.errors import install_error_handlers
from service.hardening import install_hardening
from service.ratelimit import RateLimit
from service.routers import (
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
    notice_page,
    objections,
    periods,
    records,
    rounds,
    rulebooks,
    subjects,
    users,
)
from service.scheduler import start_scheduler
from service.settings import Settings
from service.web.pages import install_pages

log = logging.getLogger("evaluation_ledger")

DESCRIPTION = """评优台账 Evaluation Ledger: an event-sourced ledger of findings, attendance exceptions,
complaints, praise and corrections for the county's government-service awards, with live and
as-of scorecards. Times carry an offset; errors name the field and the reason."""


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
        scheduler = start_scheduler(container.rounds) if container.settings.scheduler else None
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        container.close()

    # /docs is served from vendored Swagger UI (no CDN on the intranet); ReDoc is off.
    app = FastAPI(title="评优台账 Evaluation Ledger", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.container = container
    app.state.objection_limit = RateLimit(container.settings.objections_per_address, 60 * 60)
    install_error_handlers(app)
    for module in (health, auth, users, audit, rulebooks, subjects, records, complaints, halls, periods, rounds,
                   nominations, evidence, objections, calendar, disputes, files, notice_page):
        app.include_router(module.router)
    install_pages(app)
    install_hardening(app, container)
    static = Path(__file__).resolve().parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(static / "docs.html")
    return app
