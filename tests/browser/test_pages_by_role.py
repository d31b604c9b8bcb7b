"""Every page as the role that uses it, on a 390×844 phone and a 1366×768 desk screen: no
accessibility violation (axe-core), on the phone nothing wider than the screen and every tap
target at least 44 px high."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.api import nomination, upload
from tests.browser.conftest import DESK, PHONE, Live, accessible, fits, login, small_tap_targets
from tests.browser.test_pages import county


def a_county_in_mid_round(live: Live) -> dict[str, str]:
    """Findings, a complaint, a dispute, nominations; the halls' year played to its final list."""
    api = live.api
    ids = county(live)
    record = api.record(ids["zhang"], "A1.2.1", "2022-05-09T09:00:00+08:00", note="未佩戴工作牌")
    api.record(ids["li"], "A1.5.2", "2022-05-09T11:00:00+08:00", note="空岗")
    api.post("/api/complaints", {"subject_id": ids["wang"], "received_at": "2022-05-09T15:00:00+08:00",
                                 "channel": "12345热线", "summary": "办事推诿"})
    other = api.record(ids["wang"], "A1.4.1", "2022-05-09T16:00:00+08:00")
    api.post("/api/disputes", {"record_id": other["id"], "grounds": "当天系统故障"})
    photo = upload(api)["id"]
    made = api.post("/api/nominations", nomination(ids["zhang"], "2022H1", "worker", [photo]))
    second = api.subject("hall", "古宜镇便民服务中心", "H02")
    for hall in (ids["hall"], second):
        api.post("/api/nominations", nomination(hall, "2022", "hall", [photo]))
    api.post("/api/periods/2022/close?kind=hall", {})
    api.post("/api/periods/2022/notice?kind=hall", {})
    live.clock.advance(days=6)
    api.post("/api/periods/2022/final?kind=hall", {})
    live.user("office1", "office_admin", "Office#2022x")
    live.user("inspector1", "inspector", "Patrol#2022x")
    live.user("unit1", "unit_admin", "Unit#2022xx", unit="县政管办")
    live.user("auditadmin1", "audit_admin", "Audit#2022xx")
    live.user("admin1", "system_admin", "System#2022x")
    live.user("secadmin1", "security_admin", "Secure#2022x")
    for _ in range(5):  # a locked account: the security administrator's unlock button shows
        live.api.client.post("/api/auth/login", json={"username": "inspector1", "password": "wrong"})
    return {**ids, "record": record["id"], "nomination": made["id"]}


def pages_of(ids: dict[str, str]) -> dict[str, list[str]]:
    return {
        "office1": ["/ui/", "/ui/desk", "/ui/desk?vetoed=yes&sort=total&order=desc",
                    f"/ui/subjects/{ids['zhang']}?period=2022H1", f"/ui/records/{ids['record']}",
                    "/ui/nominations?kind=worker&period=2022H1", f"/ui/nominations/{ids['nomination']}",
                    f"/ui/nominations/form?subject_id={ids['li']}&period=2022H1", "/ui/roster",
                    f"/ui/roster/{ids['zhang']}", "/ui/complaints/new", "/ui/queues",
                    "/ui/rounds/2022H1?kind=worker", "/ui/rounds/2022H1/confirm?kind=worker&action=close",
                    "/ui/rounds/2022?kind=hall", "/ui/attendance", "/ui/patrol/mine", "/ui/no-such-page"],
        "unit1": ["/ui/nominations?kind=worker&period=2022H1", f"/ui/nominations/form?subject_id={ids['li']}",
                  "/ui/queues", f"/ui/records/{ids['record']}", "/ui/desk"],
        "inspector1": ["/ui/patrol", "/ui/complaints/new"],
        "auditadmin1": ["/ui/audit", "/ui/audit?action=登录"],
        "admin1": ["/ui/accounts"],
        "secadmin1": ["/ui/accounts"],
    }


PASSWORDS = {"office1": "Office#2022x", "unit1": "Unit#2022xx", "inspector1": "Patrol#2022x",
             "auditadmin1": "Audit#2022xx", "admin1": "System#2022x", "secadmin1": "Secure#2022x"}


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_every_page_as_its_role_is_accessible_fits_the_screen_and_has_big_enough_tap_targets(live, open_page,
                                                                                             viewport):
    ids = a_county_in_mid_round(live)
    problems: list[str] = []

    def check(page, path: str) -> None:
        page.goto(live.base + path)
        expect(page.locator("h1")).to_be_visible()
        accessible(page)
        if viewport is PHONE:
            if not fits(page, PHONE["width"]):
                problems.append(f"{path}: wider than the phone")
            problems.extend(f"{path}: {small}" for small in small_tap_targets(page))

    public = open_page(viewport)
    for path in ("/ui/login", "/notice/2022?kind=hall"):
        check(public, path)
    for username, paths in pages_of(ids).items():
        if username == "inspector1":
            live.container.accounts.unlock("inspector1")
        page = open_page(viewport)
        login(page, live, username, PASSWORDS[username])
        for path in paths:
            check(page, path)
    assert problems == []
