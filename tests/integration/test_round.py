"""The evaluation round over HTTP, each step and each refusal, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.api import PNG, Api, account, as_user, nomination, upload
from tests.conftest import ADMIN


@pytest.fixture
def api(client, clock) -> Api:
    clock.set(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    return Api(client, clock)


def halls(api: Api, n: int) -> list[str]:
    return [api.subject("hall", f"大厅{i}", f"H{i}", unit=f"单位{i}") for i in range(n)]


def unit_admin(api: Api, unit: str) -> Api:
    return as_user(api, account(api, "unit_admin", unit=unit, username=f"unit-{abs(hash(unit))}"))


# --- nominations and evidence -------------------------------------------------------------------

def test_evidence_is_stored_by_sha256_once_and_refuses_other_files(api):
    first = upload(api)
    assert first["content_type"] == "image/png" and len(first["sha256"]) == 64 and first["size"] == len(PNG)
    assert upload(api, name="again.png")["id"] == first["id"]
    pdf = upload(api, b"%PDF-1.7\n%test", "scan.pdf")
    assert pdf["content_type"] == "application/pdf"
    refused = upload(api, b"MZ\x90\x00 not an image", "tool.exe", expect=422)
    assert refused["detail"][0]["field"] == "file"
    too_big = upload(api, PNG + b"\x00" * (10 * 1024 * 1024), "huge.png", expect=422)
    assert "MB" in too_big["detail"][0]["message"]
    downloaded = api.client.get(f"/api/evidence/{first['id']}/file", headers=ADMIN)
    assert downloaded.content == PNG and downloaded.headers["content-type"] == "image/png"


def test_a_record_refers_to_evidence_that_exists(api):
    [hall] = halls(api, 1)
    photo = upload(api)["id"]
    made = api.record(hall, "A3.1.2", "2022-06-01T10:00:00+08:00", evidence=[photo])
    assert made["evidence"] == [photo]
    assert api.record(hall, "A3.1.2", "2022-06-01T10:00:00+08:00", expect=422,
                      evidence=["00000000-0000-0000-0000-000000000000"])["detail"][0]["field"] == "evidence"


@pytest.mark.parametrize(("change", "field"), [
    ({"self_scores": {"A3.1": 21, "A3.2": 30, "A3.3": 20, "A3.4": 10, "A3.5": 20}}, "self_scores.A3.1"),
    ({"self_scores": {"A3.1": 20}}, "self_scores"),
    ({"self_scores": {"A3.1": 20, "A3.2": 30, "A3.3": 20, "A3.4": 10, "A3.5": 20, "A3.9": 1}}, "self_scores"),
    ({"deeds": "好" * 801}, "deeds"),
    ({"photos": []}, "photos"),
    ({"photos": "FOUR"}, "photos"),
    ({"photos": ["00000000-0000-0000-0000-000000000000"]}, "photos"),
    ({"details": {"name": "大厅"}}, "details.head"),
    ({"period": "2022H1"}, "period"),
])
def test_a_bad_nomination_is_refused_naming_the_field(api, change, field):
    [hall] = halls(api, 1)
    photos = [upload(api, PNG + bytes([i]))["id"] for i in range(4)]
    if change.get("photos") == "FOUR":
        change["photos"] = photos
    before = api.log_end()
    answer = api.post("/api/nominations", nomination(hall, "2022", "hall", photos[:1], **change), expect=422)
    assert answer["detail"][0]["field"] == field
    assert api.log_end() == before


def test_only_the_subjects_own_unit_or_the_office_may_nominate(api):
    hall, other = halls(api, 2)
    mine = unit_admin(api, "单位0")
    photo = upload(mine)["id"]  # a unit nominates with its own photos
    made = mine.post("/api/nominations", nomination(hall, "2022", "hall", [photo]))
    assert made["self_total"] == 90 and made["unit"] == "单位0"
    refused = mine.post("/api/nominations", nomination(other, "2022", "hall", [photo]), expect=403)
    assert refused["detail"][0]["field"] == "subject_id"
    assert api.post("/api/nominations", nomination(other, "2022", "hall", [photo]))["subject_id"] == other
    # A nomination may be revised before the deadline; it stays one nomination.
    revised = mine.post("/api/nominations", nomination(hall, "2022", "hall", [photo], deeds="修改后的事迹"))
    assert revised["id"] == made["id"] and revised["deeds"] == "修改后的事迹"


def test_a_late_nomination_is_refused_naming_the_deadline(api, clock):
    hall = api.subject("hall", "大厅", "H")
    window = api.subject("window", "窗口", "W", hall)
    photo = upload(api)["id"]
    clock.set(datetime.fromisoformat("2022-06-20T23:58:00+08:00"))  # each write moves the clock a minute
    api.post("/api/nominations", nomination(window, "2022H1", "window", [photo]))
    clock.set(datetime.fromisoformat("2022-06-20T23:59:00+08:00"))
    late = api.post("/api/nominations", nomination(window, "2022H1", "window", [photo]), expect=409)
    assert late["detail"][0]["field"] == "period" and "2022年6月20日" in late["detail"][0]["message"]
    api.post("/api/nominations", nomination(hall, "2022", "hall", [photo]))  # halls: 20 December


# --- close, proposal, tie, notice, objections, final --------------------------------------------

def nominated_halls(api: Api, totals: list[int]) -> list[str]:
    """Halls with the given totals (each point below 100 an A3.1 finding), all nominated."""
    ids = halls(api, len(totals))
    photo = upload(api)["id"]
    for hall, total in zip(ids, totals, strict=True):
        for _ in range((100 - total) // 5):
            api.record(hall, "A3.1.2", "2022-05-01T10:00:00+08:00")
        api.post("/api/nominations", nomination(hall, "2022", "hall", [photo]))
    return ids


def test_a_closed_period_refuses_records_for_everyone(api):
    [hall] = nominated_halls(api, [100])
    api.post("/api/periods/2022/close?kind=hall", {})
    refused = api.record(hall, "A3.1.2", "2022-05-02T10:00:00+08:00", expect=409)
    assert "2022" in refused["detail"][0]["message"]
    assert api.post("/api/periods/2022/close?kind=hall", {}, expect=409)["detail"][0]["field"] == "period"


def test_a_tie_across_the_cut_off_is_flagged_and_must_be_decided_before_notice_and_final(api, clock):
    ids = nominated_halls(api, [100, 95, 90, 90, 85, 85, 80])
    vetoed = api.subject("hall", "否决大厅", "HV", unit="单位V")
    api.record(vetoed, "A3.6.2", "2022-05-01T10:00:00+08:00", source="supervision")
    api.post("/api/nominations", nomination(vetoed, "2022", "hall", [upload(api)["id"]]))
    api.subject("hall", "未申报大厅", "HN", unit="单位N")
    closed = api.post("/api/periods/2022/close?kind=hall", {})
    assert closed["status"] == "closed"
    proposal = api.get("/api/periods/2022/proposal", kind="hall")
    assert proposal["quota"] == 5 and proposal["tie_at_cutoff"] is True and proposal["tie_decided"] is False
    assert [i["subject_id"] for i in proposal["items"]] == ids[:6]
    assert [i["rank"] for i in proposal["items"]] == [1, 2, 3, 3, 5, 5]
    assert proposal["tied"] == ids[4:6] and proposal["places_for_tied"] == 1

    assert "并列" in api.post("/api/periods/2022/notice?kind=hall", {}, expect=409)["detail"][0]["message"]
    assert api.post("/api/periods/2022/final?kind=hall", {}, expect=409)
    wrong = api.post("/api/periods/2022/tie-decision?kind=hall", {"chosen": ids[4:6], "note": "x"}, expect=422)
    assert "1 个" in wrong["detail"][0]["message"]
    api.post("/api/periods/2022/tie-decision?kind=hall", {"chosen": [ids[3]], "note": "x"}, expect=422)
    api.post("/api/periods/2022/tie-decision?kind=hall", {"chosen": [ids[5]], "note": "领导小组会议决定"})
    proposal = api.get("/api/periods/2022/proposal", kind="hall")
    assert [i["subject_id"] for i in proposal["items"]] == ids[:4] + [ids[5]] and proposal["tie_decided"]

    published = api.post("/api/periods/2022/notice?kind=hall", {})
    assert published["status"] == "notice"
    notice_days = (datetime.fromisoformat(published["notice_ends"]) - datetime.fromisoformat(published["notice_starts"]))
    assert notice_days.days == 5 and notice_days.seconds == 0  # 5 calendar days by default
    assert api.post("/api/periods/2022/final?kind=hall", {}, expect=409)["detail"][0]["field"] == "period"

    # Anyone may object while it runs (no token); the office rules; an upheld one removes its subject.
    objection = api.client.post("/api/objections", json={"period": "2022", "kind": "hall", "subject_id": ids[1],
                                                         "text": "该大厅存在乱收费问题", "contact": "138"})
    assert objection.status_code == 201 and objection.json()["status"] == "open"
    off_list = api.client.post("/api/objections", json={"period": "2022", "kind": "hall", "subject_id": ids[6],
                                                        "text": "x"})
    assert off_list.status_code == 422
    clock.set(datetime.fromisoformat("2022-06-16T10:00:00+08:00"))
    late = api.client.post("/api/objections", json={"period": "2022", "kind": "hall", "subject_id": ids[0], "text": "x"})
    assert late.status_code == 409
    unruled = api.post("/api/periods/2022/final?kind=hall", {}, expect=409)
    assert "异议" in unruled["detail"][0]["message"]
    api.post(f"/api/objections/{objection.json()['id']}/ruling", {"upheld": True, "note": "经查属实"})
    final = api.post("/api/periods/2022/final?kind=hall", {})
    assert final["status"] == "final"
    assert [i["subject_id"] for i in final["final_list"]] == [ids[0], ids[2], ids[3], ids[5]]
    assert final["removed"] == [{"subject_id": ids[1], "name": "大厅1", "reason": "异议成立:经查属实"}]
    assert api.post("/api/periods/2022/final?kind=hall", {}, expect=409)


def test_nominations_are_listed_with_where_each_stands_and_a_unit_sees_its_own(api, clock):
    ids = nominated_halls(api, [100, 95, 90])
    vetoed = api.subject("hall", "否决大厅", "HV", unit="单位0")
    api.record(vetoed, "A3.6.2", "2022-05-01T10:00:00+08:00", source="supervision")
    api.post("/api/nominations", nomination(vetoed, "2022", "hall", [upload(api)["id"]]))
    listed = api.get("/api/nominations", period="2022", kind="hall")["items"]
    assert [(i["subject_id"], i["state"]) for i in listed] == [(s, "submitted") for s in [*ids, vetoed]]
    assert listed[0]["self_total"] == 90 and listed[0]["name"] == "大厅0" and listed[0]["photos"] == 1
    mine = unit_admin(api, "单位0").get("/api/nominations", period="2022", kind="hall")["items"]
    assert {i["subject_id"] for i in mine} == {ids[0], vetoed}
    assert api.get("/api/nominations", period="2022H1", kind="hall", expect=422)["detail"][0]["field"] == "period"

    api.post("/api/periods/2022/close?kind=hall", {})
    api.post("/api/periods/2022/notice?kind=hall", {})
    states = {i["subject_id"]: i["state"] for i in api.get("/api/nominations", period="2022", kind="hall")["items"]}
    assert states == {ids[0]: "on_notice", ids[1]: "on_notice", ids[2]: "on_notice", vetoed: "vetoed"}
    objection = api.client.post("/api/objections", json={"period": "2022", "kind": "hall", "subject_id": ids[1],
                                                         "text": "有异议"}).json()
    api.post(f"/api/objections/{objection['id']}/ruling", {"upheld": True, "note": "经查属实"})
    clock.advance(days=6)
    api.post("/api/periods/2022/final?kind=hall", {})
    states = {i["subject_id"]: i["state"] for i in api.get("/api/nominations", period="2022", kind="hall")["items"]}
    assert states == {ids[0]: "awarded", ids[1]: "removed", ids[2]: "awarded", vetoed: "vetoed"}


def test_a_round_without_nominations_cannot_publish_an_empty_notice(api):
    halls(api, 2)  # taking part, nobody nominated
    api.post("/api/periods/2022/close?kind=hall", {})
    before = api.log_end()
    refused = api.post("/api/periods/2022/notice?kind=hall", {}, expect=409)
    assert "建议名单为空" in refused["detail"][0]["message"] and api.log_end() == before
    assert api.post("/api/periods/2022/final?kind=hall", {}, expect=409)["detail"][0]["field"] == "period"


def test_the_scheduler_finalises_when_it_can_and_a_second_firing_changes_nothing(api, client, clock):
    nominated_halls(api, [100, 90])
    api.post("/api/periods/2022/close?kind=hall", {})
    api.post("/api/periods/2022/notice?kind=hall", {})
    rounds = client.app.state.container.rounds
    assert rounds.tick() == []  # the notice is still running
    clock.set(datetime.fromisoformat("2022-07-01T00:00:00+08:00"))
    assert sorted(rounds.tick()) == ["close window 2022H1", "close worker 2022H1", "finalise hall 2022"]
    end = api.log_end()
    assert rounds.tick() == []
    assert api.log_end() == end
    assert api.get("/api/periods/2022", kind="hall")["status"] == "final"


def test_a_service_started_after_a_period_ended_closes_it_before_the_first_request(stores):
    from fastapi.testclient import TestClient

    from service.config.clock import SettableClock
    from service.http.app import create_app
    from tests.conftest import make_container

    url = stores.url("sqlite")
    clock = SettableClock(datetime.fromisoformat("2022-06-30T23:00:00+08:00"))
    first = make_container(url, clock)
    with TestClient(create_app(container=first)) as client:
        assert client.get("/api/periods/2022H1", params={"kind": "worker"}, headers=ADMIN).json()["status"] == "open"
    clock.set(datetime.fromisoformat("2022-07-03T09:00:00+08:00"))  # down over the end of June
    with TestClient(create_app(container=make_container(url, clock))) as client:
        for kind in ("worker", "window"):
            period = client.get("/api/periods/2022H1", params={"kind": kind}, headers=ADMIN).json()
            assert period["status"] == "closed" and period["closed_at"].startswith("2022-07-03")
        assert client.get("/api/periods/2022", params={"kind": "hall"}, headers=ADMIN).json()["status"] == "open"


# --- the public notice page ---------------------------------------------------------------------

def test_the_public_notice_page_is_plain_chinese_html_without_javascript(api, client, clock):
    assert client.get("/notice/2022?kind=hall").status_code == 404
    ids = nominated_halls(api, [100, 95])
    api.post("/api/periods/2022/close?kind=hall", {})
    api.post("/api/periods/2022/notice?kind=hall", {})
    page = client.get("/notice/2022?kind=hall")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html and "<script" not in html.lower()
    assert "公示" in html and "大厅0" in html and "大厅1" in html and "8627972" in html
    assert re.search(r"公示时间:2022年6月10日 \d\d:\d\d 至 2022年6月15日", html)
    assert 'action="/notice/2022/objections"' in html
    answer = client.post("/notice/2022/objections", data={"kind": "hall", "subject_id": ids[0], "text": "有异议"})
    assert answer.status_code == 201 and "异议已收到" in answer.text
    assert client.post("/notice/2022/objections", data={"kind": "hall", "subject_id": ids[0],
                                                        "text": " "}).status_code == 422
    clock.set(datetime.fromisoformat("2022-06-20T10:00:00+08:00"))
    closed = client.post("/notice/2022/objections", data={"kind": "hall", "subject_id": ids[0], "text": "迟到的异议"})
    assert closed.status_code == 409 and "公示期" in closed.text
    assert "<form" not in client.get("/notice/2022?kind=hall").text


def test_notice_in_working_days_skips_weekends_and_the_holiday_table():
    from datetime import date

    from domain.round import notice_end

    friday = datetime.fromisoformat("2022-09-30T10:00:00+08:00")
    holidays = {date(2022, 10, d) for d in range(1, 8)}
    workdays = {date(2022, 10, 8), date(2022, 10, 9)}  # 调休: Saturday and Sunday worked
    # 1-7 October are holidays; the 8th and 9th (a weekend) are worked; so 8, 9, 10, 11, 12 October.
    assert notice_end(friday, 5, "working", holidays, workdays).isoformat() == "2022-10-13T00:00:00+08:00"
    assert notice_end(friday, 5, "working", set(), set()).isoformat() == "2022-10-08T00:00:00+08:00"
    assert notice_end(friday, 5, "calendar", holidays, workdays).isoformat() == "2022-10-05T10:00:00+08:00"


def test_the_office_edits_the_holiday_table(api):
    api.client.put("/api/calendar/2022-10-01", json={"kind": "holiday", "name": "国庆节"}, headers=ADMIN)
    api.client.put("/api/calendar/2022-10-08", json={"kind": "workday", "name": "国庆调休"}, headers=ADMIN)
    days = api.get("/api/calendar")["days"]
    assert [(d["date"], d["kind"]) for d in days] == [("2022-10-01", "holiday"), ("2022-10-08", "workday")]
    api.client.delete("/api/calendar/2022-10-08", headers=ADMIN)
    assert [d["date"] for d in api.get("/api/calendar")["days"]] == ["2022-10-01"]


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_service_processes_ticking_at_once_close_each_period_once(store, stores):
    import threading

    from service.config.clock import SettableClock
    from tests.conftest import make_container

    url = stores.url(store)
    clock = SettableClock(datetime.fromisoformat("2023-01-02T09:00:00+08:00"))
    a, b = make_container(url, clock), make_container(url, clock)
    try:
        results: list[list[str]] = []
        threads = [threading.Thread(target=lambda c=c: results.append(c.rounds.tick())) for c in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        done = sorted(line for result in results for line in result)
        assert done == ["close hall 2022", "close window 2022H1", "close window 2022H2",
                        "close worker 2022H1", "close worker 2022H2"]
        end = a.ledger.projection.log_end()
        assert a.rounds.tick() == [] and b.rounds.tick() == []
        assert a.ledger.projection.log_end() == end
    finally:
        a.close()
        b.close()
