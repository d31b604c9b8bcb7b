"""The composition root: the one place where settings, clock, store, rulebooks, the ledger
and its read model are put together. The app factory, the command line and the tests all
come through here; tests pass their own settings and clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import psycopg

from service.accounts import Accounts
from service.clock import Clock
from service.disputes import Disputes
from service.ledger import Ledger
from service.nominating import Nominations
from service.persistence import persistence_env, store_kind
from service.rounds import Rounds
from service.rulebooks import load_rulebooks
from service.settings import Settings


@dataclass
class Container:
    settings: Settings
    clock: Clock
    ledger: Ledger
    rounds: Rounds
    nominations: Nominations
    disputes: Disputes
    accounts: Accounts

    @property
    def store(self) -> str:
        return store_kind(self.settings.database_url)

    def close(self) -> None:
        self.ledger.close()


def _ensure_schema(env: dict[str, str]) -> None:
    """The library creates tables but not a PostgreSQL schema; tests use one schema each."""
    schema = env.get("POSTGRES_SCHEMA")
    if not schema:
        return
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None, autocommit=True,
    ) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


def bootstrap(settings: Settings | None = None, clock: Clock | None = None, catch_up: bool = True) -> Container:
    """`catch_up=False` leaves the read model as it is (evalctl rebuild drops it first)."""
    settings = settings or Settings()
    clock = clock or Clock(settings.now)
    env = persistence_env(settings.database_url, settings.pool_size)
    _ensure_schema(env)
    ledger = Ledger(env=env, clock=clock, rulebooks=load_rulebooks(),
                    future_tolerance=timedelta(minutes=settings.future_tolerance_minutes))
    ledger.projection.create_tables()
    if catch_up:
        ledger.projection.catch_up()
    rounds = Rounds(ledger)
    return Container(settings=settings, clock=clock, ledger=ledger, rounds=rounds,
                     nominations=Nominations(ledger, rounds), disputes=Disputes(ledger, rounds),
                     accounts=Accounts(ledger, settings))
