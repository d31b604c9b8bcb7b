"""APScheduler inside the service, in Asia/Shanghai time: every minute it runs the round's
`tick` (close ended periods, finalise notices that can be). The job is idempotent, so a
second firing, or a second service process on the same PostgreSQL, changes nothing."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from service.application.rounds import Rounds

log = logging.getLogger(__name__)


def run_tick(rounds: Rounds) -> None:
    try:
        rounds.tick()
    except Exception:  # noqa: BLE001 - a failed tick is retried next minute; never kill the scheduler
        log.exception("scheduler tick failed; it runs again in a minute")


def start_scheduler(rounds: Rounds) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    scheduler.add_job(run_tick, "interval", minutes=1, args=[rounds], id="round-tick",
                      max_instances=1, coalesce=True, replace_existing=True)
    scheduler.start()
    return scheduler
