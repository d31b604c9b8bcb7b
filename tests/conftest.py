"""Fixtures for both stores. SQLite is a real file in a temporary folder; PostgreSQL is the
server named by EVAL_TEST_DATABASE_URL (scripts/test finds or starts one), with a schema of
its own per test, dropped afterwards. Under CI=true a missing PostgreSQL fails the run."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime

import psycopg
import pytest
from argon2 import PasswordHasher

from service.application.services import Container
from service.bootstrap import bootstrap
from service.config.clock import SettableClock
from service.config.settings import Settings

ADMIN_TOKEN = "test-admin-token"
# Every service the tests start, in this process or another, keys the hash chain with this
# (tests of the key's own handling set their own).
os.environ.setdefault("EVAL_CHAIN_KEY", "test-chain-key-0123456789abcdef-0123456789")
os.environ.setdefault("EVAL_CHAIN_CHECKPOINTS", tempfile.mkdtemp(prefix="ledger-checkpoints-"))
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def postgres_url() -> str | None:
    url = os.environ.get("EVAL_TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but EVAL_TEST_DATABASE_URL is not set: PostgreSQL tests must run on CI")
    return None


class Stores:
    """Makes fresh stores of either kind; removes the PostgreSQL schemas it made."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.schemas: list[tuple[str, str]] = []
        self.count = 0

    def url(self, kind: str) -> str:
        self.count += 1
        if kind == "sqlite":
            return f"sqlite:///{self.tmp_path}/ledger-{self.count}.sqlite3"
        base = postgres_url()
        if base is None:
            pytest.skip("no PostgreSQL (set EVAL_TEST_DATABASE_URL or run scripts/test)")
        schema = f"t_{uuid.uuid4().hex[:16]}"
        self.schemas.append((base, schema))
        return f"{base}{'&' if '?' in base else '?'}schema={schema}"

    def drop(self) -> None:
        for base, schema in self.schemas:
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def stores(tmp_path) -> Iterator[Stores]:
    made = Stores(tmp_path)
    yield made
    made.drop()


@pytest.fixture(params=STORES)
def database_url(request, stores: Stores) -> str:
    return stores.url(request.param)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime.fromisoformat("2022-01-03T09:00:00+08:00"))


# Passwords hashed at a fraction of the real cost: the service's own parameters are checked once
# (tests/integration/test_security.py), and hundreds of logins need not each take 50 ms.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def make_container(database_url: str, clock: SettableClock) -> Container:
    return bootstrap(Settings(database_url=database_url, admin_token=ADMIN_TOKEN), clock, password_hasher=CHEAP_HASHER)


@pytest.fixture
def container(database_url: str, clock: SettableClock) -> Iterator[Container]:
    c = make_container(database_url, clock)
    yield c
    c.close()


@pytest.fixture
def client(container: Container):
    from fastapi.testclient import TestClient

    from service.http.app import create_app

    with TestClient(create_app(container=container)) as test_client:
        yield test_client


@pytest.fixture
def sqlite_client(stores, clock):
    """For what does not depend on the store: a client of a service on a SQLite file, its clock
    at 10 June 2022 (periods of 2022 open)."""
    from fastapi.testclient import TestClient

    from service.http.app import create_app

    clock.set(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    container = make_container(stores.url("sqlite"), clock)
    with TestClient(create_app(container=container)) as test_client:
        yield test_client
