"""Data in (roster, attendance, hall figures: CSV UTF-8, CSV GBK, XLSX) and out (the score
workbook, the nomination form, the public notice), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Cm
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from service.cli import app as evalctl
from tests.api import UNIT_DETAILS, Api, nomination, upload
from tests.conftest import ADMIN

SAMPLES = Path(__file__).resolve().parents[2] / "scripts" / "samples"


@pytest.fixture
def api(client, clock) -> Api:
    clock.set(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    return Api(client, clock)


def send(api: Api, kind: str, name: str, data: bytes, expect: int = 201, **form) -> dict:
    response = api.client.post(f"/api/imports/{kind}", files={"file": (name, data)}, data=form, headers=ADMIN)
    assert response.status_code == expect, response.text
    return response.json()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def roster(api: Api) -> dict[str, str]:
    report = send(api, "roster", "roster.csv", (SAMPLES / "roster.csv").read_bytes(), effective_date="2022-01-01")
    assert (report["rows"], report["written"], report["created"]) == (9, 9, 9)
    return {s["code"]: s["id"] for s in api.get("/api/subjects")["items"]}


def test_the_roster_imports_once_and_a_new_roster_applies_its_differences(api):
    ids = roster(api)
    again = send(api, "roster", "roster.csv", (SAMPLES / "roster.csv").read_bytes(), effective_date="2022-01-01")
    assert (again["written"], again["already_there"]) == (0, 9)
    assert len(api.get("/api/subjects")["items"]) == 9
    updated = (SAMPLES / "roster.csv").read_text(encoding="utf-8").replace(
        "G0002,杨志强,县人力资源和社会保障局,W001", "G0002,杨志强,县自然资源局,W002")
    report = send(api, "roster", "roster.xlsx", xlsx_bytes([line.split(",") for line in updated.splitlines()]),
                  effective_date="2022-04-01")
    assert (report["written"], report["moved"], report["renamed"], report["created"]) == (1, 1, 1, 0)
    worker = api.get(f"/api/subjects/{ids['G0002']}")
    assert worker["unit"] == "县自然资源局"
    assert worker["assignments"][-1] == {"parent_id": ids["W002"], "effective_at": "2022-04-01T00:00:00+08:00"}
    # Absent in March: the veto rolls up to W001, where he served then.
    api.post("/api/attendance", {"worker_id": ids["G0002"], "date": "2022-03-15", "kind": "absent"})
    assert api.card(ids["W001"], "2022H1")["vetoed"] and not api.card(ids["W002"], "2022H1")["vetoed"]


def test_a_roster_with_bad_rows_writes_nothing(api):
    before = api.log_end()
    bad = csv_bytes([["类型", "编码", "名称", "单位", "上级编码"], ["房间", "X1", "a", "b", ""],
                     ["窗口", "W9", "窗口", "县", "H404"], ["工作人员", "G9", "", "县", "W9"],
                     ["大厅", "H9", "\u200b", "县", ""]])  # invisible only: blank, as the API says (review)
    answer = send(api, "roster", "bad.csv", bad, expect=422, effective_date="2022-01-01")
    assert {(p["row"], p["column"]) for p in answer["detail"]} == {(2, "类型"), (3, "上级编码"), (4, "名称"), (5, "名称")}
    assert api.log_end() == before


@pytest.mark.parametrize("sample", ["attendance.csv", "attendance-gbk.csv", "attendance-english.csv", "xlsx"])
def test_attendance_imports_in_every_format_and_again_writes_nothing(api, sample):
    ids = roster(api)
    if sample == "xlsx":
        data = xlsx_bytes([["工号", "日期", "类型", "分钟", "请假"], ["G0001", datetime(2022, 3, 1), "迟到", 12, "否"],
                           ["G0003", "2022-03-03", "旷工", None, "否"]])
    else:
        data = (SAMPLES / sample).read_bytes()
    first = send(api, "attendance", "attendance", data)
    assert first["written"] == first["rows"] > 0 and first["already_there"] == 0
    end = api.log_end()
    again = send(api, "attendance", "attendance", data)
    assert (again["written"], again["already_there"]) == (0, first["rows"])
    assert api.log_end() == end
    if sample == "attendance.csv":
        zhang = api.card(ids["G0001"], "2022H1")  # 12 minutes late: A1.1.1; leaving 95 minutes early: A1.5.2
        assert [e["rule_id"] for e in zhang["entries"]] == ["A1.1.1", "A1.5.2"] and zhang["total"] == 95
        assert api.card(ids["G0002"], "2022H1")["entries"] == []  # on leave (请假)
        assert api.card(ids["G0003"], "2022H1")["veto_reasons"] == ["A1.5.2"]
        assert api.card(ids["G0004"], "2022H1")["entries"][0]["rule_id"] == "A1.1.1"  # 90 minutes exactly


def test_reading_13_A1_1_1_two_lateness_rows_on_one_day_count_twice_and_again_are_the_same_rows(api):
    ids = roster(api)
    rows = [["工号", "日期", "类型", "分钟", "请假"], ["G0001", "2022-06-08", "迟到", "15", "否"],
            ["G0001", "2022/6/8", "迟到", "25", "否"]]  # two spellings of one day: still two occurrences
    first = send(api, "attendance", "a.csv", csv_bytes(rows))
    assert (first["written"], first["already_there"]) == (2, 0)
    assert api.card(ids["G0001"], "2022H1")["total"] == 90  # −5 twice
    rows[1][1], rows[2][1] = "2022/6/8", "2022-06-08"  # the same file with the spellings swapped
    again = send(api, "attendance", "a.csv", csv_bytes(rows))
    assert (again["written"], again["already_there"], again["corrected"]) == (0, 2, 0)


def test_reading_13_A1_5_2_20_then_95_minutes_on_one_day_is_minus_5_and_the_veto_on_worker_and_window(api):
    ids = roster(api)
    send(api, "attendance", "a.csv", csv_bytes([["工号", "日期", "类型", "分钟", "请假", "时间"],
                                                ["G0001", "2022-06-08", "迟到", "20", "否", "08:20"],
                                                ["G0001", "2022-06-08", "迟到", "95", "否", "14:35"]]))
    card = api.card(ids["G0001"], "2022H1")
    assert (card["total"], card["veto_reasons"]) == (95, ["A1.5.2"])
    assert api.card(ids["W001"], "2022H1")["veto_reasons"] == ["A2.6.2"]
    twice = send(api, "attendance", "a.csv", csv_bytes([["工号", "日期", "类型", "分钟", "请假", "时间"],
                                                       ["G0001", "2022-06-09", "迟到", "20", "否", "08:20"],
                                                       ["G0001", "2022-06-09", "迟到", "30", "否", "8:20"]]), expect=422)
    assert twice["detail"] == [{"row": 3, "column": "时间", "message": "与第 2 行重复(同一工号、日期、类型和时间)"}]


def test_reading_13_a_corrected_row_supersedes_the_earlier_and_the_history_shows_both(api):
    ids = roster(api)
    rows = [["工号", "日期", "类型", "分钟", "请假"], ["G0001", "2022-06-08", "迟到", "95", "否"]]
    send(api, "attendance", "a.csv", csv_bytes(rows))
    assert api.card(ids["G0001"], "2022H1")["vetoed"] and api.card(ids["W001"], "2022H1")["vetoed"]
    rows[1][4] = "是"  # the leave was approved afterwards
    corrected = send(api, "attendance", "a.csv", csv_bytes(rows))
    assert (corrected["written"], corrected["corrected"], corrected["already_there"]) == (0, 1, 0)
    card = api.card(ids["G0001"], "2022H1")
    assert not card["vetoed"] and card["total"] == 100 and not api.card(ids["W001"], "2022H1")["vetoed"]
    [entry] = card["entries"]
    assert entry["effective"] is False and "更正" in entry["reason"]
    history = api.get(f"/api/records/{entry['record_id']}/history")
    assert [e["event"] for e in history["events"]] == ["recorded", "corrected"]
    assert send(api, "attendance", "a.csv", csv_bytes(rows))["already_there"] == 1


def test_reading_13_a_correction_that_cannot_say_which_occurrence_it_corrects_is_refused(api):
    """Two rows of one day told apart by order only; a file with just the second, now excused,
    would have corrected the first (review finding): refused, nothing written; the whole day, or
    the rows' times, say which."""
    ids = roster(api)
    header = ["工号", "日期", "类型", "分钟", "请假"]
    send(api, "attendance", "a.csv", csv_bytes([header, ["G0001", "2022-06-08", "迟到", "20", "否"],
                                                ["G0001", "2022-06-08", "迟到", "95", "否"]]))
    end = api.log_end()
    refused = send(api, "attendance", "a.csv", csv_bytes([header, ["G0001", "2022-06-08", "迟到", "95", "是"]]),
                   expect=422)
    assert [(p["row"], p["column"]) for p in refused["detail"]] == [(2, "分钟")] and "时间" in refused["detail"][0]["message"]
    assert api.log_end() == end
    whole_day = send(api, "attendance", "a.csv", csv_bytes([header, ["G0001", "2022-06-08", "迟到", "20", "否"],
                                                            ["G0001", "2022-06-08", "迟到", "95", "是"]]))
    assert (whole_day["corrected"], whole_day["already_there"]) == (1, 1)
    card = api.card(ids["G0001"], "2022H1")
    assert (card["total"], card["vetoed"]) == (95, False)  # the 20 minutes still count; the 95 were on leave


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_bad_attendance_file_reports_every_problem_and_writes_nothing(api, encoding):
    roster(api)
    before = api.log_end()
    rows = [["工号", "日期", "类型", "分钟", "请假"],
            ["G0001", "2022-03-01", "迟到", "10", "否"],       # fine
            ["G9999", "2022-03-01", "迟到", "10", "否"],       # unknown 工号
            ["G0002", "三月一日", "迟到", "10", "否"],          # not a date
            ["G0003", "2022-03-01", "迟到", "十分钟", "否"],    # minutes not a number
            ["G0004", "2022-03-01", "睡岗", "10", "否"],        # unknown 类型
            ["G0001", "2022-3-1", "迟到", "-10", "否"],        # negative minutes (and a second lateness that day)
            ["G0004", "2022-03-02", "迟到", "10", "也许"],      # 请假 neither 是 nor 否
            ["G0004", "2021-12-30", "迟到", "10", "否"]]       # a closed period
    answer = send(api, "attendance", "bad.csv", csv_bytes(rows, encoding), expect=422)
    problems = {(p["row"], p["column"]) for p in answer["detail"]}
    assert problems == {(3, "工号"), (4, "日期"), (5, "分钟"), (6, "类型"), (7, "分钟"), (8, "请假"), (9, "日期")}
    assert all(p["message"] for p in answer["detail"])
    assert api.log_end() == before
    missing = send(api, "attendance", "bad.csv", csv_bytes([["工号", "分钟"], ["G0001", "3"]]), expect=422)
    assert {(p["row"], p["column"]) for p in missing["detail"]} == {(1, "日期"), (1, "类型")}


def test_hall_figures_import_from_xlsx_and_csv(api):
    ids = roster(api)
    report = send(api, "figures", "figures.xlsx", (SAMPLES / "figures.xlsx").read_bytes())
    assert report["written"] == 2
    h1, h2 = api.card(ids["H001"], "2022"), api.card(ids["H002"], "2022")
    # H001 ranks first (15230): A3.2 loses 2 (wrong elements); A3.4 loses 2; 99.2 % is fine → 96.
    # H002 ranks second: A3.2 loses 2 + 5; A3.4 loses 4; 98.5 % < 99 % → A3.5 loses 5 → 84.
    assert (h1["total"], h2["total"]) == (96, 84)
    assert send(api, "figures", "figures.xlsx", (SAMPLES / "figures.xlsx").read_bytes())["already_there"] == 2
    bad = csv_bytes([["大厅编码", "年度", "办件量", "错误要素数", "缺少制度", "满意率"],
                     ["H404", "2022", "1", "0", "", ""], ["H001", "2022", "多", "0", "", ""],
                     ["H002", "2022", "5", "0", "午休制", "abc"]], "gbk")
    answer = send(api, "figures", "bad.csv", bad, expect=422)
    assert {(p["row"], p["column"]) for p in answer["detail"]} == {(2, "大厅编码"), (3, "办件量"), (4, "满意率")}


def test_the_command_line_imports_with_a_report(api, container, monkeypatch, tmp_path):
    roster(api)
    monkeypatch.setenv("EVAL_DATABASE_URL", container.settings.database_url)
    monkeypatch.setenv("EVAL_NOW", "2022-06-10T12:00:00+08:00")
    result = CliRunner().invoke(evalctl, ["import-attendance", str(SAMPLES / "attendance.csv")])
    assert result.exit_code == 0, result.output
    assert "写入 5 行" in result.output
    again = CliRunner().invoke(evalctl, ["import-attendance", str(SAMPLES / "attendance.csv")])
    assert "0 行" in again.output and "5 行此前已导入" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text("工号,日期,类型,分钟,请假\nG404,2022-03-01,迟到,1,否\n", encoding="utf-8")
    refused = CliRunner().invoke(evalctl, ["import-attendance", str(bad)])
    assert refused.exit_code == 1 and "第 2 行「工号」" in refused.output and "nothing was written" in refused.output


def test_the_score_workbook_is_laid_out_like_the_annex(api, client):
    ids = roster(api)
    api.record(ids["G0001"], "A1.1.2", "2022-05-01T10:00:00+08:00", quantity=2)
    api.record(ids["G0002"], "A1.5.6", "2022-05-02T10:00:00+08:00", evidence=[upload(api)["id"]])
    api.post("/api/nominations", nomination(ids["G0001"], "2022H1", "worker", [upload(api)["id"]]))
    response = client.get("/api/periods/2022H1/scores.xlsx", params={"kind": "worker"}, headers=ADMIN)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    summary = book["汇总"]
    assert [c.value for c in summary[2]] == ["排名", "名称", "单位", "得分", "一票否决", "已申报"]
    rows = {r[1]: r for r in summary.iter_rows(min_row=3, values_only=True)}
    assert rows["吴晓梅"][3] == 90 and rows["吴晓梅"][5] == "是"
    assert rows["杨志强"][4] == "是(A1.5.6)" and rows["杨志强"][0] == "—"
    sheet = next(book[name] for name in book.sheetnames if "吴晓梅" in name)
    assert [c.value for c in sheet[2]] == ["评选项目", "考评内容及评分标准(总分100)", "分值", "自评分", "考评分"]
    assert "A1:E1" in {str(r) for r in sheet.merged_cells.ranges}
    first = [c.value for c in sheet[3]]
    assert first[0] == "一、工作纪律" and first[1].startswith("1.无故迟到") and first[2:] == [25, 23, 15]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    veto_row = next(i for i, v in enumerate(values, start=3) if v[0].startswith("五、一票否决"))
    assert f"C{veto_row}:E{veto_row}" in {str(r) for r in sheet.merged_cells.ranges}
    assert values[-1][0] == "合计" and values[-1][2:] == [100, 90, 90]
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.print_title_rows == "$1:$2"  # the two title rows repeat on every printed page
    assert sheet["B3"].font.name == "SimSun"
    evidence = book["证据明细"]
    assert any(len(str(r[7] or "")) == 64 for r in evidence.iter_rows(min_row=3, values_only=True))


def test_the_nomination_form_and_the_public_notice_as_word_documents(api, client, clock):
    ids = roster(api)
    details = {**UNIT_DETAILS, "name": "县政务服务中心", "head": "韦主任"}
    made = api.post("/api/nominations", nomination(ids["H001"], "2022", "hall", [upload(api)["id"]],
                                                   deeds="全面推行“一窗通办”。", details=details))
    response = client.get(f"/api/nominations/{made['id']}/form.docx", headers=ADMIN)
    assert response.status_code == 200
    form = Document(io.BytesIO(response.content))
    assert "政务服务标杆大厅”申报推荐表" in form.paragraphs[0].text
    cells = [cell.text for row in form.tables[0].rows for cell in row.cells]
    assert "大厅名称" in cells and "县政务服务中心" in cells and "全面推行“一窗通办”。" in cells
    assert "大厅负责人姓名" in cells and "韦主任" in cells and "0772-8627972" in cells
    assert any("盖  章" in c for c in cells) and "县政务服务监督管理办公室意见" in cells
    assert abs(form.sections[0].page_width - Cm(21)) < Cm(0.01)  # A4 (stored in twips)

    assert client.get("/api/periods/2022/notice.docx", params={"kind": "hall"}, headers=ADMIN).status_code == 409
    api.post("/api/periods/2022/close?kind=hall", {})
    api.post("/api/periods/2022/notice?kind=hall", {})
    notice = Document(io.BytesIO(client.get("/api/periods/2022/notice.docx", params={"kind": "hall"},
                                            headers=ADMIN).content))
    assert notice.paragraphs[0].text == "关于2022年度“政务服务标杆大厅”评选结果的公示"
    table = [[c.text for c in row.cells] for row in notice.tables[0].rows]
    assert table[0] == ["序号", "名称", "单位", "考评得分"] and table[1][1] == "县政务服务中心"
    assert any("公示时间:2022年6月10日至2022年6月15日" in p.text for p in notice.paragraphs)

    # The 通报 once the list is final, and not before.
    assert client.get("/api/periods/2022/final.docx", params={"kind": "hall"}, headers=ADMIN).status_code == 409
    clock.advance(days=6)
    api.post("/api/periods/2022/final?kind=hall", {})
    final = Document(io.BytesIO(client.get("/api/periods/2022/final.docx", params={"kind": "hall"},
                                           headers=ADMIN).content))
    assert final.paragraphs[0].text == "关于2022年度“政务服务标杆大厅”评选结果的通报"
    assert [[c.text for c in row.cells] for row in final.tables[0].rows][1][1] == "县政务服务中心"
    assert any("现确定以下1个为2022年度“政务服务标杆大厅”" in p.text for p in final.paragraphs)


@pytest.mark.parametrize("data", [b"\r0", b"PK\x03\x04not really a workbook"])
def test_a_malformed_file_is_refused_naming_the_line(api, data):
    answer = send(api, "attendance", "broken", data, expect=422)
    assert answer["detail"][0]["column"] in ("文件", "表头") and answer["detail"][0]["message"]


def test_an_office_spreadsheet_with_a_title_row_imports_with_its_own_line_numbers(api):
    ids = roster(api)
    rows = [["2022年3月考勤异常汇总表"], [], ["工号", "日期", "类型", "分钟", "请假"],
            ["G0001", "2022-03-01", "迟到", "12", "否"], ["G0002", "2022-03-02", "迟到", "-5", "否"]]
    refused = send(api, "attendance", "考勤.xlsx", xlsx_bytes(rows), expect=422)
    # A negative minute count is a problem of its row like any other, found before anything is written.
    assert [(p["row"], p["column"]) for p in refused["detail"]] == [(5, "分钟")]
    assert "应大于 0" in refused["detail"][0]["message"] and api.card(ids["G0001"], "2022H1")["entries"] == []
    report = send(api, "attendance", "考勤.xlsx", xlsx_bytes(rows[:4]))
    assert (report["rows"], report["written"]) == (1, 1)


def test_an_attendance_machine_export_is_recognised(api):
    """中控-style export: a row per person and day, late and early minutes in their own columns."""
    ids = roster(api)
    rows = [["考勤号码", "姓名", "日期", "迟到时间(分钟)", "早退时间(分钟)", "旷工"],
            ["G0001", "张伟", "2022/3/1", "12", "", ""],
            ["G0002", "李娜", "2022/3/1", "0", "0:20", ""],
            ["G0003", "王芳", "2022/3/2", "", "", "1"],
            ["G0004", "赵敏", "2022/3/2", "", "", ""]]  # a normal day: nothing to import
    report = send(api, "attendance", "机器导出.csv", csv_bytes(rows, "gbk"))
    assert report["written"] == 3
    assert [e["rule_id"] for e in api.card(ids["G0001"], "2022H1")["entries"]] == ["A1.1.1"]
    assert api.card(ids["G0002"], "2022H1")["entries"][0]["rule_id"] == "A1.1.1"
    assert api.card(ids["G0003"], "2022H1")["veto_reasons"] == ["A1.5.2"]


def test_an_old_excel_file_gets_a_clear_message(api):
    answer = send(api, "attendance", "考勤.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, expect=422)
    assert ".xls" in answer["detail"][0]["message"] and "另存为" in answer["detail"][0]["message"]
