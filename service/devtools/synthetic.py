"""A deterministic synthetic history for benchmarks and rehearsals (`evalctl demo --counties N
--seed S`): per county 25 halls, 120 windows and 600 workers, and a year of attendance
exceptions, patrol findings, praise, complaints with verdicts, retractions and hall figures,
entered day by day as they happen (the clock walks through the year, 18:00 each day) through
the same commands as users' writes, in the ledger's bulk mode.

Proportions: a worker's share of exceptions and findings follows a heavy-tailed "propensity",
so most workers have few and a few have many; unexcused absences and lateness over 90
minutes (A1.5.2) and other vetoes are rare. One county-year is about 300,000 events. The same
seed gives the same history (record ids aside, which are random UUIDs)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from domain.errors import Refused
from domain.periods import SHANGHAI
from service.application.services import Container
from service.config.clock import SettableClock

HALLS, WINDOWS_PER_HALL, WORKERS_PER_WINDOW = 25, 4.8, 5
VOLUMES = {"attendance": 900, "findings": 200, "praise": 30, "complaints": 8, "retractions": 6}  # per workday
WORKER_FINDINGS = ["A1.1.2", "A1.1.4a", "A1.1.4b", "A1.1.5", "A1.2.1", "A1.2.2", "A1.2.3", "A1.2.4", "A1.2.5",
                   "A1.3.1", "A1.3.2", "A1.4.1", "A1.4.2", "A1.4.3"]
WORKER_VETOES = ["A1.5.1", "A1.5.3", "A1.5.5", "A1.5.7"]
WINDOW_FINDINGS = ["A2.2.4", "A2.2.5", "A2.3.3a", "A2.3.3b", "A2.3.4", "A2.3.5", "A2.4.3"]
HALL_FINDINGS = ["A3.1.2", "A3.1.3", "A3.2.1", "A3.2.2", "A3.2.5", "A3.3.1", "A3.3.2", "A3.3.3", "A3.4.2", "A3.5.1"]


@dataclass
class County:
    halls: list[str] = field(default_factory=list)
    windows: list[str] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)  # cumulative, for random.choices


@dataclass
class Stats:
    subjects: int = 0
    writes: int = 0
    refused: int = 0


def generate(c: Container, clock: SettableClock, counties: int, seed: int, year: int,
             on_day: Callable[[date], None] | None = None, scale: float = 1.0) -> Stats:
    """`scale` shrinks the daily volumes (benchmarks' --quick); the roster stays a county's."""
    rng = random.Random(seed)
    volumes = {name: max(1, round(value * scale)) for name, value in VOLUMES.items()}
    stats = Stats()
    clock.set(datetime.combine(date(year, 1, 1), time(8), tzinfo=SHANGHAI))
    with c.ledger.batched(size=2000):
        places = [_roster(c, rng, n, stats) for n in range(counties)]
        recent: list[str] = []
        complaints: list[tuple[date, str]] = []
        day = date(year, 1, 1)
        while day.year == year:
            clock.set(datetime.combine(day, time(18), tzinfo=SHANGHAI))
            if day.weekday() < 5:
                for county in places:
                    _workday(c, rng, county, day, recent, complaints, stats, volumes)
            _verdicts(c, rng, day, complaints, stats)
            if day == date(year, 12, 20):
                for county in places:
                    _figures(c, rng, county, year, stats)
            if on_day is not None:
                on_day(day)
            day += timedelta(days=1)
    return stats


def _write(stats: Stats, step: Callable[[], object]) -> object | None:
    try:
        saved = step()
    except Refused:
        stats.refused += 1
        return None
    stats.writes += 1
    return saved


def _roster(c: Container, rng: random.Random, n: int, stats: Stats) -> County:
    county = County()
    unit = f"第{n + 1}县"
    for h in range(HALLS):
        name = f"{unit}政务服务中心" if h == 0 else f"{unit}第{h}便民服务中心"
        county.halls.append(c.roster.create("demo", "hall", name, name, f"C{n:03d}-H{h:02d}", None, None).id)
    for w in range(round(HALLS * WINDOWS_PER_HALL)):
        hall = county.halls[w % HALLS]
        county.windows.append(c.roster.create("demo", "window", f"窗口{w + 1:03d}", f"{unit}部门{w % 40 + 1}",
                                                    f"C{n:03d}-W{w:03d}", hall, None).id)
    for g in range(len(county.windows) * WORKERS_PER_WINDOW):
        window = county.windows[g // WORKERS_PER_WINDOW]
        county.workers.append(c.roster.create("demo", "worker", f"工作人员{n + 1}-{g + 1:04d}",
                                                    f"{unit}部门{(g // WORKERS_PER_WINDOW) % 40 + 1}",
                                                    f"C{n:03d}-G{g:04d}", window, None).id)
    stats.subjects += len(county.halls) + len(county.windows) + len(county.workers)
    propensity = [rng.paretovariate(2.5) for _ in county.workers]
    county.weights = list(itertools.accumulate(propensity))
    return county


def _at(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(8 + rng.randrange(9), rng.randrange(60)), tzinfo=SHANGHAI)


def _workday(c: Container, rng: random.Random, county: County, day: date, recent: list[str],
             complaints: list[tuple[date, str]], stats: Stats, volumes: dict[str, int]) -> None:
    seen: set[tuple[str, str]] = set()
    draws = 0
    while len(seen) < volumes["attendance"] and draws < 4 * volumes["attendance"]:
        draws += 1
        worker = rng.choices(county.workers, cum_weights=county.weights)[0]
        kind = "absent" if rng.random() < 0.0003 else ("late" if rng.random() < 0.7 else "early_leave")
        if (worker, kind) in seen:  # one row per worker, day and kind (the row's natural identity)
            continue
        seen.add((worker, kind))
        minutes = None if kind == "absent" else (rng.randint(91, 180) if rng.random() < 0.0005 else rng.randint(1, 60))
        excused = rng.random() < 0.3
        _write(stats, lambda w=worker, k=kind, m=minutes, e=excused: c.records.attendance("attendance", w, day, k, m, e))
    for _ in range(volumes["findings"]):
        roll = rng.random()
        if roll < 0.85:
            subject = rng.choices(county.workers, cum_weights=county.weights)[0]
            rule = rng.choice(WORKER_VETOES) if rng.random() < 0.0008 else rng.choice(WORKER_FINDINGS)
        elif roll < 0.97:
            subject, rule = rng.choice(county.windows), rng.choice(WINDOW_FINDINGS)
        else:
            subject, rule = rng.choice(county.halls), rng.choice(HALL_FINDINGS)
        saved = _write(stats, lambda s=subject, r=rule: c.records.record("inspector", s, r, _at(rng, day), "patrol"))
        if saved is not None:
            recent.append(saved.id)
            del recent[:-500]
    for _ in range(volumes["praise"]):
        worker = rng.choice(county.workers)
        _write(stats, lambda w=worker: c.records.record("office", w, "A1.6.1", _at(rng, day), "other", "群众送锦旗"))
    for _ in range(volumes["complaints"]):
        subject = rng.choices(county.workers, cum_weights=county.weights)[0] if rng.random() < 0.8 else \
            rng.choice(county.windows)
        saved = _write(stats, lambda s=subject: c.complaints.file("office", s, _at(rng, day), "12345热线", "群众投诉"))
        if saved is not None:
            complaints.append((day, saved.id))
    for _ in range(volumes["retractions"]):
        if recent:
            record_id = recent.pop(rng.randrange(len(recent)))
            _write(stats, lambda r=record_id: c.records.retract("office", r, "复核撤销"))


def _verdicts(c: Container, rng: random.Random, day: date, complaints: list[tuple[date, str]],
              stats: Stats) -> None:
    """Complaints are decided about a week after they arrive; a few in ten are substantiated."""
    while complaints and complaints[0][0] <= day - timedelta(days=7):
        _, complaint_id = complaints.pop(0)
        upheld = rng.random() < 0.05
        _write(stats, lambda i=complaint_id, u=upheld: c.complaints.judge("office", i, u, "核查结论"))


def _figures(c: Container, rng: random.Random, county: County, year: int, stats: Stats) -> None:
    systems = ["服务承诺制", "限时办结制", "首问责任制", "AB岗工作制", "责任追究制", "一次性告知制"]
    for hall in county.halls:
        figures = {"case_volume": rng.randint(2000, 60000), "wrong_elements": rng.randint(0, 6),
                   "systems_missing": rng.sample(systems, rng.choice([0, 0, 0, 1, 2])),
                   "satisfaction_rate": round(rng.uniform(0.97, 1.0), 4)}
        _write(stats, lambda h=hall, f=figures: c.figures.report("platform", h, year, f))
