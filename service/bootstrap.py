"""The composition root: the one place where settings, clock, store, rulebooks, the ledger
and its read model are put together. The app factory, the command line and the tests all
come through here; tests pass their own settings and clock."""

from __future__ import annotations

from datetime import timedelta

import psycopg
from argon2 import PasswordHasher

from domain.rulebook import RulebookLibrary
from projections import chain, schema
from service.application.accounts import Accounts
from service.application.complaints import Complaints
from service.application.disputes import Disputes
from service.application.figures import Figures
from service.application.ledger import Ledger
from service.application.nominations import Nominations
from service.application.records import Records
from service.application.roster import Roster
from service.application.rounds import Rounds
from service.application.rulebooks import Rulebooks, load_rulebooks
from service.application.services import Container
from service.config.clock import Clock
from service.config.persistence import persistence_env, store_label
from service.config.settings import Settings


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


def _check_read_model_version(store) -> None:
    """A service that may not create tables cannot rebuild a read model of another version either."""
    with store.transaction(commit=False) as cur:
        version = schema.stored_version(cur)
    if version != schema.VERSION:
        raise RuntimeError(f"the read model is of version {version}, this release's is {schema.VERSION}: run "
                           "`evalctl grant-service-role` as the tables' owner first")


def bootstrap(settings: Settings | None = None, clock: Clock | None = None, catch_up: bool = True,
              rulebooks: RulebookLibrary | None = None, password_hasher: PasswordHasher | None = None) -> Container:
    """Opens the store: creates what a new one lacks, rebuilds a read model of an earlier
    release, and (unless `catch_up=False`, for `evalctl rebuild`) applies anything appended
    without being applied. `rulebooks` replaces the shipped ones and `password_hasher` the real
    argon2 parameters (tests: a password hashed at full cost takes tens of milliseconds)."""
    settings = settings or Settings()
    clock = clock or Clock(settings.now)
    env = persistence_env(settings.database_url, settings.pool_size, settings.create_tables)
    if settings.create_tables:
        _ensure_schema(env)
    chain.use_key(chain.ChainKey.load(settings.chain_key, settings.chain_key_file))
    ledger = Ledger(env=env, clock=clock, rulebooks=rulebooks or load_rulebooks(),
                    future_tolerance=timedelta(minutes=settings.future_tolerance_minutes))
    store = ledger.projection.store
    if settings.create_tables:
        chain.prepare(store, ledger.recorder)  # before anything is linked: the key is checked first
        chain.check_key(store)
        ledger.projection.prepare()
    else:
        chain.check_key(store)
        _check_read_model_version(store)
    if catch_up:
        ledger.projection.catch_up()
    rounds = Rounds(ledger)
    return Container(settings=settings, clock=clock, ledger=ledger, roster=Roster(ledger), records=Records(ledger),
                     complaints=Complaints(ledger, rounds), figures=Figures(ledger), rounds=rounds,
                     nominations=Nominations(ledger, rounds), disputes=Disputes(ledger, rounds),
                     accounts=Accounts(ledger, settings, password_hasher), rulebooks=Rulebooks(ledger),
                     checkpoints=chain.Checkpoints(settings.chain_checkpoints / f"{store_label(settings.database_url)}.txt"))
