"""`evalctl bench`: every figure beside the raw baseline it is compared to, measured in the
same run on the same database. It works in a scratch area of the configured store (a
temporary SQLite file, or a PostgreSQL schema of its own that is dropped afterwards), filled
with a synthetic county-year (`--quick`: a tenth of the daily volumes)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from domain.periods import SHANGHAI
from service.application.services import Container
from service.bootstrap import bootstrap
from service.config.clock import SettableClock
from service.config.persistence import persistence_env, store_kind
from service.config.settings import Settings
from service.devtools.synthetic import generate
from service.documents.importers import import_attendance

ROOT = Path(__file__).resolve().parents[2]
# The import writes 2,000 rows per transaction; its baseline writes as many (release 0.1's
# baseline wrote 100 per transaction, which flattered the ratio).
RAW_ROWS_PER_TRANSACTION = 2000


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: str
    baseline_value: float
    ratio: float
    goal: str
    met: bool


class Probe(Aggregate):
    """The baseline's small aggregate: one event, saved one per transaction."""

    @event("Made")
    def __init__(self, n: int):
        self.n = n


class ProbeApp(Application):
    name = "Probe"


@contextmanager
def scratch(database_url: str) -> Iterator[str]:
    if store_kind(database_url) == "sqlite":
        folder = tempfile.mkdtemp(prefix="ledger-bench-")
        try:
            yield f"sqlite:///{folder}/bench.sqlite3"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    base = database_url.split("?")[0]
    try:
        yield f"{base}?schema={schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(calls: int, workers: int, call: Callable[[int], None]) -> tuple[float, list[float]]:
    """Runs `call(i)` `calls` times on `workers` threads: (calls per second, latencies in ms)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        started = time.perf_counter()
        call(i)
        with lock:
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(calls)))
    return calls / (time.perf_counter() - started), latencies


def figure(name: str, value: float, unit: str, baseline: str, baseline_value: float, goal: str,
           higher_is_better: bool, threshold: float, extra_ok: bool = True) -> Figure:
    ratio = value / baseline_value if baseline_value else 0.0
    met = (ratio >= threshold if higher_is_better else ratio <= threshold) and extra_ok
    return Figure(name, round(value, 2), unit, baseline, round(baseline_value, 2), round(ratio, 3), goal, met)


def run(settings: Settings, quick: bool, say: Callable[[str], None], counties: int = 1) -> list[Figure]:
    """`counties` > 1 is the ten-county slice: the same figures over a log `counties` times longer
    (the standings then rank every county's workers together, as the service has no county filter)."""
    figures: list[Figure] = []
    with scratch(settings.database_url) as url:
        clock = SettableClock(datetime(2022, 1, 1, tzinfo=SHANGHAI))
        container = bootstrap(Settings(database_url=url, scheduler=False, pool_size=10), clock)
        try:
            say(f"generating {counties} synthetic county-year(s)" + (" (a tenth of the volumes)" if quick else ""))
            generate(container, clock, counties, 7, 2022, scale=0.1 if quick else 1.0)
            end = container.ledger.projection.log_end()
            say(f"log of {end:,} events")
            figures.append(_rebuild(container, end))
            figures += _reads(container, quick)
            figures.append(_import(container, url, clock, quick))
        finally:
            container.close()
        figures.append(_http(url, quick, say))
    return figures


def _raw_read_rate(container: Container, end: int) -> float:
    recorder, mapper = container.ledger.recorder, container.ledger.mapper
    started, start = time.perf_counter(), 0
    while start < end:
        page = recorder.select_notifications(start=start, limit=500, stop=end, inclusive_of_start=False)
        if not page:
            break
        for n in page:
            mapper.to_domain_event(n)
        start = page[-1].id
    return end / (time.perf_counter() - started)


def _rebuild(container: Container, end: int) -> Figure:
    baseline = _raw_read_rate(container, end)
    started = time.perf_counter()
    container.ledger.projection.rebuild()  # as `evalctl rebuild` does it
    rate = end / (time.perf_counter() - started)
    return figure("projection rebuild (evalctl rebuild)", rate, "events/s",
                  "library select_notifications (pages of 500) + mapper.to_domain_event", baseline, "ratio ≥ 0.5",
                  True, 0.5)


def _reads(container: Container, quick: bool) -> list[Figure]:
    projection = container.ledger.projection
    store = projection.store
    calls = 200 if quick else 800

    def standings(_: int) -> None:
        projection.standings("worker", "2022H1")

    def raw(_: int) -> None:
        with store.transaction(commit=False) as cur:
            cur.all("SELECT s.*, c.total, c.bonus, c.vetoed, c.veto_reasons FROM {p}rm_subjects s LEFT JOIN {p}rm_cards c"
                    " ON c.subject_id = s.subject_id AND c.period = ? WHERE s.kind = ?", ["2022H1", "worker"])

    workers = len(projection.subjects_of_kind("worker"))
    _, ours = timed(calls, 16, standings)
    _, base = timed(calls, 16, raw)
    p99, base_p99 = percentile(ours, 99), percentile(base, 99)
    with store.transaction(commit=False) as cur:
        # The goal names a subject with 500 records: the one nearest that, so that logs of
        # different lengths are compared on subjects alike (the busiest grows with the log).
        row = cur.one("SELECT subject_id, period, COUNT(*) AS n FROM {p}rm_entries WHERE version_to IS NULL"
                      " GROUP BY subject_id, period ORDER BY ABS(COUNT(*) - 500), subject_id LIMIT 1")
    subject, period, touches = row["subject_id"], row["period"], int(row["n"])
    position = projection.position()
    as_of = [_ms(lambda: projection.card_at(subject, period, position)) for _ in range(30)]
    live = [_ms(lambda: projection.card(projection.subject(subject), period)) for _ in range(30)]
    p50, live_p50 = statistics.median(as_of), statistics.median(live)
    return [
        figure(f"standings of {workers} workers, p99 under 16 readers", p99, "ms", "raw SELECT of the same rows",
               base_p99, "< 50 ms", False, float("inf"), p99 < 50),
        figure(f"as-of scorecard, subject with {touches} records, log of {position:,} events, p50", p50, "ms",
               "the same subject's live scorecard", live_p50, "< 10 ms", False, float("inf"), p50 < 10),
    ]


def _ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _attendance_file(rows: int) -> bytes:
    lines = ["工号,日期,类型,分钟,请假"]
    day, n = date(2023, 1, 2), 0
    while n < rows:
        if day.weekday() < 5:
            for g in range(600):
                if n == rows:
                    break
                lines.append(f"C000-G{g:04d},{day.isoformat()},{'迟到' if g % 2 else '早退'},{1 + g % 60},否")
                n += 1
        day += timedelta(days=1)
    return "\n".join(lines).encode()


def _import(container: Container, url: str, clock: SettableClock, quick: bool) -> Figure:
    rows = 10_000 if quick else 50_000
    data = _attendance_file(rows)
    clock.set(datetime(2023, 6, 29, 18, tzinfo=SHANGHAI))
    started = time.perf_counter()
    import_attendance(container, data, "bench")
    rate = rows / (time.perf_counter() - started)
    return figure("attendance import", rate, "rows/s",
                  f"raw executemany into an events-shaped table, {RAW_ROWS_PER_TRANSACTION} rows per transaction",
                  _raw_insert_rate(url, rows), "ratio ≥ 0.5", True, 0.5)


def _raw_insert_rate(url: str, rows: int) -> float:
    table = "bench_raw_events"
    create = (f"CREATE TABLE {table} (originator_id TEXT, originator_version INTEGER, topic TEXT, state BYTEA,"
              " PRIMARY KEY (originator_id, originator_version))")
    values = [(uuid.uuid4().hex, 1, "domain.records:Record.Created", b'{"x": 1}' * 40) for _ in range(rows)]
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute(create.replace("BYTEA", "BLOB"))
        started = time.perf_counter()
        for i in range(0, rows, RAW_ROWS_PER_TRANSACTION):
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", values[i:i + RAW_ROWS_PER_TRANSACTION])
            conn.execute("COMMIT")
        rate = rows / (time.perf_counter() - started)
        conn.close()
        return rate
    schema = url.split("schema=")[1]
    with psycopg.connect(url.split("?")[0]) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute(create)
        conn.commit()
        started = time.perf_counter()
        for i in range(0, rows, RAW_ROWS_PER_TRANSACTION):
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s, %s)", values[i:i + RAW_ROWS_PER_TRANSACTION])
            conn.commit()
        return rows / (time.perf_counter() - started)


def _http(url: str, quick: bool, say: Callable[[str], None]) -> Figure:
    calls = 400 if quick else 2000
    # SQLite's table names are fixed: the baseline application gets a file of its own.
    probe_url = url.replace("bench.sqlite3", "probe.sqlite3") if url.startswith("sqlite") else url
    probe = ProbeApp(env=persistence_env(probe_url, pool_size=10))
    baseline, _ = timed(calls, 8, lambda i: probe.save(Probe(n=i)))
    probe.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = uuid.uuid4().hex
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "service.http.app:create_app", "--port", str(port),
         "--log-level", "warning"], cwd=ROOT,
        env={**os.environ, "EVAL_DATABASE_URL": url, "EVAL_NOW": "2023-06-29T18:00:00+08:00",
             "EVAL_ADMIN_TOKEN": token, "EVAL_SCHEDULER": "false"})
    try:
        for _ in range(300):
            try:
                if _request(port, "GET", "/api/health", {})[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        # Inspectors record against workers: the common case (a hall's record re-ranks every hall).
        # Each record goes to the next of the county's workers, as several inspectors on patrol
        # would; piling all of them on one worker would measure a history no worker has.
        found = json.loads(_request(port, "GET", "/api/subjects?kind=worker", headers)[1])
        workers = [item["id"] for item in found["items"]][:200]
        clients = threading.local()

        def post(i: int) -> None:
            if not hasattr(clients, "connection"):  # one kept-alive connection per client thread
                clients.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            body = {"subject_id": workers[i % len(workers)], "rule_id": "A1.2.4",
                    "occurred_at": "2023-06-01T10:00:00+08:00", "source": "patrol"}
            clients.connection.request("POST", "/api/records", json.dumps(body), headers)
            answer = clients.connection.getresponse()
            text = answer.read()
            if answer.status != 201:
                raise RuntimeError(text.decode())

        say(f"{calls} records over HTTP from 8 clients")
        rate, latencies = timed(calls, 8, post)
    finally:
        server.terminate()
        server.wait(timeout=10)
    result = figure("single record over HTTP (a worker), 8 clients", rate, "records/s",
                    "library save() of one small aggregate per transaction, 8 threads", baseline, "ratio ≥ 0.7",
                    True, 0.7)
    result.name += f" (p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 99):.1f} ms)"
    return result


def _request(port: int, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One request to the bench's own server (the standard library's client: a production
    install runs the bench without any development package)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def as_json(figures: list[Figure]) -> dict:
    return {"figures": [asdict(f) for f in figures]}
