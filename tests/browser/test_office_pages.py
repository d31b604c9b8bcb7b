"""The office's and the units' pages doing their work in a browser: the desk's search, filters,
paging and charts; the roster; complaints, retraction and disputes; nominations; imports with a
title row and a column mapping; the audit trail in words; patrol corrections; Chinese errors."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from tests.api import nomination, upload
from tests.browser.conftest import DESK, PHONE, Live, login, screenshot
from tests.browser.test_pages import county, fill_finding, png, records_of


def office(live: Live, open_page, target: str, viewport: dict = DESK):
    live.user("office1", "office_admin", "Office#2022x")
    page = open_page(viewport)
    login(page, live, "office1", "Office#2022x", target)
    return page


def test_the_desk_searches_filters_sorts_pages_and_draws_its_charts(live, open_page):
    api = live.api
    hall = api.subject("hall", "县政务服务中心", "H01")
    windows = [api.subject("window", f"窗口{w}", f"W{w}", hall, unit=f"单位{w}") for w in range(3)]
    workers = [api.subject("worker", f"人员{n:02d}", f"G{n:03d}", windows[n % 3], unit=f"单位{n % 3}") for n in range(55)]
    api.record(workers[7], "A1.5.2", "2022-05-09T11:00:00+08:00")
    for n in (1, 4, 10):
        api.record(workers[n], "A1.2.1", "2022-05-09T09:00:00+08:00")
    page = office(live, open_page, "/ui/desk?kind=worker&period=2022H1")
    expect(page.locator("#standings tbody tr")).to_have_count(50)  # one page of 50
    page.click("#next-page")
    expect(page.locator("#standings tbody tr")).to_have_count(5)
    page.fill("#q", "G007")
    page.click("form[role=search] button[type=submit]")
    expect(page.locator("#standings tbody tr")).to_have_count(1)
    expect(page.locator("#standings")).to_contain_text("人员07")
    page.goto(live.base + "/ui/desk?kind=worker&period=2022H1")
    page.select_option("#vetoed", "yes")
    page.click("form[role=search] button[type=submit]")
    expect(page.locator("#standings tbody tr")).to_have_count(1)
    expect(page.locator("#standings .badge.veto")).to_have_text("否决")
    page.goto(live.base + "/ui/desk?kind=worker&period=2022H1&unit=单位1")
    expect(page.locator("#matched")).to_have_text("18")
    page.click("th a:has-text('得分')")  # lowest first
    expect(page.locator("#standings tbody tr").first.locator(".total")).to_have_text("98")
    page.click("th a:has-text('得分')")  # again: highest first
    expect(page.locator("#standings tbody tr").first.locator(".total")).to_have_text("100")
    expect(page.locator("#hist-desc")).to_contain_text("其中否决 1 个")
    expect(page.locator("#bars-desc")).to_contain_text("最多:A1.2.1")
    screenshot(page, "desk-charts")
    with page.expect_download() as download:
        page.click("a:has-text('导出考评得分表')")
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert book["汇总"].max_row == 2 + 55


def test_the_roster_adds_renames_and_moves_a_worker_from_a_date(live, open_page):
    ids = county(live)
    page = office(live, open_page, f"/ui/roster/{ids['zhang']}")
    page.fill("#new-name", "张伟伟")
    page.click("form[action$='/rename'] button")
    expect(page.locator("[role=status]")).to_contain_text("已更名")
    page.select_option("#new-parent", label="不动产窗口(W02)")
    page.fill("#move-date", "2022-05-01")
    page.click("form[action$='/assignment'] button")
    expect(page.locator("[role=status]")).to_contain_text("已调动,自 2022-05-01 起生效")
    expect(page.locator("#assignments")).to_contain_text("2022-05-01 00:00 起:不动产窗口")
    subject = live.api.get(f"/api/subjects/{ids['zhang']}")
    assert subject["name"] == "张伟伟" and subject["parent_id"] != ids["window"]
    assert subject["assignments"][-1]["effective_at"].startswith("2022-05-01T00:00:00+08:00")
    page.goto(live.base + "/ui/roster?q=G0001")
    expect(page.locator("#roster-tree")).to_contain_text("张伟伟")
    expect(page.locator("#roster-tree")).not_to_contain_text("李娜")


def test_a_complaint_is_entered_with_its_channel_and_time_then_judged(live, open_page):
    ids = county(live)
    page = office(live, open_page, f"/ui/subjects/{ids['wang']}?period=2022H1")
    page.click("a:has-text('登记投诉')")
    page.fill("#channel", "12345热线")
    page.fill("#received", "2022-05-09T15:30")
    page.fill("#summary", "窗口人员态度生硬")
    screenshot(page, "complaint")
    page.click("main button[type=submit]")
    expect(page.locator("[role=status]")).to_contain_text("投诉已登记,等待核实")  # not yet 已处理
    queue = page.locator("#queue-complaint")
    expect(queue).to_contain_text("12345热线:窗口人员态度生硬")
    expect(queue).to_contain_text("2022-05-09 15:30")
    queue.get_by_label("查实(计入考评)").check()
    queue.get_by_role("button", name="提交处理结果").click()
    assert live.api.card(ids["wang"], "2022H1")["veto_reasons"] == ["A1.5.4"]


def test_the_office_retracts_a_wrong_finding_and_a_unit_disputes_another_from_the_subject_page(live, open_page):
    ids = county(live)
    wrong = live.api.record(ids["zhang"], "A1.2.1", "2022-05-09T09:00:00+08:00")
    doubtful = live.api.record(ids["zhang"], "A1.2.2", "2022-05-09T10:00:00+08:00")
    page = office(live, open_page, f"/ui/records/{wrong['id']}")
    page.fill("#reason", "复核:记录对象有误")
    page.click("button:has-text('撤销记录')")
    expect(page.locator("[role=status]")).to_contain_text("已撤销")
    assert live.api.get(f"/api/records/{wrong['id']}")["effective"] is False

    live.user("unit1", "unit_admin", "Unit#2022xx", unit="县政管办")
    unit = open_page(DESK)
    login(unit, live, "unit1", "Unit#2022xx", f"/ui/subjects/{ids['zhang']}?period=2022H1")
    unit.locator("#entries tr", has_text="A1.2.2").locator("a:has-text('申诉')").click()
    unit.fill("#grounds", "当天系统故障,非本人原因")
    unit.click("button:has-text('提出申诉')")
    expect(unit.locator("[role=status]")).to_contain_text("申诉已提交")
    expect(unit.locator("main")).to_contain_text("申诉中")
    screenshot(unit, "record-dispute")
    unit.goto(live.base + "/ui/queues")
    expect(unit.locator("#disputable")).to_contain_text("张伟")
    page.goto(live.base + "/ui/queues")
    expect(page.locator("#queue-dispute")).to_contain_text("当天系统故障")
    assert live.api.get(f"/api/records/{doubtful['id']}")["effective"] is True


def test_a_refused_nomination_says_why_in_chinese_and_keeps_what_was_typed(live, open_page):
    ids = county(live)
    live.user("unit1", "unit_admin", "Unit#2022xx", unit="县政管办")
    page = open_page(DESK)
    login(page, live, "unit1", "Unit#2022xx", f"/ui/nominations/form?subject_id={ids['li']}&period=2022H1")
    page.evaluate("() => document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))")
    page.fill("#d-name", "李娜")
    page.fill("#deeds", "好" * 801)
    expect(page.locator("#deeds-count")).to_contain_text("超出 1 字")
    for section in ("A1.1", "A1.2", "A1.3", "A1.4"):
        page.fill(f"input[name='self.{section}']", "20")
    page.click("#nomination-form button[type=submit]")
    error = page.locator("#form-error")
    expect(error).to_contain_text("申报表中的“性别”")
    assert not re.search(r"[A-Za-z]{4,}", error.inner_text())  # no "Field required", no field names
    expect(page.locator("#d-name")).to_have_value("李娜")
    assert page.locator("#deeds").input_value() == "好" * 801


def test_the_office_lists_nominations_with_filters_and_downloads_each_form(live, open_page):
    ids = county(live)
    photo = upload(live.api)["id"]
    for worker in ("zhang", "wang"):
        live.api.post("/api/nominations", nomination(ids[worker], "2022H1", "worker", [photo]))
    page = office(live, open_page, "/ui/nominations?kind=worker&period=2022H1")
    expect(page.locator("#nominations tbody tr")).to_have_count(2)
    expect(page.locator("#candidates")).to_contain_text("申报 李娜")
    page.select_option("#state", "proposed")
    page.click("form[aria-label] button[type=submit]")
    expect(page.locator("#nominations")).to_contain_text("还没有申报")
    page.goto(live.base + "/ui/nominations?kind=worker&period=2022H1")
    screenshot(page, "nominations")
    with page.expect_download() as download:
        page.locator("#nominations tr", has_text="张伟").locator("a:has-text('下载 Word')").click()
    assert download.value.suggested_filename.endswith(".docx")
    page.locator("#nominations a", has_text="张伟").click()
    expect(page.locator("#nomination-details")).to_contain_text("1988-05")


def test_an_import_with_a_title_row_and_its_own_headers_is_mapped_on_the_page(live, open_page, tmp_path):
    ids = county(live)
    page = office(live, open_page, "/ui/attendance")
    with page.expect_download() as download:
        page.click("a:has-text('考勤异常表模板')")
    template = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    header = [c.value for c in next(template.iter_rows(max_row=1))]
    assert header == ["工号", "日期", "类型", "分钟", "请假", "时间"]
    book = Workbook()
    for row in (["五月考勤异常"], [], ["人员号", "日子", "情况", "分钟", "请假"], ["G0001", "2022-05-06", "迟到", 12, "否"]):
        book.active.append(row)
    book.save(tmp_path / "考勤.xlsx")
    page.set_input_files("#file", str(tmp_path / "考勤.xlsx"))
    page.click("#import-form button[type=submit]")
    expect(page.locator("#import-problems")).to_contain_text("找不到表头")
    screenshot(page, "import-mapping")
    page.select_option("#map-code", "人员号")
    page.select_option("#map-date", "日子")
    page.select_option("#map-kind", "情况")
    page.click("#mapping-form button[type=submit]")
    expect(page.locator("#import-report")).to_contain_text("写入 1 行")
    assert [e["rule_id"] for e in records_of(live, ids["zhang"])] == ["A1.1.1"]
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    page.set_input_files("#file", str(tmp_path / "old.xls"))
    page.click("#import-form button[type=submit]")
    expect(page.locator("#import-problems")).to_contain_text("另存为")
    assert page.locator("#import-progress").count() == 1


def test_the_audit_trail_names_actions_in_words_with_filters_and_pages(live, open_page):
    ids = county(live)
    for n in range(50):
        live.api.record(ids["zhang"], "A1.4.1", f"2022-05-0{1 + n % 9}T09:00:00+08:00")
    live.api.post("/api/periods/2022H1/close?kind=worker", {})
    live.user("auditadmin1", "audit_admin", "Audit#2022xx")
    live.api.client.post("/api/auth/login", json={"username": "auditadmin1", "password": "wrong"})
    page = open_page(DESK)
    login(page, live, "auditadmin1", "Audit#2022xx", "/ui/audit")
    trail = page.locator("#trail")
    expect(trail).to_contain_text("截止考评期(2022H1)")
    expect(trail).not_to_contain_text("POST /api")
    expect(page.locator(".pager")).to_contain_text("第 1 / ")
    page.select_option("#action", "登录")
    page.check("input[name=failed]")
    page.click("form[aria-label] button[type=submit]")
    expect(trail).to_contain_text("用户名或密码错误")
    screenshot(page, "audit-trail")
    expect(page.locator("#trail tbody tr")).to_have_count(1)


def test_a_finding_refused_after_it_waited_offline_keeps_its_note_and_photo_to_correct_and_resend(live, open_page):
    ids = county(live)
    live.user("inspector1", "inspector", "Patrol#2022x")
    page = open_page(PHONE)
    login(page, live, "inspector1", "Patrol#2022x", "/ui/patrol")
    page.context.set_offline(True)
    fill_finding(page, "G0001", "A1.6.3", "抗疫志愿服务")  # discretionary: the server wants points
    page.set_input_files("#photos", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": png()}])
    page.click("#patrol button[type=submit]")
    expect(page.locator("#result")).to_contain_text("离线")
    assert page.locator("#hall").input_value() == ids["hall"]  # kept for the next finding
    page.context.set_offline(False)
    refused = page.locator("#refused-list li")
    expect(refused).to_contain_text("分值", timeout=20_000)
    screenshot(page, "patrol-refused-phone")
    refused.locator("button:has-text('改正后重发')").click()
    expect(page.locator("#note")).to_have_value("抗疫志愿服务")
    expect(page.locator("#problem")).to_contain_text("正在改正")
    page.fill("#points", "2")
    page.click("#patrol button[type=submit]")
    expect(page.locator("#result")).to_contain_text("已记录")
    expect(page.locator("#refused")).to_be_hidden()
    [entry] = records_of(live, ids["zhang"])
    assert entry["note"] == "抗疫志愿服务" and entry["delta"] == 2
    assert len(live.api.get(f"/api/records/{entry['record_id']}")["evidence"]) == 1


def test_an_unknown_page_and_a_wrong_method_answer_in_chinese(live, open_page):
    page = open_page(DESK)
    answer = page.goto(live.base + "/ui/no-such-page")
    assert answer.status == 404
    expect(page.locator("h1")).to_have_text("找不到页面")
    answer = page.goto(live.base + "/notice/2022/objections")
    assert answer.status == 405
    expect(page.locator("main")).to_contain_text("请求方式")
    body = io.StringIO(page.request.get(live.base + "/api/nope").text())
    assert "找不到" in body.getvalue()


def test_the_security_administrator_changes_a_role_lifts_a_lockout_and_revokes_a_token(live, open_page):
    live.user("inspector1", "inspector", "Patrol#2022x")
    live.user("secadmin1", "security_admin", "Secure#2022x")
    session = live.api.client.post("/api/auth/login", json={"username": "inspector1", "password": "Patrol#2022x"})
    minted = live.api.client.post("/api/tokens", json={"name": "巡查脚本", "days": 30},
                                  headers={"Authorization": f"Bearer {session.json()['token']}"})
    assert minted.status_code == 201, minted.text
    for _ in range(5):
        live.api.client.post("/api/auth/login", json={"username": "inspector1", "password": "wrong"})
    page = open_page(DESK)
    login(page, live, "secadmin1", "Secure#2022x", "/ui/accounts")
    row = page.locator("#users tr[data-user='inspector1']")
    expect(row).to_contain_text("锁定至")
    expect(page.locator("#new-user")).to_have_count(0)  # the security administrator creates no account
    row.get_by_role("button", name="解除锁定").click()
    expect(page.locator("[role=status]")).to_contain_text("已解除 inspector1 的锁定")
    row = page.locator("#users tr[data-user='inspector1']")
    expect(row.locator("select option")).to_have_text(["督查员", "单位管理员"])  # only what the 三员 table allows
    row.locator("select").select_option("unit_admin")
    row.locator("input[name=unit]").fill("县人社局")
    row.get_by_role("button", name="改角色").click()
    expect(page.locator("[role=status]")).to_contain_text("inspector1 的角色已改为单位管理员")
    assert live.api.client.post("/api/auth/login", json={"username": "inspector1",
                                                         "password": "Patrol#2022x"}).status_code == 200
    tokens = page.locator("#tokens tbody tr", has_text="inspector1")
    expect(tokens.first).to_contain_text("有效")
    tokens.first.get_by_role("button", name="吊销").click()
    expect(page.locator("[role=status]")).to_contain_text("令牌已吊销")
    expect(page.locator("#tokens tbody tr", has_text="inspector1").first).to_contain_text("已吊销")


def test_two_late_arrivals_of_one_day_are_told_apart_by_their_time_and_the_same_time_corrects(live, open_page):
    ids = county(live)
    page = office(live, open_page, "/ui/attendance")

    def enter(time: str, minutes: str) -> None:
        page.select_option("#worker", label="张伟(G0001) · 县政管办")
        page.fill("#day", "2022-05-09")
        page.select_option("#akind", "late")
        page.fill("#atime", time)
        page.fill("#minutes", minutes)
        page.click("form[action='/ui/attendance'] button[type=submit]")
        expect(page.locator("p.flash[role=status]")).to_contain_text("已记录 张伟")

    enter("08:35", "12")
    enter("14:05", "20")
    enter("08:35", "15")  # the morning's again: a correction, not a third
    effective = [e for e in records_of(live, ids["zhang"]) if e["effective"]]
    assert [e["rule_id"] for e in effective] == ["A1.1.1", "A1.1.1"]
