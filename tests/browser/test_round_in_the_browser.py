"""One whole round played in the browser, each step by the role that does it: the first
administrator, the roster, an inspector's finding on a phone, a unit's nomination with photos,
close, proposal, notice, an objection from the public page, its ruling, the final list and its
通报 document."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from docx import Document
from playwright.sync_api import expect

from tests.api import nomination, upload
from tests.browser.conftest import DESK, PHONE, Live, accessible, fits, login, screenshot, small_tap_targets
from tests.browser.test_pages import png

ROOT = Path(__file__).resolve().parents[2]


def add_subject(page, live: Live, kind: str, name: str, unit: str, code: str, parent: str | None = None) -> None:
    page.goto(live.base + "/ui/roster")
    page.select_option("#kind", kind)
    page.fill("#name", name)
    page.fill("#unit", unit)
    page.fill("#code", code)
    if parent:
        page.select_option("#parent", label=parent)
    page.click("form[method=post][action='/ui/roster'] button[type=submit]")
    expect(page.locator("[role=status]")).to_contain_text("已新增")


def test_a_whole_round_from_the_first_login_to_the_final_list_and_its_notice_document(live, open_page):
    first_administrator(live, open_page)
    office = open_page(DESK)
    login(office, live, "office1", "Office#2022x", "/ui/roster")

    # The roster, by hand: a hall, a window in it, two workers at the window.
    add_subject(office, live, "hall", "县政务服务中心", "县政管办", "H01")
    add_subject(office, live, "window", "社保窗口", "县人社局", "W01", "大厅:县政务服务中心")
    add_subject(office, live, "worker", "张伟", "县人社局", "G0001", "窗口:社保窗口")
    add_subject(office, live, "worker", "李娜", "县人社局", "G0002", "窗口:社保窗口")
    office.goto(live.base + "/ui/roster")
    expect(office.locator("#roster-tree")).to_contain_text("张伟")
    screenshot(office, "roster")

    # An inspector's finding on a phone, with a photo; the pickers stay for the next one.
    inspector = open_page(PHONE)
    login(inspector, live, "inspector1", "Patrol#2022x", "/ui/patrol")
    inspector.select_option("#hall", label="县政务服务中心(H01)")
    inspector.fill("#worker-search", "G0002")
    inspector.select_option("#worker", inspector.locator("#worker option:not([hidden])", has_text="G0002")
                            .get_attribute("value"))
    inspector.select_option("#rule", "A1.2.1")
    inspector.fill("#note", "未佩戴工作牌")
    inspector.set_input_files("#photos", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": png()}])
    inspector.click("#patrol button[type=submit]")
    expect(inspector.locator("#result")).to_contain_text("已记录")
    assert inspector.locator("#worker").input_value() != ""  # kept for the next finding
    li = next(s["id"] for s in live.api.get("/api/subjects", kind="worker")["items"] if s["code"] == "G0002")
    assert live.api.card(li, "2022H1")["total"] == 98

    # The unit nominates its worker with two photos; the office nominates the other.
    unit = open_page(PHONE)
    login(unit, live, "unit1", "Unit#2022xx", "/ui/nominations?kind=worker&period=2022H1")
    unit.click("a:has-text('申报 张伟')")
    for field, value in (("name", "张伟"), ("political_status", "中共党员"), ("unit_and_post", "县人社局 社保窗口")):
        unit.fill(f"#d-{field}", value)
    unit.select_option("#d-gender", "男")
    unit.fill("#d-birth_month", "1988-05")
    unit.fill("#d-work_start", "2010-07")
    for section, score in (("A1.1", "24"), ("A1.2", "24"), ("A1.3", "23"), ("A1.4", "23")):
        unit.fill(f"input[name='self.{section}']", score)
    expect(unit.locator("details summary").first).to_contain_text("评分标准")  # the criteria beside the score
    unit.fill("#deeds", "服务热情周到,群众满意。")
    expect(unit.locator("#deeds-count")).to_contain_text("已填写 12 字,最多 800 字")
    screenshot(unit, "nomination-phone")
    unit.set_input_files("#photos", files=[{"name": "a.png", "mimeType": "image/png", "buffer": png(40, 30)},
                                           {"name": "b.png", "mimeType": "image/png", "buffer": png(41, 30)}])
    unit.click("#nomination-form button[type=submit]")
    expect(unit.locator("[role=status]")).to_contain_text("申报已保存")
    expect(unit.locator("#nomination-state")).to_have_text("已申报")
    photo = upload(live.api)["id"]
    live.api.post("/api/nominations", nomination(li, "2022H1", "worker", [photo]))
    unit.goto(live.base + "/ui/nominations?kind=worker&period=2022H1")
    expect(unit.locator("#nominations tbody tr")).to_have_count(2)

    # Close (early: the page says so), the proposal, the notice.
    office.goto(live.base + "/ui/rounds/2022H1?kind=worker")
    office.click("a:has-text('截止本期')")
    expect(office.locator(".warn.early").first).to_contain_text("才结束")
    office.click("button:has-text('确认截止本期')")
    expect(office.locator("#round-status")).to_have_text("已截止")
    expect(office.locator("#proposal")).to_contain_text("张伟")
    expect(office.locator("#proposal")).to_contain_text("李娜")
    office.click("a:has-text('发布公示')")
    office.click("button:has-text('确认发布公示')")
    expect(office.locator("#round-status")).to_have_text("公示中")
    expect(office.locator("#not-yet-final")).to_contain_text("公示期到")  # no 确定最终名单 while the notice runs
    expect(office.locator("a:has-text('确定最终名单')")).to_have_count(0)

    # Anyone, on a phone and without logging in, objects from the public notice.
    public = open_page(PHONE)
    public.goto(live.base + "/notice/2022H1?kind=worker")
    assert fits(public, PHONE["width"])  # the chain head wraps
    accessible(public)
    assert small_tap_targets(public) == []
    public.select_option("#subject", label="李娜(县人社局)")
    public.fill("#text", "该同志曾与群众发生争执")
    public.click("button:has-text('提交异议')")
    expect(public.locator("h1")).to_have_text("异议已收到")

    # The office rules: upheld, knowing its note will be published on the 通报.
    office.goto(live.base + "/ui/queues")
    queue = office.locator("#queue-objection")
    expect(queue).to_contain_text("发生争执")
    expect(queue.locator(".warn")).to_contain_text("通报")
    screenshot(office, "queues-objection")
    queue.get_by_label("异议成立(不列入名单)").check()
    queue.get_by_label("说明").fill("经调取录像核实,情况属实")
    queue.get_by_role("button", name="提交处理结果").click()
    expect(office.locator("[role=status]")).to_contain_text("已处理")

    # The notice has run: the final list (without the subject the objection removed) and its 通报.
    live.clock.advance(days=6)
    login(office, live, "office1", "Office#2022x", "/ui/rounds/2022H1?kind=worker")  # a new day, a new session
    office.click("a:has-text('确定最终名单')")
    office.click("button:has-text('确认确定最终名单')")
    expect(office.locator("#round-status")).to_have_text("已确定")
    expect(office.locator("#final-list")).to_contain_text("张伟")
    expect(office.locator("#final-list")).not_to_contain_text("李娜")
    expect(office.locator("#removed")).to_contain_text("李娜")
    screenshot(office, "round-final")
    with office.expect_download() as download:
        office.click("#final-docx")
    document = Document(io.BytesIO(open(download.value.path(), "rb").read()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "关于2022年上半年“优秀政务服务工作者”评选结果的通报"
    assert "李娜经公示期异议核实,不列入本次名单(异议成立:经调取录像核实,情况属实)" in text
    assert [c.text for c in document.tables[0].rows[1].cells][1] == "张伟"
    public.goto(live.base + "/notice/2022H1?kind=worker")
    expect(public.locator("h1")).to_contain_text("通报")
    screenshot(public, "final-phone")
    assert re.search(r"张伟", public.locator("table").inner_text())


def first_administrator(live: Live, open_page) -> None:
    """The machine's operator creates the system administrator and the office's administrator
    with `evalctl create-user` (the login page says how; 三员: the office's account decides the
    round, which the system administrator may not); the system administrator creates the
    inspector and the unit's administrator on the accounts page; each person logs
    in with the initial password shown there once, and changes it."""
    admin = open_page(DESK)
    admin.goto(live.base + "/ui/login")
    expect(admin.locator("#first-run")).to_contain_text("scripts/evalctl create-user")
    env = {**os.environ, "EVAL_DATABASE_URL": live.container.settings.database_url,
           "EVAL_NOW": live.clock.now().isoformat(), "EVAL_SCHEDULER": "false"}
    for username, role, password in (("admin1", "system_admin", "System#2022x"), ("office1", "office_admin", "Office#2022x")):
        made = subprocess.run([sys.executable, "-m", "service.cli", "create-user", username, "--role", role],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        initial = re.search(r"initial password[^:]*: (\S+)", made.stdout).group(1)
        live.clock.advance(minutes=1)  # the service's clock stands still in tests: keep the log in time order
        change_initial_password(open_page, live, username, initial, password)
    login(admin, live, "admin1", "System#2022x", "/ui/accounts")
    for username, role, unit, password in (("inspector1", "inspector", "", "Patrol#2022x"),
                                           ("unit1", "unit_admin", "县人社局", "Unit#2022xx")):
        admin.fill("#username", username)
        admin.select_option("#role", role)
        admin.fill("#unit", unit)
        admin.click("#new-user button[type=submit]")
        initial = admin.locator("#initial-password code").inner_text()
        screenshot(admin, "accounts")
        expect(admin.locator(f"#users tr[data-user='{username}']")).to_contain_text("待修改初始密码")
        change_initial_password(open_page, live, username, initial, password)


def change_initial_password(open_page, live: Live, username: str, initial: str, password: str) -> None:
    """A first login: nothing opens before the initial password is changed."""
    first = open_page(DESK)
    first.goto(live.base + "/ui/login")
    first.fill("#username", username)
    first.fill("#password", initial)
    first.click("main button[type=submit]")
    expect(first).to_have_url(re.compile(r"/ui/password$"))
    first.fill("#old", initial)
    first.fill("#new", password)
    first.fill("#again", password)
    first.click("main button[type=submit]")
    expect(first.locator("[role=status]")).to_contain_text("密码已修改")
