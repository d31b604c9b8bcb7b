"""Rulebook versions the office loads (#17), over HTTP on SQLite and PostgreSQL: a 2023 version
loaded through the API, read back in the shape it was put; a round across the year boundary
whose look-back records are carried, mapped and dropped (and the log never poisoned); a version
in use, the shipped one and one that would change a closed period refused; an invalid upload
answering every problem; a preview equal to the standings of a store where that version was in
force all along; roll-ups following the version that takes a period over. After each: the live
read model equals a replay of the log, as of every position too."""

from __future__ import annotations

import copy
from datetime import datetime

import pytest

from domain.rulebook import RulebookLibrary, parse_rulebook
from domain.rulebook_versions import RulebookVersion
from projections import chain
from projections.replay import replay_scorecard
from projections.verify import verify
from service.bootstrap import bootstrap
from service.config.clock import SettableClock
from service.config.settings import Settings
from tests.api import Api, account, as_user
from tests.conftest import ADMIN_TOKEN
from tests.rulebook_variants import variant


@pytest.fixture
def api(client, clock) -> Api:
    clock.set(datetime.fromisoformat("2022-12-10T10:00:00+08:00"))
    return Api(client, clock)


def put(api: Api, version: str, body, expect: int = 201) -> dict:
    api.clock.advance(minutes=1)
    answer = api.client.put(f"/api/rulebooks/{version}", json=body, headers=api.headers)
    assert answer.status_code == expect, answer.text
    return answer.json()


def edited(api: Api, version: str, effective_from: str = "2023-01-01", **change) -> dict:
    """The shipped 2022 rulebook as the API answers it, made into another version."""
    return variant(api.get("/api/rulebooks/2022"), version, effective_from, title=f"{version} 年考评标准(测试)", **change)


def line_of(card: dict, record_id: str) -> dict:
    [line] = [e for e in card["entries"] if e["record_id"] == record_id]
    return line


def replay_equals_live_at_every_position(api: Api, subjects: list[str], periods: list[str]) -> None:
    ledger = api.container.ledger
    projection = ledger.projection
    assert verify(projection)[1] == []
    assert chain.verify(ledger.recorder, projection.store).ok
    for position in range(1, projection.position() + 1):
        for subject_id in subjects:
            for period in periods:
                replayed = replay_scorecard(ledger.recorder, ledger.mapper, ledger.rulebooks, subject_id, period, position)
                as_of = projection.card_at(subject_id, period, position)
                assert (replayed.as_dict() if replayed else None) == as_of, (position, subject_id, period)


# --- loading a version ---------------------------------------------------------------------------

def test_a_2023_version_loaded_through_the_api_reads_back_as_put_and_scores_2023(api):
    assert [(b["version"], b["shipped"]) for b in api.get("/api/rulebooks")] == [("2022", True)]
    window = api.subject("window", "社保窗口", "W1", api.subject("hall", "县政务服务中心", "H1"))
    worker = api.subject("worker", "张三", "G1", window)
    before = api.record(worker, "A1.1.2", "2022-12-09T10:00:00+08:00")

    sent = edited(api, "2023", points={"A1.1.2": 3})
    answer = put(api, "2023", sent)
    assert (answer["version"], answer["effective_from"], answer["warnings"]) == ("2023", "2023-01-01", [])
    assert api.get("/api/rulebooks/2023") == sent  # the shape GET answers is the shape PUT takes
    listed = {b["version"]: b for b in api.get("/api/rulebooks")}
    assert listed["2023"]["shipped"] is False and listed["2023"]["loaded_by"] and listed["2023"]["in_use"] is False
    diff = api.get("/api/rulebooks/2023/diff", **{"from": "2022"})
    assert diff["rules"]["changed"] == [{"id": "A1.1.2", "changes": [{"field": "points", "from": 5, "to": 3}]}]
    assert diff["rules"]["added"] == diff["rules"]["removed"] == []
    assert {c["field"] for c in diff["version"]} == {"title", "effective_from"}

    api.clock.set(datetime.fromisoformat("2023-01-10T10:00:00+08:00"))
    api.container.rounds.tick()
    after = api.record(worker, "A1.1.2", "2023-01-09T10:00:00+08:00")
    assert line_of(api.card(worker, "2022H2"), before["id"])["delta"] == -5  # 2022 stays under 2022
    card = api.card(worker, "2023H1")
    assert card["rulebook"] == "2023" and card["total"] == 97 and line_of(card, after["id"])["delta"] == -3
    assert api.get("/api/rulebooks")[1]["in_use"] is True
    replay_equals_live_at_every_position(api, [worker, window], ["2022H2", "2023H1"])


def test_a_round_across_the_year_boundary_carries_maps_and_drops_look_back_records(api):
    """A3.5.3 and A3.6.1 look back (近两年来): a 2022 finding counts in 2022 and 2023. The 2023
    version first lacks A3.5.3 (dropped: held, saying why) and keeps A3.6.1 (carried); loaded
    again before anything is scored under it, it maps A3.5.3 to A3.5.4 (8 points) and drops
    A3.6.1. The 2022 round closes under 2022 across the boundary; every write still commits."""
    h1, h2, h3 = (api.subject("hall", f"大厅{i}", f"H{i}") for i in (1, 2, 3))
    finding = api.record(h1, "A3.5.3", "2022-11-01T10:00:00+08:00")["id"]
    notice = api.record(h2, "A3.6.1", "2022-11-02T10:00:00+08:00", source="supervision")["id"]

    first = put(api, "2023", edited(api, "2023", drop=("A3.5.3",)))
    assert any("A3.5.3" in w["message"] for w in first["warnings"])  # records that will not count
    dropped = line_of(api.card(h1, "2023"), finding)
    assert dropped["effective"] is False and "A3.5.3" in dropped["reason"] and api.card(h1, "2023")["total"] == 100
    assert api.card(h2, "2023")["veto_reasons"] == ["A3.6.1"]  # carried: the same id
    assert api.card(h1, "2022")["total"] == 90 and api.card(h2, "2022")["vetoed"]  # 2022 as it was
    api.record(h3, "A3.1.2", "2022-12-01T10:00:00+08:00")  # later writes commit as before

    mapped = edited(api, "2023", drop=("A3.6.1",), rename={"A3.5.3": "A3.5.4"}, points={"A3.5.3": 8},
                    carries_from={"A3.5.3": "A3.5.4"})
    second = put(api, "2023", mapped)
    assert any("A3.6.1" in w["message"] for w in second["warnings"])
    carried = line_of(api.card(h1, "2023"), finding)
    assert (carried["rule_id"], carried["recorded_rule_id"], carried["delta"], carried["effective"]) == \
        ("A3.5.4", "A3.5.3", -8, True)
    assert api.card(h1, "2023")["total"] == 92
    held = line_of(api.card(h2, "2023"), notice)
    assert held["effective"] is False and "A3.6.1" in held["reason"] and not api.card(h2, "2023")["vetoed"]

    api.clock.set(datetime.fromisoformat("2023-01-05T09:00:00+08:00"))
    api.container.rounds.tick()  # the 2022 round closes across the boundary, under 2022
    closed = api.get("/api/periods/2022", kind="hall")
    assert closed["status"] == "closed" and closed["rulebook"] == "2022"
    frozen = {s["code"]: (s["total"], s["vetoed"]) for s in api.get("/api/periods/2022/standings", kind="hall")["items"]}
    assert frozen == {"H1": (90, False), "H2": (100, True), "H3": (95, False)}
    now = {s["code"]: (s["total"], s["vetoed"]) for s in api.get("/api/periods/2023/standings", kind="hall")["items"]}
    assert now == {"H1": (92, False), "H2": (100, False), "H3": (100, False)}
    api.record(h3, "A3.5.4", "2023-01-04T10:00:00+08:00")  # a 2023 rule, in 2023
    assert api.card(h3, "2023")["total"] == 92
    replay_equals_live_at_every_position(api, [h1, h2, h3], ["2022", "2023"])


def test_roll_ups_follow_the_version_that_takes_a_period_over(api):
    """Records of January 2023 were made before the 2023 version was loaded (under 2022): loaded
    in February, it takes 2023H1 over. Its A1.5.2 no longer rolls up to the window, and A1.1.2
    takes 2 points: the worker's card and the window's follow, and the cards as they stood
    before say what they said then."""
    api.clock.set(datetime.fromisoformat("2023-02-01T10:00:00+08:00"))
    window = api.subject("window", "社保窗口", "W1", api.subject("hall", "县政务服务中心", "H1"))
    worker = api.subject("worker", "张三", "G1", window)
    absent = api.record(worker, "A1.5.2", "2023-01-20T10:00:00+08:00")["id"]
    api.record(worker, "A1.1.2", "2023-01-21T10:00:00+08:00")
    assert api.card(window, "2023H1")["veto_reasons"] == ["A2.6.2"]
    before = api.container.ledger.projection.position()

    book = edited(api, "2023", points={"A1.1.2": 2})
    for category in book["categories"]:
        for section in category["sections"]:
            for rule in section["rules"]:
                if rule["id"] == "A1.5.2":
                    del rule["rolls_up_to"]
    put(api, "2023", book)
    assert (api.card(worker, "2023H1")["total"], api.card(worker, "2023H1")["veto_reasons"]) == (98, ["A1.5.2"])
    rolled = line_of(api.card(window, "2023H1"), absent)
    assert not api.card(window, "2023H1")["vetoed"] and rolled["effective"] is False and "不计入窗口" in rolled["reason"]
    assert api.card(window, "2023H1", position=before)["vetoed"]
    replay_equals_live_at_every_position(api, [worker, window], ["2023H1"])


# --- refusals ------------------------------------------------------------------------------------

def test_a_version_in_use_the_shipped_one_and_one_changing_a_closed_period_are_refused(api):
    hall = api.subject("hall", "县政务服务中心", "H1")
    put(api, "2023", edited(api, "2023"))
    assert put(api, "2022", edited(api, "2022", effective_from="2022-01-01"), expect=409)["detail"][0]["field"] == \
        "version"

    api.clock.set(datetime.fromisoformat("2023-01-05T10:00:00+08:00"))
    api.record(hall, "A3.1.2", "2023-01-04T10:00:00+08:00")  # now scored under 2023
    before = api.log_end()
    refused = put(api, "2023", edited(api, "2023", points={"A3.1.2": 1}), expect=409)
    assert refused["detail"][0]["field"] == "version" and "2023" in refused["detail"][0]["message"]
    assert put(api, "2023", edited(api, "2023"))["changed"] is False  # the same again changes nothing
    assert api.log_end() == before

    api.clock.set(datetime.fromisoformat("2024-07-02T10:00:00+08:00"))
    api.container.rounds.tick()  # 2023 and 2024H1 close under 2023
    closed = api.log_end()
    late = put(api, "2024", edited(api, "2024", effective_from="2024-01-01"), expect=409)
    assert late["detail"][0]["field"] == "effective_from" and "2024H1" in late["detail"][0]["message"]
    assert api.log_end() == closed
    assert [b["version"] for b in api.get("/api/rulebooks")] == ["2022", "2023"]


def test_the_log_refuses_a_version_taking_over_a_closed_period_even_past_the_service_check(api):
    """A round closed by another process between the service's check and the append: the read
    model, which applies every event under the writers' lock, refuses it, and nothing is kept."""
    from domain.errors import Conflict

    api.clock.set(datetime.fromisoformat("2024-07-02T10:00:00+08:00"))
    api.subject("hall", "县政务服务中心", "H1")
    api.container.rounds.tick()
    ledger = api.container.ledger
    data = edited(api, "2024", effective_from="2024-01-01")
    before = ledger.projection.log_end()
    version = RulebookVersion(rulebook_version="2024", rulebook=data, actor="t", recorded_at=ledger.now())
    with pytest.raises(Conflict) as refused:
        ledger.save_all([version])
    assert "2024H1" in refused.value.message
    assert ledger.projection.log_end() == before and [b["version"] for b in api.get("/api/rulebooks")] == ["2022"]


def test_an_invalid_upload_answers_every_problem_and_writes_nothing(api):
    book = edited(api, "2023", effective_from="2023-07-01")
    worker, window, hall = book["categories"]
    worker["sections"][0]["rules"][0]["effect"] = "fine"  # unknown effect
    worker["sections"][0]["rules"][1]["id"] = "A1.1.1"  # duplicate id
    worker["sections"][1]["max"] = 30  # maxima sum to 105
    window["quota"] = 0
    window["nomination_deadlines"] = {"H1": "07-20", "H2": "12-20"}  # H1's deadline outside H1
    hall["sections"][1]["rules"][5]["figure"]["measure"] = "guess"
    hall["sections"][0]["rules"][0]["points"] = 25  # more than its section's maximum (20)
    worker["sections"][4]["rules"][0]["rolls_up_to"] = "A2.9.9"
    book["settings"]["discretionary_bonus_cap"] = 0
    book["settings"]["attendance_rules"]["absent"] = "A1.9.9"
    book["carries_from"] = {"A3.5.3": "A9.9.9"}
    book["colour"] = "red"
    before = api.log_end()
    detail = put(api, "2023", book, expect=422)["detail"]
    assert {d["field"] for d in detail} == {
        "effective_from", "categories[0].sections[0].rules[0].effect", "categories[0].sections[0].rules[1].id",
        "categories[0].sections", "categories[1].quota", "categories[1].nomination_deadlines.H1",
        "categories[2].sections[1].rules[5].figure.measure", "categories[2].sections[0].rules[0].points",
        "categories[0].sections[4].rules[0].rolls_up_to", "settings.discretionary_bonus_cap",
        "settings.attendance_rules.absent", "carries_from.A3.5.3", "colour"}
    assert all(d["message"] for d in detail)
    assert "1 月 1 日" in next(d["message"] for d in detail if d["field"] == "effective_from")
    assert put(api, "2023", ["not", "an", "object"], expect=422)["detail"][0]["field"] == "body"
    assert put(api, "2023", edited(api, "2024"), expect=422)["detail"][0]["field"] == "version"
    assert api.log_end() == before and [b["version"] for b in api.get("/api/rulebooks")] == ["2022"]
    inspector = as_user(api, account(api, "inspector"))
    assert put(inspector, "2023", edited(api, "2023"), expect=403)


# --- the preview ---------------------------------------------------------------------------------

WORKERS = ("G1", "G2", "G3")


def _history(api: Api) -> None:
    """The same commands in two stores: a window and three workers, findings and a veto."""
    window = api.subject("window", "社保窗口", "W1", api.subject("hall", "县政务服务中心", "H1"))
    other = api.subject("window", "不动产窗口", "W2", api.subject("hall", "分中心", "H2"))
    g1, g2, g3 = (api.subject("worker", f"人员{c}", c, window if c != "G3" else other) for c in WORKERS)
    api.record(g1, "A1.1.2", "2022-03-01T10:00:00+08:00", quantity=3)  # 2022: -15; the variant: -6
    api.record(g2, "A1.2.1", "2022-03-02T10:00:00+08:00", quantity=4)  # -8 either way
    api.record(g3, "A1.5.2", "2022-03-03T10:00:00+08:00")  # vetoes W2 under 2022, not under the variant
    api.record(g3, "A1.1.2", "2022-03-04T10:00:00+08:00")


def _variant(book: dict, version: str, effective_from: str) -> dict:
    changed = copy.deepcopy(book)
    changed.update(version=version, effective_from=effective_from)
    for category in changed["categories"]:
        for section in category["sections"]:
            if section["id"] == "A1.1":
                section["max"] = 30
            if section["id"] == "A1.2":
                section["max"] = 20
            for rule in section["rules"]:
                if rule["id"] == "A1.1.2":
                    rule["points"] = 2
                if rule["id"] == "A1.5.2":
                    del rule["rolls_up_to"]
    return changed


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_preview_equals_the_standings_of_a_store_where_that_version_was_in_force_all_along(store, stores):
    from fastapi.testclient import TestClient

    from service.http.app import create_app

    def county(library: RulebookLibrary | None):
        clock = SettableClock(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
        settings = Settings(database_url=stores.url(store), admin_token=ADMIN_TOKEN, scheduler=False)
        return clock, bootstrap(settings, clock, rulebooks=library)

    clock, here = county(None)
    with TestClient(create_app(container=here)) as client:
        api = Api(client, clock)
        _history(api)
        put(api, "2023", _variant(api.get("/api/rulebooks/2022"), "2023", "2023-01-01"))
        live = {k: api.get("/api/periods/2022H1/standings", kind=k) for k in ("worker", "window")}
        preview = {k: api.get("/api/periods/2022H1/standings", kind=k, rulebook="2023") for k in ("worker", "window")}
        shipped = api.get("/api/rulebooks/2022")
        assert api.get("/api/periods/2022H1/standings", kind="worker") == live["worker"]  # nothing changed
        assert preview["worker"]["preview"] is True and preview["worker"]["governing_rulebook"] == "2022"

    all_along = parse_rulebook(_variant(shipped, "2022", "2022-01-01"))
    clock, there = county(RulebookLibrary([all_along]))
    with TestClient(create_app(container=there)) as client:
        api = Api(client, clock)
        _history(api)
        expected = {k: api.get("/api/periods/2022H1/standings", kind=k) for k in ("worker", "window")}

    def table(answer: dict) -> list[tuple]:
        return [(i["code"], i["total"], i["vetoed"], i["veto_reasons"], i["rank"]) for i in answer["items"]]

    for kind in ("worker", "window"):
        assert table(preview[kind]) == table(expected[kind]), kind
    assert table(live["worker"]) != table(preview["worker"]) and table(live["window"]) != table(preview["window"])
    assert ("G1", 85, False, [], 2) in table(live["worker"]) and ("G1", 94, False, [], 1) in table(preview["worker"])


def test_the_sample_2023_rulebook_loads_and_maps_only_what_2022_named(api):
    """scripts/samples/rulebook-2023.json (an example): 2022's A3.5.3 (吃拿卡要, looking back) is
    A3.5.4 in 2023, and 2023 has an A3.5.3 of its own (12345 hotline). A 2022 finding counts in
    2023 as A3.5.4; a 2023 record naming A3.5.3 is the hotline, never mapped."""
    import json
    from pathlib import Path

    sample = json.loads((Path(__file__).resolve().parents[2] / "scripts" / "samples" / "rulebook-2023.json")
                        .read_text(encoding="utf-8"))
    assert "示例" in sample["title"]
    hall = api.subject("hall", "县政务服务中心", "H1")
    old = api.record(hall, "A3.5.3", "2022-11-01T10:00:00+08:00")["id"]
    assert put(api, "2023", sample)["warnings"][0]["message"].startswith("考评期 2023 已有考评记录")
    assert api.get("/api/rulebooks/2023") == sample
    api.clock.set(datetime.fromisoformat("2023-03-01T10:00:00+08:00"))
    new = api.record(hall, "A3.5.3", "2023-02-28T10:00:00+08:00", quantity=2)["id"]
    card = api.card(hall, "2023")
    assert (line_of(card, old)["rule_id"], line_of(card, old)["delta"]) == ("A3.5.4", -10)
    assert (line_of(card, new)["rule_id"], line_of(card, new)["delta"]) == ("A3.5.3", -4)
    assert card["total"] == 86 and api.card(hall, "2022")["total"] == 90
    replay_equals_live_at_every_position(api, [hall], ["2022", "2023"])
