"""The chain cannot be rewritten unnoticed (#13 item 8, and verify-chain on a row whose state is
text): links are keyed with a secret kept outside the database, so recomputing them after
changing an event fails; a chain recomputed without its keyed marker fails against the heads
published on notices; a cut tail fails against the checkpoints kept outside the store; the
service's own connection cannot UPDATE or DELETE the log; the key is generated into a file at
the first start, links from before it stay verifiable, and another key is refused. On both stores."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import datetime

import pytest
from typer.testing import CliRunner

from projections import chain
from service.bootstrap import bootstrap
from service.cli import app as evalctl
from service.config.settings import Settings
from tests.api import Api, nomination, upload
from tests.conftest import ADMIN_TOKEN
from tests.integration.test_audit import raw, two_windows


@pytest.fixture
def api(client, clock) -> Api:
    clock.set(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    return Api(client, clock)


def some_history(api: Api, records: int = 6) -> None:
    _, a, b = two_windows(api)
    for day in range(1, records + 1):
        api.record(a if day % 2 else b, "A2.2.5", f"2022-06-0{day}T09:00:00+08:00")


def notifications(container) -> list:
    return container.ledger.recorder.select_notifications(start=1, limit=100_000)


def rewrite_links(container, conn, start: int, key: chain.ChainKey | None) -> None:
    """What someone with the database but not the key can do: recompute every link from `start`."""
    store = container.ledger.projection.store
    table, ph = f"{store.prefix}ledger_chain", "%s" if store.is_postgres else "?"
    row = conn.execute(f"SELECT link FROM {table} WHERE position = {ph}", (start - 1,)).fetchone()
    previous = row[0] if row else chain.GENESIS
    for n in notifications(container):
        if n.id >= start:
            previous = chain.link(previous, n, key)
            conn.execute(f"UPDATE {table} SET link = {ph} WHERE position = {ph}", (previous, n.id))


def change_state(conn, table: str, pos: str, ph: str, position: int) -> None:
    conn.execute(f"UPDATE {table} SET state = {'CAST(? AS BLOB)' if ph == '?' else '%s'} WHERE {pos} = {ph}",
                 (b'{"tampered": true}', position))


def verify_chain_command(container, monkeypatch):
    monkeypatch.setenv("EVAL_DATABASE_URL", container.settings.database_url)
    return CliRunner().invoke(evalctl, ["verify-chain"])


def test_a_changed_event_with_every_later_link_recomputed_fails_without_the_key(api, container, monkeypatch):
    some_history(api)
    assert chain.verify(container.ledger.recorder, container.ledger.projection.store).keyed_from == 1
    conn, table, pos, ph = raw(container)
    change_state(conn, table, pos, ph, 5)
    for guess in (None, chain.ChainKey(b"a guess at the key, long enough to be taken")):
        rewrite_links(container, conn, 5, guess)
        check = chain.verify(container.ledger.recorder, container.ledger.projection.store)
        assert not check.ok and (check.problem_position, check.problem) == (5, "changed")
    result = verify_chain_command(container, monkeypatch)
    assert result.exit_code == 1 and "第 5 条" in result.output


def test_a_chain_recomputed_without_its_key_fails_against_the_heads_published_on_notices(api, container, clock,
                                                                                        monkeypatch):
    _, a, _ = two_windows(api)
    api.record(a, "A2.2.5", "2022-06-01T09:00:00+08:00")
    api.post("/api/nominations", nomination(a, "2022H1", "window", [upload(api)["id"]]))
    clock.set(datetime.fromisoformat("2022-07-01T09:00:00+08:00"))
    container.rounds.tick()
    notice = api.post("/api/periods/2022H1/notice?kind=window", {})
    published = notice["notice_chain_head"]["position"]
    conn, table, pos, ph = raw(container)
    change_state(conn, table, pos, ph, 3)
    keys = "{p}ledger_chain_keys".replace("{p}", container.ledger.projection.store.prefix)
    conn.execute(f"DELETE FROM {keys}")  # no marker: every link taken for a plain SHA-256 one
    rewrite_links(container, conn, 1, None)
    check = chain.verify(container.ledger.recorder, container.ledger.projection.store)
    assert check.ok  # the chain alone cannot tell
    result = verify_chain_command(container, monkeypatch)
    assert result.exit_code == 1 and f"第 {published} 条" in result.output, result.output


def test_a_cut_tail_fails_against_the_checkpoints_kept_outside_the_store(api, container, monkeypatch):
    some_history(api)
    first = verify_chain_command(container, monkeypatch)
    assert first.exit_code == 0, first.output
    checkpoint, _ = container.checkpoints.read()[-1]  # the head that verification found
    conn, table, pos, ph = raw(container)
    cut = checkpoint - 3
    conn.execute(f"DELETE FROM {table} WHERE {pos} > {ph}", (cut,))
    links = "{p}ledger_chain".replace("{p}", container.ledger.projection.store.prefix)
    conn.execute(f"DELETE FROM {links} WHERE position > {ph}", (cut,))
    assert chain.verify(container.ledger.recorder, container.ledger.projection.store).ok  # the chain alone
    result = verify_chain_command(container, monkeypatch)
    assert result.exit_code == 1 and "被删除" in result.output, result.output


def test_the_services_own_connection_cannot_update_or_delete_the_log(api, container):
    some_history(api, 2)
    conn, table, pos, ph = raw(container, as_owner=False)
    links = "{p}ledger_chain".replace("{p}", container.ledger.projection.store.prefix)
    for statement in (f"UPDATE {table} SET topic = 'x' WHERE {pos} = 1", f"DELETE FROM {table} WHERE {pos} = 2",
                      f"UPDATE {links} SET link = 'x'", f"DELETE FROM {links}"):
        with pytest.raises(Exception, match="append-only"):
            conn.execute(statement)
    assert chain.verify(container.ledger.recorder, container.ledger.projection.store).ok


def test_verify_chain_names_a_row_whose_state_was_rewritten_as_text(stores, clock, monkeypatch):
    container = bootstrap(Settings(database_url=stores.url("sqlite"), admin_token=ADMIN_TOKEN, scheduler=False), clock)
    try:
        container.roster.create("t", "hall", "县政务服务中心", "县政管办", "H1", None, None)
        container.roster.create("t", "hall", "古宜镇中心", "古宜镇", "H2", None, None)
        conn, table, pos, _ = raw(container)
        conn.execute(f"UPDATE {table} SET state = 'now a text value' WHERE {pos} = 2")
        result = verify_chain_command(container, monkeypatch)
        assert result.exit_code == 1 and "第 2 条" in result.output, result.output
    finally:
        container.close()


def test_the_key_is_made_at_the_first_start_earlier_links_stay_verifiable_and_another_key_is_refused(
        database_url, clock, tmp_path, monkeypatch):
    monkeypatch.delenv("EVAL_CHAIN_KEY")
    settings = Settings(database_url=database_url, admin_token=ADMIN_TOKEN, scheduler=False,
                        chain_key_file=tmp_path / "keys" / "chain.key")
    before = bootstrap(Settings(database_url=database_url, scheduler=False, chain_key="k" * 40), clock)
    try:
        chain.use_key(None)  # a store written before there were keys
        before.roster.create("t", "hall", "旧大厅", "县", "H0", None, None)
    finally:
        before.close()

    container = bootstrap(settings, clock)
    try:
        path = settings.chain_key_file
        assert path.exists() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert len(path.read_text().strip()) == 64
        container.roster.create("t", "hall", "新大厅", "县", "H1", None, None)
        check = chain.verify(container.ledger.recorder, container.ledger.projection.store)
        assert check.ok and check.keyed_from == 2 and check.checked == 2
    finally:
        container.close()
    other = Settings(database_url=database_url, admin_token=ADMIN_TOKEN, scheduler=False,
                     chain_key=hashlib.sha256(b"another").hexdigest())
    with pytest.raises(chain.ChainKeyMismatch):
        bootstrap(other, clock)
    again = bootstrap(settings, clock)  # the same file, the same key
    try:
        assert chain.verify(again.ledger.recorder, again.ledger.projection.store).ok
        wrong = chain.verify(again.ledger.recorder, again.ledger.projection.store,
                             key=chain.ChainKey.from_text(other.chain_key))
        assert not wrong.ok and wrong.problem == "key"
    finally:
        again.close()


def test_the_service_running_as_its_own_role_appends_but_cannot_rewrite_or_unprotect_the_log(stores, clock,
                                                                                              monkeypatch):
    import uuid

    import psycopg
    from fastapi.testclient import TestClient

    from service.http.app import create_app
    from tests.conftest import ADMIN

    url = stores.url("postgresql")  # the owner's (the tests' superuser)
    role = f"t_service_{uuid.uuid4().hex[:8]}"
    base, schema = url.split("?")[0], url.split("schema=")[1]
    with psycopg.connect(base, autocommit=True) as owner:
        owner.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        monkeypatch.setenv("EVAL_DATABASE_URL", url)
        granted = CliRunner().invoke(evalctl, ["grant-service-role", role])
        assert granted.exit_code == 0, granted.output
        as_service = url.replace("postgresql://postgres@", f"postgresql://{role}@")
        settings = Settings(database_url=as_service, admin_token=ADMIN_TOKEN, scheduler=False, create_tables=False)
        with TestClient(create_app(settings, clock)) as client:
            made = client.post("/api/subjects", json={"kind": "hall", "name": "大厅", "unit": "县"}, headers=ADMIN)
            assert made.status_code == 201, made.text
            assert client.get(f"/api/subjects/{made.json()['id']}", headers=ADMIN).status_code == 200
        with psycopg.connect(base.replace("postgresql://postgres@", f"postgresql://{role}@"), autocommit=True) as conn:
            for statement, refusal in ((f'UPDATE "{schema}".ledger_events SET topic = \'x\'', "append-only"),
                                       (f'DELETE FROM "{schema}".ledger_events', "permission denied"),
                                       (f'DELETE FROM "{schema}".ledger_chain', "permission denied"),
                                       (f'DROP TRIGGER ledger_append_only ON "{schema}".ledger_events', "owner"),
                                       (f'ALTER TABLE "{schema}".ledger_events DISABLE TRIGGER ALL', "owner"),
                                       ("SET session_replication_role = replica", "permission denied")):
                with pytest.raises(psycopg.Error, match=refusal):
                    conn.execute(statement)
    finally:
        with psycopg.connect(base, autocommit=True) as owner:
            owner.execute(f'DROP OWNED BY "{role}"')
            owner.execute(f'DROP ROLE "{role}"')
