"""Nothing lost when things fail, against real processes and servers: kill -9 in the middle of an
import and of a catch-up, PostgreSQL stopped and restarted under a steady write load (a private
server on its own port and data folder), 16 writers on one subject, two service processes."""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from projections.verify import verify
from service.config.clock import SettableClock
from service.documents.importers import import_attendance, import_roster
from tests.conftest import ADMIN, STORES, make_container
from tests.servers import NOW, ROOT, Service, free_port

HEADERS = ADMIN


def at(moment: str) -> SettableClock:
    return SettableClock(datetime.fromisoformat(moment))


def raw_scalar(url: str, sql_sqlite: str, sql_postgres: str) -> int:
    """A number read straight from the database, behind the service's back (polling)."""
    try:
        if url.startswith("sqlite"):
            import sqlite3

            with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10) as conn:
                return int(conn.execute(sql_sqlite).fetchone()[0] or 0)
        schema = url.split("schema=")[1]
        with psycopg.connect(url.split("?")[0]) as conn:
            return int(conn.execute(sql_postgres.replace("{s}", f'"{schema}"')).fetchone()[0] or 0)
    except (psycopg.Error, Exception):  # noqa: BLE001 - a table being rebuilt: ask again
        return -1


def evalctl(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()", *args], cwd=ROOT,
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def county(url: str, tmp_path: Path, rows: int) -> Path:
    """A roster of 200 workers and an attendance file of `rows` rows for them."""
    container = make_container(url, at(NOW))
    roster = ["类型,编码,名称,单位,上级编码", "大厅,H,大厅,县,"] + [f"窗口,W{w},窗口{w},县,H" for w in range(40)] + \
             [f"工作人员,G{g},人员{g},县,W{g % 40}" for g in range(200)]
    import_roster(container, "\n".join(roster).encode(), "test", date(2022, 1, 1))
    container.close()
    path = tmp_path / "attendance.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["工号", "日期", "类型", "分钟", "请假"])
        n = 0
        for day in range(179):
            for g in range(200):
                if n == rows:
                    break
                writer.writerow([f"G{g}", (date(2022, 1, 1) + timedelta(days=day)).isoformat(),
                                 "迟到" if day % 2 else "早退", str(1 + (g + day) % 60), "否"])
                n += 1
    return path


def attendance_records(url: str) -> int:
    container = make_container(url, at(NOW))
    try:
        projection = container.ledger.projection
        with projection.store.transaction(commit=False) as cur:
            row = cur.one("SELECT COUNT(*) AS n FROM {p}rm_events WHERE topic LIKE ? AND originator_version = 1",
                          ["%Record.Created%"])
        return int(row["n"])
    finally:
        container.close()


def assert_read_models_equal_replay(url: str) -> None:
    container = make_container(url, at(NOW))
    try:
        _, differences = verify(container.ledger.projection)
        assert differences == []
    finally:
        container.close()


@pytest.mark.parametrize("store", STORES)
def test_kill_9_in_the_middle_of_an_import_loses_nothing_and_writes_nothing_twice(store, stores, tmp_path):
    url = stores.url(store)
    # 8,000 rows are four transactions of 2,000: the kill lands after the first has committed.
    path = county(url, tmp_path, 8_000)
    env = {"EVAL_DATABASE_URL": url, "EVAL_NOW": NOW}
    before = raw_scalar(url, "SELECT COUNT(*) FROM stored_events", "SELECT COUNT(*) FROM {s}.ledger_events")
    first = evalctl("import-attendance", str(path), env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and first.poll() is None and raw_scalar(
            url, "SELECT COUNT(*) FROM stored_events", "SELECT COUNT(*) FROM {s}.ledger_events") < before + 2000:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    written = attendance_records(url)
    assert 0 < written < 8_000, "the kill should land in the middle of the import"
    again = evalctl("import-attendance", str(path), env=env)
    output = again.communicate(timeout=300)[0].decode()
    assert again.returncode == 0, output
    assert f"{written} 行此前已导入" in output
    assert attendance_records(url) == 8_000  # every row once
    assert_read_models_equal_replay(url)


@pytest.mark.parametrize("store", STORES)
def test_kill_9_in_the_middle_of_a_rebuild_leaves_the_live_read_model_as_it_was(store, stores, tmp_path):
    """A rebuild builds the read model aside and swaps it in at the end, in one transaction:
    killed half-way, it leaves the live one whole, and the next rebuild completes."""
    url = stores.url(store)
    path = county(url, tmp_path, 6_000)  # a rebuild of some seconds: long enough to be killed half-way
    container = make_container(url, at(NOW))
    import_attendance(container, path.read_bytes(), "test")
    container.close()
    env = {"EVAL_DATABASE_URL": url, "EVAL_NOW": NOW}
    started = time.monotonic()
    first = evalctl("rebuild", env=env)
    output = first.communicate(timeout=300)[0].decode()
    assert first.returncode == 0, output
    took = time.monotonic() - started
    rebuilding = float(re.search(r"rebuilt: [\d,]+ events in ([\d.]+) s", output).group(1))  # the rebuild itself
    # The process's start, then part of the rebuild. The machine's load varies from run to run:
    # a rebuild that finished before the kill is tried again with an earlier kill.
    for part in (0.5, 0.3, 0.15, 0.05):
        rebuild = evalctl("rebuild", env=env)
        time.sleep(took - rebuilding + rebuilding * part)
        if rebuild.poll() is None:
            break
        assert rebuild.returncode == 0
    assert rebuild.poll() is None, "the kill should land in the middle of the rebuild"
    rebuild.send_signal(signal.SIGKILL)
    rebuild.wait(timeout=10)
    assert_read_models_equal_replay(url)  # the live read model, whole
    assert evalctl("rebuild", env=env).wait(timeout=300) == 0
    assert_read_models_equal_replay(url)


def test_sixteen_clients_writing_to_one_subject_lose_no_update(stores):
    url = stores.url("postgresql")
    service = Service(url)
    try:
        hall = httpx.post(f"{service.base}/api/subjects", json={"kind": "hall", "name": "大厅", "unit": "县"},
                          headers=HEADERS).json()["id"]
        made: list[str] = []
        lock = threading.Lock()

        def writer() -> None:
            with httpx.Client(base_url=service.base, headers=HEADERS, timeout=30) as client:
                for _ in range(10):
                    answer = client.post("/api/records", json={"subject_id": hall, "rule_id": "A3.2.2",
                                                               "occurred_at": "2022-06-01T10:00:00+08:00",
                                                               "source": "patrol"})
                    assert answer.status_code == 201, answer.text
                    with lock:
                        made.append(answer.json()["id"])

        threads = [threading.Thread(target=writer) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        card = httpx.get(f"{service.base}/api/subjects/{hall}/scorecard", params={"period": "2022"},
                         headers=HEADERS).json()
        assert len(made) == 160 and sorted(e["record_id"] for e in card["entries"] if e["record_id"]) == sorted(made)
    finally:
        service.stop()
    assert_read_models_equal_replay(url)


def test_a_second_service_process_on_the_same_postgresql_acts_once(stores):
    url = stores.url("postgresql")
    a = Service(url, now="2022-07-01T09:00:00+08:00", scheduler=True)
    b = Service(url, now="2022-07-01T09:00:00+08:00", scheduler=True)
    try:
        for service in (a, b):
            period = httpx.get(f"{service.base}/api/periods/2022H1", params={"kind": "worker"}, headers=HEADERS).json()
            assert period["status"] == "closed"
    finally:
        a.stop()
        b.stop()
    container = make_container(url, at("2022-07-01T09:00:00+08:00"))
    try:
        with container.ledger.projection.store.transaction(commit=False) as cur:
            closes = cur.one("SELECT COUNT(*) AS n FROM {p}rm_events WHERE topic LIKE ?", ["%Round.Closed%"])["n"]
        assert closes == 2  # 2022H1 for workers and for windows, each once
    finally:
        container.close()
    assert_read_models_equal_replay(url)


# --- PostgreSQL stopped and restarted under load ---------------------------------------------------

def postgres_binaries() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return candidates[-1].parent if candidates else None


class PrivatePostgres:
    """A server of the test's own, on its own port and data folder (never the machine's)."""

    def __init__(self):
        self.bin = postgres_binaries()
        self.port = free_port()
        # A folder of its own that the postgres user can reach (pytest's are private to root).
        self.folder = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
        self.folder.chmod(0o755)
        self.data = self.folder / "data"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        # The server's output goes to a log file: a captured pipe would be held open by it.
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"),
                  "-o", f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1", "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


@pytest.mark.postgres
def test_postgresql_stopped_and_restarted_under_load_answers_503_and_loses_nothing():
    if postgres_binaries() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries are needed for the outage test")
        pytest.skip("no PostgreSQL server binaries")
    server = PrivatePostgres()
    service = None
    try:
        service = Service(server.url)
        hall = httpx.post(f"{service.base}/api/subjects", json={"kind": "hall", "name": "大厅", "unit": "县"},
                          headers=HEADERS).json()["id"]
        acknowledged: list[str] = []
        statuses: list[int] = []
        quick_refusals: list[float] = []
        unexpected: list[str] = []
        stop = threading.Event()

        def writer() -> None:
            # The requests in flight when the database stops wait ~20 s inside the library before
            # their 503; after that the breaker answers 503 at once (service/breaker.py). The
            # client waits long enough, and any failure here is recorded, not lost.
            with httpx.Client(base_url=service.base, headers=HEADERS, timeout=120) as client:
                for _ in range(4000):
                    if stop.is_set():
                        return
                    started = time.monotonic()
                    try:
                        answer = client.post("/api/records", json={"subject_id": hall, "rule_id": "A3.2.2",
                                                                   "occurred_at": "2022-06-01T10:00:00+08:00",
                                                                   "source": "patrol"})
                    except httpx.HTTPError as error:
                        unexpected.append(repr(error))
                        return
                    statuses.append(answer.status_code)
                    if answer.status_code == 201:
                        acknowledged.append(answer.json()["id"])
                    elif answer.status_code != 503 or "数据库暂时不可用" not in answer.text:
                        unexpected.append(answer.text)  # never a 500 with a stack trace
                    elif time.monotonic() - started < 1.0:
                        quick_refusals.append(time.monotonic() - started)
                    time.sleep(0.05)

        writers = [threading.Thread(target=writer) for _ in range(4)]
        for thread in writers:
            thread.start()
        time.sleep(2)
        server.stop()
        time.sleep(40)  # longer than the requests in flight wait for the store (~20 s): then fast 503s
        server.start()
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and (503 not in statuses or statuses[-1] != 201):
            time.sleep(0.2)
        time.sleep(2)
        stop.set()
        for thread in writers:
            thread.join(timeout=150)
        assert unexpected == []
        assert 503 in statuses and statuses[-1] == 201, "the outage was seen and the service recovered by itself"
        assert len(quick_refusals) >= 10, "once the store was found down, the next requests were answered at once"
        for record_id in acknowledged:
            assert httpx.get(f"{service.base}/api/records/{record_id}", headers=HEADERS).status_code == 200
    finally:
        if service is not None:
            service.stop()
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(server.folder, ignore_errors=True)
