"""The demonstration county (evalctl demo): the current period has something on every page, the
half-year before is played to its final list, and each role gets an account; a second load
changes nothing."""

from __future__ import annotations

from datetime import datetime

from service.config.clock import SettableClock
from service.devtools.demo import ACCOUNTS, load_demo
from tests.conftest import make_container


def test_the_demo_fills_the_current_period_and_plays_the_previous_round_to_its_end(database_url):
    clock = SettableClock(datetime.fromisoformat("2022-11-10T10:00:00+08:00"))
    c = make_container(database_url, clock)
    try:
        said: list[str] = []
        load_demo(c, clock, said.append)
        assert clock.now() == datetime.fromisoformat("2022-11-10T10:00:00+08:00")  # back to now
        assert "2022H2" in said[0] and "2022H1" in said[0]
        assert [line.split()[0] for line in said[2:]] == [username for username, _, _ in ACCOUNTS]
        previous = c.rounds.round("worker", c.rounds.period("worker", "2022H1"))
        assert previous.status == "final" and len(previous.final["removed"]) == 1
        _, standings = c.ledger.projection.standings("worker", "2022H2")
        assert any(i["vetoed"] for i in standings) and any(i["total"] < 100 for i in standings)
        assert sum(1 for i in standings if i["nominated"]) == 3  # nominations are open until 20 December
        assert c.ledger.projection.open_items("complaint", 10)["count"] == 1
        assert c.ledger.projection.open_items("dispute", 10)["count"] == 1
        end = c.ledger.projection.log_end()
        load_demo(c, clock, said.append)
        assert "已存在" in said[-1] and c.ledger.projection.log_end() == end
    finally:
        c.close()
