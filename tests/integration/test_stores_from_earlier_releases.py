"""Stores outlive releases: a store written by release 0.1 (tests/fixtures/release_0_1, made by
its make.py on that release's code) opens under today's code, every stored event decodes, every
scorecard, standing and round reads as that release answered, and `verify` and `verify-chain`
pass, on SQLite and on PostgreSQL. Then the store takes new writes and still verifies."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from projections import chain
from projections.verify import verify
from service.bootstrap import bootstrap
from service.config.clock import SettableClock
from service.config.settings import Settings
from service.http.app import create_app
from tests.conftest import postgres_url

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release_0_1"
TOKEN = "fixture-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


def same_as_before(before, now, where: str = "") -> list[str]:
    """Every field the earlier release answered, answered the same now (new fields may be added)."""
    if isinstance(before, dict):
        if not isinstance(now, dict):
            return [f"{where}: was an object"]
        return [d for key, value in before.items() for d in same_as_before(value, now.get(key, "<missing>"),
                                                                           f"{where}.{key}")]
    if isinstance(before, list):
        if not isinstance(now, list) or len(now) != len(before):
            return [f"{where}: was a list of {len(before)}, now {now!r}"]
        return [d for i, (b, n) in enumerate(zip(before, now, strict=True)) for d in same_as_before(b, n, f"{where}[{i}]")]
    return [] if before == now else [f"{where}: was {before!r}, now {now!r}"]


@pytest.fixture
def old_store(request, tmp_path):
    """The URL of a copy of the release-0.1 store of the asked kind, and what that release answered."""
    kind = request.param
    expected = json.loads((FIXTURE / f"expected-{kind}.json").read_text(encoding="utf-8"))
    if kind == "sqlite":
        shutil.copy(FIXTURE / "store.sqlite3", tmp_path / "old.sqlite3")
        yield f"sqlite:///{tmp_path}/old.sqlite3", expected
        return
    base = postgres_url()
    if base is None:
        pytest.skip("no PostgreSQL (set EVAL_TEST_DATABASE_URL or run scripts/test)")
    schema = f"old_{uuid.uuid4().hex[:12]}"
    dump = "\n".join(line for line in (FIXTURE / "postgres.sql").read_text(encoding="utf-8").splitlines()
                     if not line.startswith("\\"))
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(dump.replace("__SCHEMA__", schema))
    try:
        yield f"{base}{'&' if '?' in base else '?'}schema={schema}", expected
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("old_store", STORES, indirect=True)
def test_a_store_written_by_release_0_1_reads_the_same_and_verifies(old_store):
    url, expected = old_store
    clock = SettableClock(datetime.fromisoformat("2022-07-12T11:00:00+08:00"))
    container = bootstrap(Settings(database_url=url, admin_token=TOKEN, scheduler=False), clock)
    try:
        ledger = container.ledger
        # Every stored event decodes to today's classes (old topics resolve, old states upcast).
        notifications = ledger.recorder.select_notifications(start=1, limit=10_000)
        assert len(notifications) == expected["log_end"]
        decoded = [ledger.mapper.to_domain_event(n) for n in notifications]
        assert len({type(e) for e in decoded}) == len({n.topic for n in notifications}) == 36

        with TestClient(create_app(container=container)) as http:
            differences = []
            for key, card in expected["cards"].items():
                subject_id, period = key.split("|")
                now = http.get(f"/api/subjects/{subject_id}/scorecard", params={"period": period}, headers=ADMIN)
                differences += same_as_before(card, now.json(), key)
            for key, standings in expected["standings"].items():
                kind, period = key.split("|")
                now = http.get(f"/api/periods/{period}/standings", params={"kind": kind}, headers=ADMIN).json()
                differences += same_as_before({k: v for k, v in standings.items() if k != "as_of_position"}, now, key)
            for key, answered in expected["rounds"].items():
                kind, period = key.split("|")
                now = http.get(f"/api/periods/{period}", params={"kind": kind}, headers=ADMIN).json()
                differences += same_as_before(answered, now, f"round {key}")
            assert differences == []

            assert verify(ledger.projection)[1] == []
            check = chain.verify(ledger.recorder, ledger.projection.store)
            assert check.ok and check.head_position >= expected["chain_head"]["position"]

            # The old store takes new writes and still verifies.
            g1 = expected["subjects"]["g1"]
            made = http.post("/api/records", headers=ADMIN, json={
                "subject_id": g1, "rule_id": "A1.2.4", "occurred_at": "2022-07-12T10:30:00+08:00", "source": "patrol"})
            assert made.status_code == 201, made.text
            written = ledger.recorder.select_notifications(start=expected["log_end"] + 1, limit=100)
            assert written and all(n.topic.startswith("ledger:") for n in written)  # stable names from now on
            card = http.get(f"/api/subjects/{g1}/scorecard", params={"period": "2022H2"}, headers=ADMIN).json()
            assert card["total"] == expected["cards"][f"{g1}|2022H2"]["total"] - 1
            assert verify(ledger.projection)[1] == []
            assert chain.verify(ledger.recorder, ledger.projection.store).ok
    finally:
        container.close()  # the app closed it already; closing twice is harmless
