"""Odd input gets a 4xx naming the field, never a 500 (#13 item 11 and the low item on points):
times at the calendar's ends or with offsets beyond ±14:00, period ids outside 2000-2099 or not
ASCII, a period before the first rulebook, dates out of range, blank, zero-width or
direction-changing names, and points finer than the rulebook's step. Refused before the store
is asked, so on SQLite."""

from __future__ import annotations

import pytest

from tests.api import Api, account, bearer

ENDS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00Z",
        "2022-06-01T10:00:00+15:00", "2022-06-01T10:00:00-23:59", "1999-12-31T23:00:00+08:00"]
PERIODS = ["0000", "0000H1", "9999H2", "1999H2", "２０２２H1", "2022h1"]


@pytest.fixture
def county(sqlite_client, clock):
    api = Api(sqlite_client, clock)
    hall = api.subject("hall", "县政务服务中心", "H1")
    window = api.subject("window", "社保窗口", "W1", hall)
    worker = api.subject("worker", "张三", "G1", window)
    return api, {"hall": hall, "window": window, "worker": worker}


def refused(api: Api, method: str, path: str, field: str, body: dict | None = None, params: dict | None = None,
            headers: dict | None = None) -> None:
    answer = api.client.request(method, path, json=body, params=params, headers=headers or api.headers)
    assert 400 <= answer.status_code < 500, (method, path, body, params, answer.status_code, answer.text)
    named = [d["field"] for d in answer.json()["detail"]]
    assert any(field == n or n.endswith(field) for n in named), (path, body, params, named)


@pytest.mark.parametrize("moment", ENDS)
def test_times_at_the_calendars_ends_or_with_impossible_offsets_are_refused_naming_the_field(county, moment):
    api, s = county
    before = api.log_end()
    refused(api, "POST", "/api/records", "occurred_at",
            {"subject_id": s["worker"], "rule_id": "A1.1.2", "occurred_at": moment, "source": "patrol"})
    refused(api, "POST", "/api/complaints", "received_at",
            {"subject_id": s["worker"], "received_at": moment, "channel": "12345", "summary": "推诿"})
    refused(api, "POST", "/api/subjects", "effective_at",
            {"kind": "hall", "name": "新大厅", "unit": "县", "effective_at": moment})
    refused(api, "POST", f"/api/subjects/{s['worker']}/assignment", "effective_at",
            {"parent_id": s["window"], "effective_at": moment})
    refused(api, "GET", f"/api/subjects/{s['worker']}/scorecard", "as_of", params={"period": "2022H1", "as_of": moment})
    assert api.log_end() == before


def test_the_audit_log_refuses_since_and_until_at_the_calendars_ends(county):
    api, _ = county
    auditor = bearer(account(api, "audit_admin")["token"])
    for moment in ENDS[:3]:
        refused(api, "GET", "/api/audit-log", "since", params={"since": moment}, headers=auditor)
        refused(api, "GET", "/api/audit-log", "until", params={"until": moment}, headers=auditor)


@pytest.mark.parametrize("period", PERIODS)
def test_period_ids_outside_the_products_years_are_refused_naming_the_period(county, period):
    api, s = county
    refused(api, "GET", f"/api/periods/{period}/standings", "period", params={"kind": "worker"})
    refused(api, "GET", f"/api/periods/{period}", "period", params={"kind": "hall"})
    refused(api, "POST", f"/api/periods/{period}/close", "period", {}, params={"kind": "worker"})
    refused(api, "GET", f"/api/subjects/{s['worker']}/scorecard", "period", params={"period": period})
    refused(api, "GET", f"/api/periods/{period}/scores.xlsx", "period", params={"kind": "worker"})
    refused(api, "GET", f"/api/subjects/{s['hall']}/dossier", "period", params={"period": period})
    public = api.client.get(f"/notice/{period}", params={"kind": "hall"})
    assert 400 <= public.status_code < 500 and "考评期" in public.text


def test_a_period_before_the_first_rulebook_cannot_be_closed(county):
    api, _ = county
    before = api.log_end()
    for period, kind in (("2000H1", "worker"), ("2021H2", "window"), ("2021", "hall")):
        refused(api, "POST", f"/api/periods/{period}/close", "period", {}, params={"kind": kind})
    assert api.log_end() == before


def test_dates_out_of_range_and_names_that_are_blank_or_change_direction_are_refused(county):
    api, s = county
    for day in ("0001-01-01", "9999-12-31"):
        refused(api, "POST", "/api/attendance", "date", {"worker_id": s["worker"], "date": day, "kind": "absent"})
        refused(api, "PUT", f"/api/calendar/{day}", "day", {"kind": "holiday", "name": "假日"})
    for name in ("\u200b", "\u202e假日", " "):
        refused(api, "PUT", "/api/calendar/2022-10-01", "name", {"kind": "holiday", "name": name})
        refused(api, "POST", "/api/complaints", "channel", {"subject_id": s["worker"], "channel": name, "summary": "推诿",
                                                           "received_at": "2022-06-01T10:00:00+08:00"})


@pytest.mark.parametrize("points, accepted", [("0.3", False), ("1e-30", False), ("2.25", False), ("2.5", True),
                                              ("3", True)])
def test_points_are_whole_steps_of_the_rulebooks_half_point(county, points, accepted):
    api, s = county
    body = {"subject_id": s["worker"], "rule_id": "A1.6.3", "occurred_at": "2022-06-01T10:00:00+08:00",
            "source": "patrol", "points": points}
    if accepted:
        assert api.post("/api/records", body)["points"] == float(points)
    else:
        refused(api, "POST", "/api/records", "points", body)
