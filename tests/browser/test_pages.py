"""The pages in a real browser: login, patrol capture on a phone (online and offline), the
office's desk, the auditor's timeline, imports, the round's actions and the public notice."""

from __future__ import annotations

import json
import re
import zlib
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.api import create_user
from tests.browser.conftest import DESK, PHONE, Live, fits, login, screenshot
from tests.integration.test_round import nominated_halls


def png(width: int = 40, height: int = 30) -> bytes:
    """A real, decodable PNG (a photo from the camera, as far as the service can tell)."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes((180, 70, 40)) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def county(live: Live) -> dict[str, str]:
    api = live.api
    hall = api.subject("hall", "县政务服务中心", "H01")
    window = api.subject("window", "社保窗口", "W01", hall)
    other = api.subject("window", "不动产窗口", "W02", hall)
    return {"hall": hall, "window": window,
            "zhang": api.subject("worker", "张伟", "G0001", window),
            "li": api.subject("worker", "李娜", "G0002", window),
            "wang": api.subject("worker", "王芳", "G0003", other)}


def records_of(live: Live, subject_id: str) -> list[dict]:
    return live.api.card(subject_id, "2022H1")["entries"]


def fill_finding(page, worker_code: str, rule_id: str, note: str) -> None:
    page.select_option("#hall", label="县政务服务中心(H01)")
    page.fill("#worker-search", worker_code)
    worker = page.locator("#worker option:not([hidden])", has_text=worker_code)
    page.select_option("#worker", worker.get_attribute("value"))
    page.select_option("#rule", rule_id)
    page.fill("#note", note)


# --- login ----------------------------------------------------------------------------------------

def test_a_refused_login_stays_on_the_login_page_and_a_first_login_must_change_the_password(live, open_page):
    create_user(live.api, "office1", "office_admin", password="Initial#2022")
    page = open_page(DESK)
    forged = page.request.post(live.base + "/ui/login", form={"username": "office1", "password": "Initial#2022",
                                                              "csrf": "forged"}, max_redirects=0)
    # Another site cannot log a visitor in: no session without the login page's own token.
    assert forged.status == 403 and "ledger_session" not in [c["name"] for c in page.context.cookies()]
    page.goto(live.base + "/ui/desk")
    expect(page).to_have_url(re.compile(r"/ui/login\?next=/ui/desk"))
    screenshot(page, "login")

    page.fill("#username", "office1")
    page.fill("#password", "wrong-password")
    page.click("main button[type=submit]")
    expect(page.locator("[role=alert]")).to_contain_text("用户名或密码错误")
    expect(page).to_have_url(re.compile(r"/ui/login"))

    page.fill("#password", "Initial#2022")
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/ui/password$"))
    expect(page.locator(".warn")).to_contain_text("请先修改")
    page.goto(live.base + "/ui/desk")  # nothing else opens before the change
    expect(page).to_have_url(re.compile(r"/ui/password$"))
    page.fill("#old", "Initial#2022")
    page.fill("#new", "Changed#2022")
    page.fill("#again", "Changed#2022")
    page.click("main button[type=submit]")
    expect(page.locator("[role=status]")).to_contain_text("密码已修改")

    [cookie] = page.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    forged = page.request.post(live.base + "/ui/logout", form={"csrf": "forged"}, max_redirects=0)
    assert forged.status == 403  # a form without the session's CSRF token does nothing

    page.click("header button:has-text('退出')")
    expect(page.locator("[role=status]")).to_contain_text("已安全退出")
    page.goto(live.base + "/ui/desk")
    expect(page).to_have_url(re.compile(r"/ui/login"))


# --- patrol capture on a phone -------------------------------------------------------------------

def test_an_inspector_on_a_phone_records_a_finding_with_a_photo(live, open_page):
    ids = county(live)
    live.user("inspector1", "inspector", "Patrol#2022")
    page = open_page(PHONE)
    login(page, live, "inspector1", "Patrol#2022", "/ui/patrol")
    expect(page).to_have_url(re.compile(r"/ui/patrol$"))
    screenshot(page, "patrol-phone")

    fill_finding(page, "G0001", "A1.2.1", "未佩戴工作牌")
    page.set_input_files("#photos", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": png()}])
    page.click("#patrol button[type=submit]")
    expect(page.locator("#result")).to_contain_text("已记录")

    [entry] = records_of(live, ids["zhang"])
    assert entry["rule_id"] == "A1.2.1" and entry["delta"] == -2 and entry["note"] == "未佩戴工作牌"
    record = live.api.get(f"/api/records/{entry['record_id']}")
    assert len(record["evidence"]) == 1 and record["actor"] == "inspector1"
    assert record["occurred_at"] == live.clock.now().isoformat()  # the phone's time, beside the server's
    assert live.api.card(ids["zhang"], "2022H1")["total"] == 98

    page.set_viewport_size({"width": 360, "height": 740})  # the narrowest phones: nothing wider than the screen
    for path in ("/ui/patrol", "/ui/patrol/mine", f"/ui/subjects/{ids['zhang']}?period=2022H1"):
        page.goto(live.base + path)
        assert page.evaluate("() => document.body.scrollWidth") <= 360, path
    page.set_viewport_size(PHONE)
    page.goto(live.base + "/ui/patrol/mine")
    expect(page.locator("#sent-list")).to_contain_text("A1.2.1")
    expect(page.locator("#sent-list")).to_contain_text("照片 1 张")
    screenshot(page, "mine-phone")


def test_a_finding_without_a_subject_is_refused_on_the_page_and_nothing_is_written(live, open_page):
    ids = county(live)
    live.user("inspector1", "inspector", "Patrol#2022")
    page = open_page(PHONE)
    login(page, live, "inspector1", "Patrol#2022", "/ui/patrol")
    page.select_option("#rule", "A1.2.1")
    page.click("#patrol button[type=submit]")
    expect(page.locator("#problem")).to_contain_text("请选择被记录的")
    fill_finding(page, "G0001", "A1.6.3", "")  # discretionary: needs points
    page.click("#patrol button[type=submit]")
    expect(page.locator("#problem")).to_contain_text("分值")
    assert records_of(live, ids["zhang"]) == []


def test_a_submission_made_offline_is_kept_and_sent_exactly_once_when_back_online(live, open_page):
    ids = county(live)
    live.user("inspector1", "inspector", "Patrol#2022")
    page = open_page(PHONE)
    login(page, live, "inspector1", "Patrol#2022", "/ui/patrol")

    page.context.set_offline(True)
    fill_finding(page, "G0002", "A1.4.1", "离线时记录")
    page.set_input_files("#photos", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": png()}])
    page.click("#patrol button[type=submit]")
    expect(page.locator("#sync-status")).to_contain_text("待同步 1 条")
    expect(page.locator("#result")).to_contain_text("离线")
    assert records_of(live, ids["li"]) == []
    screenshot(page, "patrol-offline-phone")

    live.clock.advance(minutes=20)  # the network comes back later; the finding keeps the phone's time
    page.context.set_offline(False)
    expect(page.locator("#sync-status")).to_be_hidden(timeout=20_000)
    expect(page.locator("#result")).to_contain_text("已发送并记录")  # no longer 当前离线 (review finding)
    [entry] = records_of(live, ids["li"])
    assert entry["note"] == "离线时记录"
    record = live.api.get(f"/api/records/{entry['record_id']}")
    assert len(record["evidence"]) == 1
    assert record["recorded_at"] > record["occurred_at"]

    page.reload()  # the outbox is empty: nothing is sent again
    page.evaluate("() => new Promise(r => setTimeout(r, 500))")
    expect(page.locator("#sync-status")).to_be_hidden()
    assert len(records_of(live, ids["li"])) == 1


def test_a_resend_whose_first_answer_was_lost_is_recorded_once(live, open_page):
    """The outbox resends after a lost answer with the same Idempotency-Key: one record."""
    ids = county(live)
    live.user("inspector1", "inspector", "Patrol#2022")
    page = open_page(PHONE)
    login(page, live, "inspector1", "Patrol#2022", "/ui/patrol")
    key = page.get_attribute("input[name=idempotency_key]", "value")
    csrf = page.get_attribute("meta[name=csrf-token]", "content")
    form = {"csrf": csrf, "idempotency_key": key, "hall_id": ids["hall"], "worker_id": ids["wang"],
            "rule_id": "A1.4.2", "device_time": live.clock.now().isoformat()}
    answers = [page.request.post(live.base + "/ui/patrol", multipart=form, headers={"Accept": "application/json"})
               for _ in range(2)]
    assert [a.status for a in answers] == [201, 200]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert len(records_of(live, ids["wang"])) == 1


def test_a_finding_for_a_closed_round_says_the_round_is_closed_not_that_the_phone_is_fast(live, open_page):
    """After an early close the phone's clock was blamed, though it agreed with the server (review)."""
    ids = county(live)
    live.user("inspector1", "inspector", "Patrol#2022")
    live.api.post("/api/periods/2022H1/close?kind=worker", {})
    page = open_page(PHONE)
    login(page, live, "inspector1", "Patrol#2022", "/ui/patrol")
    form = {"csrf": page.get_attribute("meta[name=csrf-token]", "content"),
            "idempotency_key": page.get_attribute("input[name=idempotency_key]", "value"), "hall_id": ids["hall"],
            "worker_id": ids["wang"], "rule_id": "A1.4.2", "device_time": live.clock.now().isoformat()}
    answer = page.request.post(live.base + "/ui/patrol", multipart=form, headers={"Accept": "application/json"})
    assert answer.status == 409
    assert "2022H1" in answer.json()["detail"][0]["message"] and "手机" not in answer.json()["detail"][0]["message"]


# --- the office's desk and the auditor's timeline ------------------------------------------------

def test_the_desk_shows_the_new_total_and_the_veto(live, open_page):
    ids = county(live)
    live.user("office1", "office_admin", "Office#2022")
    api = live.api
    api.record(ids["zhang"], "A1.2.2", "2022-05-09T10:00:00+08:00", quantity=2)
    api.record(ids["li"], "A1.5.2", "2022-05-09T11:00:00+08:00", note="5月9日上午空岗")
    page = open_page(DESK)
    login(page, live, "office1", "Office#2022", "/ui/desk?kind=worker&period=2022H1")
    zhang = page.locator(f"#standings tr[data-subject='{ids['zhang']}']")
    li = page.locator(f"#standings tr[data-subject='{ids['li']}']")
    expect(zhang.locator(".total")).to_have_text("96")
    expect(li.locator(".badge.veto")).to_have_text("否决")
    expect(li).to_contain_text("A1.5.2 出现空岗或旷工")
    screenshot(page, "desk")

    zhang.locator("a").click()
    expect(page.locator("#total")).to_have_text("96")
    expect(page.locator("#sheet")).to_contain_text("A1.2 形象态度")
    expect(page.locator("#entries")).to_contain_text("A1.2.2")
    expect(page.locator(".chart svg")).to_be_visible()
    screenshot(page, "subject")

    page.goto(live.base + f"/ui/subjects/{ids['li']}?period=2022H1")
    expect(page.locator("#veto")).to_have_text("一票否决")


def test_the_auditor_sees_the_score_as_it_stood_at_an_earlier_moment(live, open_page):
    ids = county(live)
    live.user("auditor1", "auditor", "Audit#2022x")
    api = live.api
    api.record(ids["zhang"], "A1.2.1", "2022-05-09T09:00:00+08:00")
    between = live.clock.now() + timedelta(minutes=30)
    live.clock.advance(hours=1)
    api.record(ids["zhang"], "A1.2.3", "2022-05-09T15:00:00+08:00")
    assert api.card(ids["zhang"], "2022H1")["total"] == 95

    page = open_page(DESK)
    login(page, live, "auditor1", "Audit#2022x", f"/ui/subjects/{ids['zhang']}?period=2022H1")
    expect(page.locator("#total")).to_have_text("95")
    page.fill("#at", between.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("form[aria-label] button[type=submit]")
    expect(page.locator("#total")).to_have_text("98")
    expect(page.locator("#total-heading")).to_contain_text("截至")
    expect(page.locator("#chart-desc")).to_have_text("期初 100 分,之后:05-09 98分")  # the chart as of then, too
    screenshot(page, "subject-as-of")

    page.locator("#entries a", has_text="记录历史").first.click()
    expect(page.locator("main table")).to_contain_text("A1.2.1")

    page.goto(live.base + "/ui/audit")
    expect(page.locator("#last-check")).to_contain_text("尚未校验")
    page.click("main button:has-text('立即校验')")
    expect(page.locator("#last-check")).to_contain_text("完整")
    expect(page.locator("#chain-head")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    screenshot(page, "audit")
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    assert fits(page, PHONE["width"])  # the last check's line, with its hash, wraps on a phone


# --- attendance and imports ----------------------------------------------------------------------

def test_an_import_with_a_bad_row_shows_each_problem_and_writes_nothing(live, open_page, tmp_path):
    ids = county(live)
    live.user("office1", "office_admin", "Office#2022")
    page = open_page(DESK)
    login(page, live, "office1", "Office#2022", "/ui/attendance")
    bad = tmp_path / "考勤.csv"
    bad.write_text("工号,日期,类型,分钟,请假\nG0001,2022-03-01,迟到,12,否\nG9999,2022-03-02,迟到,5,否\n", encoding="utf-8")
    page.set_input_files("#file", str(bad))
    page.click("form[action='/ui/imports'] button[type=submit]")
    expect(page.locator("#import-problems")).to_contain_text("未写入任何数据")
    expect(page.locator("#import-problems tbody tr")).to_have_count(1)
    expect(page.locator("#import-problems tbody")).to_contain_text("G9999")
    assert records_of(live, ids["zhang"]) == []

    bad.write_text("工号,日期,类型,分钟,请假\nG0001,2022-03-01,迟到,12,否\n", encoding="utf-8")
    page.set_input_files("#file", str(bad))
    page.click("form[action='/ui/imports'] button[type=submit]")
    expect(page.locator("#import-report")).to_contain_text("写入 1 行")
    screenshot(page, "attendance")
    assert [e["rule_id"] for e in records_of(live, ids["zhang"])] == ["A1.1.1"]


# --- the round and the public notice -------------------------------------------------------------

def test_the_office_publishes_the_notice_after_a_confirmation_and_anyone_opens_it_without_login(live, open_page):
    live.clock.set(live.clock.now().replace(month=6))
    nominated_halls(live.api, [100, 95])
    live.user("office1", "office_admin", "Office#2022")
    page = open_page(DESK)
    login(page, live, "office1", "Office#2022", "/ui/rounds/2022?kind=hall")
    expect(page.locator("#round-status")).to_have_text("进行中")
    page.click("a:has-text('截止本期')")
    expect(page.locator(".warn").first).to_contain_text("排名冻结")  # the confirmation says what will happen
    expect(page.locator(".warn.early").first).to_contain_text("才结束")  # and that closing now is early
    page.click("button:has-text('确认截止本期')")
    expect(page.locator("#round-status")).to_have_text("已截止")
    page.click("a:has-text('发布公示')")
    page.click("button:has-text('确认发布公示')")
    expect(page.locator("#round-status")).to_have_text("公示中")
    screenshot(page, "round")

    public = open_page(PHONE)  # a fresh context: no session
    public.goto(live.base + "/notice/2022?kind=hall")
    expect(public.locator("h1")).to_contain_text("公示")
    expect(public.locator("table")).to_contain_text("大厅0")
    expect(public.locator("table")).to_contain_text("大厅1")
    screenshot(public, "notice-phone")


# --- accessibility -------------------------------------------------------------------------------

@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_every_main_page_passes_the_accessibility_check(live, open_page, viewport):
    from axe_playwright_python.sync_playwright import Axe

    ids = county(live)
    live.api.record(ids["zhang"], "A1.2.1", "2022-05-09T09:00:00+08:00")
    live.api.post("/api/complaints", {"subject_id": ids["li"], "received_at": "2022-05-09T15:00:00+08:00",
                                      "channel": "12345", "summary": "办事推诿"})  # the worklist with its forms
    live.user("office1", "office_admin", "Office#2022")
    live.user("auditor1", "auditor", "Audit#2022x")
    axe = Axe()
    page = open_page(viewport)

    def check(path: str) -> None:
        page.goto(live.base + path)
        results = axe.run(page)
        problems = [f"{v['id']}: {v['help']} ({len(v['nodes'])}×)" for v in results.response["violations"]]
        assert problems == [], f"{path}: {problems}"

    check("/ui/login")
    login(page, live, "office1", "Office#2022")
    for path in ("/ui/", "/ui/patrol", "/ui/patrol/mine", "/ui/attendance", "/ui/desk",
                 f"/ui/subjects/{ids['zhang']}?period=2022H1", "/ui/queues", "/ui/rounds/2022H1?kind=worker",
                 "/ui/rounds/2022H1/confirm?kind=worker&action=close", "/ui/rulebooks",
                 "/ui/desk?kind=worker&period=2022H1&rulebook=2022"):
        check(path)
    page.goto(live.base + "/ui/rulebooks")  # the result of a check: the diff, the forms to adopt and preview
    book = live.api.get("/api/rulebooks/2022")
    book.update(version="2023", effective_from="2023-01-01")
    book["settings"]["notice_days"] = 7
    page.set_input_files("#rulebook-file", files=[{"name": "2023.json", "mimeType": "application/json",
                                                  "buffer": json.dumps(book).encode()}])
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#rulebook-checked")
    results = axe.run(page)
    assert [v["id"] for v in results.response["violations"]] == [], "/ui/rulebooks (checked)"
    page.click("header button:has-text('退出')")
    login(page, live, "auditor1", "Audit#2022x")
    check("/ui/audit")


# --- the office's worklists ----------------------------------------------------------------------

def test_the_office_rules_an_open_complaint_from_the_worklist_and_the_veto_follows(live, open_page):
    ids = county(live)
    live.user("office1", "office_admin", "Office#2022")
    live.api.post("/api/complaints", {"subject_id": ids["wang"], "received_at": "2022-05-09T15:00:00+08:00",
                                      "channel": "12345", "summary": "窗口人员态度生硬,推诿群众"})
    page = open_page(DESK)
    login(page, live, "office1", "Office#2022", "/ui/queues")
    queue = page.locator("#queue-complaint")
    expect(queue).to_contain_text("态度生硬")
    queue.get_by_label("查实(计入考评)").check()
    queue.get_by_label("说明").fill("经调取录像核实")
    queue.get_by_role("button", name="提交处理结果").click()
    expect(page.locator("[role=status]")).to_contain_text("已处理")
    expect(page.locator("#queue-complaint")).to_have_count(0)
    screenshot(page, "queues")
    card = live.api.card(ids["wang"], "2022H1")
    assert card["vetoed"] and card["veto_reasons"] == ["A1.5.4"]


# --- next year's rulebook ------------------------------------------------------------------------

def _edit_workbook(source, target, version: str, changes: dict[str, dict[str, object]]) -> None:
    """The downloaded template with another version number and start, and some rules changed
    (by rule id: column → value)."""
    from openpyxl import load_workbook

    book = load_workbook(source)
    for row in book["版本"].iter_rows(min_row=2):
        if row[0].value == "版本号":
            row[1].value = version
        if row[0].value == "施行日期":
            row[1].value = "2023-01-01"
    sheet = book["规则"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        rule_id = row[header.index("规则编号")].value
        for column, value in changes.get(rule_id, {}).items():
            row[header.index(column)].value = value
    book.save(target)


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_the_office_uploads_next_years_rulebook_sees_every_problem_the_diff_and_a_preview_then_adopts_it(
        live, open_page, tmp_path, viewport):
    ids = county(live)
    live.api.record(ids["zhang"], "A1.1.2", "2022-05-09T10:00:00+08:00", quantity=2)  # -10 now, -6 under 2023
    live.api.record(ids["li"], "A1.2.2", "2022-05-09T10:00:00+08:00")  # -2 either way
    live.user("office1", "office_admin", "Office#2022")
    page = open_page(viewport)
    login(page, live, "office1", "Office#2022", "/ui/rulebooks")
    expect(page.locator("#versions tr[data-version='2022']")).to_contain_text("随系统发布")
    with page.expect_download() as downloaded:
        page.click("#versions tr[data-version='2022'] a:has-text('工作簿')")
    template = tmp_path / "template.xlsx"
    downloaded.value.save_as(template)

    bad = tmp_path / "2023-bad.xlsx"
    _edit_workbook(template, bad, "2023", {"A1.1.2": {"分值": None}, "A1.2.1": {"效果": "罚款"}})
    page.set_input_files("#rulebook-file", str(bad))
    page.click("#upload button[type=submit]")
    problems = page.locator("#rulebook-problems")
    expect(problems).to_contain_text("有 2 处问题")
    expect(problems).to_contain_text("A1.1.2")
    expect(problems).to_contain_text("「规则」第")  # the row of the workbook, for each problem
    assert [v["version"] for v in live.api.get("/api/rulebooks")] == ["2022"]

    good = tmp_path / "2023.xlsx"
    _edit_workbook(template, good, "2023", {"A1.1.2": {"分值": 3}})
    page.set_input_files("#rulebook-file", str(good))
    page.click("#upload button[type=submit]")
    expect(page.locator("#rulebook-checked h2")).to_contain_text("可以采用")
    expect(page.locator("#diff-rules")).to_contain_text("A1.1.2")
    expect(page.locator("#diff-rules")).to_contain_text("分值")
    page.select_option("#preview-period", label="2022H1 工作人员")
    page.click("form[action='/ui/rulebooks/preview'] button[type=submit]")
    preview = page.locator("#rulebook-preview")
    expect(preview.locator(f"tr[data-subject='{ids['zhang']}'] .total")).to_have_text("94")
    expect(preview.locator(f"tr[data-subject='{ids['zhang']}']")).to_contain_text("90")  # the standings now
    if viewport == PHONE:
        assert page.evaluate("() => document.body.scrollWidth") <= PHONE["width"]
    screenshot(page, f"rulebooks-{'phone' if viewport == PHONE else 'desk'}")
    assert live.api.card(ids["zhang"], "2022H1")["total"] == 90  # a preview changes nothing

    page.click("form[action='/ui/rulebooks/adopt'] button[type=submit]")
    expect(page.locator("#rulebook-adopted")).to_contain_text("已采用考评标准 2023 版")
    expect(page.locator("#versions tr[data-version='2023']")).to_contain_text("office1")
    assert live.api.get("/api/rulebooks/2023")["effective_from"] == "2023-01-01"

    page.goto(live.base + "/ui/desk?kind=worker&period=2022H1&rulebook=2023")  # the desk previews too
    expect(page.locator("#preview-note")).to_contain_text("按 2023 版重新计分")
    expect(page.locator(f"#standings tr[data-subject='{ids['zhang']}'] .total")).to_have_text("94")
    page.goto(live.base + "/ui/desk?kind=worker&period=2022H1")
    expect(page.locator(f"#standings tr[data-subject='{ids['zhang']}'] .total")).to_have_text("90")
