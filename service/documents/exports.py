"""What the product prints, laid out like the county's own annexes: the score workbook of a
period (annexes 1-3: 评选项目 | 考评内容及评分标准 | 分值 | 自评分 | 考评分), the nomination form
(申报推荐表, annexes 4-6) and the public notice (公示) as Word documents. A4, 宋体."""

from __future__ import annotations

from io import BytesIO
from uuid import UUID

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from domain.errors import Conflict
from domain.evidence import Evidence
from domain.nominations import Nomination
from domain.periods import SHANGHAI, parse_period
from domain.records import Record
from domain.rulebook import Category
from domain.vocabulary import COUNTING_WORD, ROUND_STATUSES, SUBJECT_KINDS, entry_actor, period_name
from service.application.services import Container
from service.documents.spreadsheet import as_text, sheet_name

FONT = "SimSun"  # 宋体: present on the office's Windows machines; LibreOffice maps it to a CJK font
ORDINALS = "一二三四五六七八九十"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _section_text(section) -> str:
    """The section's criteria as the annex prints them: each item once, numbered as there
    (an item carrying two penalties, A1.1.4a and A1.1.4b, is one item 4)."""
    return " ".join(f"{item}.{text}" for item, text, _ in section.items())


# --- the score workbook ------------------------------------------------------------------------

def _style(ws: Worksheet, widths: tuple[float, ...]) -> None:
    for column, width in zip("ABCDEFGH", widths, strict=False):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows():
        for cell in row:
            cell.font = Font(name=FONT, size=cell.font.size or 11, bold=cell.font.bold)
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal=cell.alignment.horizontal)
            if cell.row > 1:
                cell.border = BOX
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:2"


def _subject_sheet(ws: Worksheet, county: str, category: Category, item: dict, card: dict,
                   self_scores: dict | None) -> None:
    ws.append([f"{county}“{category.title}”考评标准及评分细则 —— {item['name']}({item['unit']})"])
    ws.merge_cells("A1:E1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["评选项目", "考评内容及评分标准(总分100)", "分值", "自评分", "考评分"])
    scores = {s["id"]: s for s in card["sections"]}
    for n, section in enumerate(category.sections):
        title = f"{ORDINALS[n]}、{section.title}"
        if section.max is not None:
            own = None if self_scores is None else self_scores.get(section.id)
            ws.append([title, _section_text(section), int(section.max), own, scores[section.id]["score"]])
        elif any(r.effect == "veto" for r in section.rules):
            vetoed = "否决:" + "、".join(card["veto_reasons"]) if card["vetoed"] else "无"
            ws.append([f"{title}({section.note})" if section.note else title, _section_text(section), vetoed, None, None])
            ws.merge_cells(start_row=ws.max_row, start_column=3, end_row=ws.max_row, end_column=5)
        else:
            ws.append([title, _section_text(section), "加分", None, card["bonus"]])
            ws.merge_cells(start_row=ws.max_row, start_column=3, end_row=ws.max_row, end_column=4)
    own_total = None if self_scores is None else sum(self_scores.values())
    ws.append(["合计", None, 100, own_total, card["total"]])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=2)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    _style(ws, (22, 90, 10, 10, 10))


def score_workbook(c: Container, kind: str, period_id: str, unit: str | None = None) -> tuple[str, bytes]:
    """`unit`: only that unit's subjects (what a unit administrator may see); ranks stay the county's."""
    rounds, ledger = c.rounds, c.ledger
    period = rounds.period(kind, period_id)
    category = ledger.rulebook_for(period).category(kind)
    position, items = ledger.projection.standings(kind, period.id)
    items = [i for i in items if unit is None or i["unit"] == unit]
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.append([f"{period_name(period)}“{category.title}”考评得分汇总表(截至第 {position} 条记录,"
                    f"{ROUND_STATUSES[rounds.status(kind, period)]})"])
    summary.merge_cells("A1:F1")
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["排名", "名称", "单位", "得分", "一票否决", "已申报"])
    evidence_rows = []
    for index, item in enumerate(items, start=1):
        reasons = "、".join(item["veto_reasons"])
        summary.append([item["rank"] if item["rank"] is not None else "—", item["name"], item["unit"], item["total"],
                        f"是({reasons})" if item["vetoed"] else "否", "是" if item["nominated"] else "否"])
        card = ledger.projection.card(ledger.projection.subject(item["subject_id"]), period.id)
        nomination = ledger.find(Nomination, Nomination.create_id(subject_id=item["subject_id"], period=period.id))
        sheet = book.create_sheet(sheet_name(f"{index:03d} {item['name']}"))
        _subject_sheet(sheet, c.settings.county, category, item,
                       card, None if nomination is None else {k: int(v) if v == int(v) else float(v)
                                                             for k, v in nomination.self_scores.items()})
        evidence_rows += _evidence_rows(c, item, card)
    for cell in summary[2]:
        cell.font = Font(bold=True)
    _style(summary, (8, 28, 28, 10, 30, 10))
    evidence = book.create_sheet("证据明细")
    evidence.append([f"{period_name(period)}“{category.title}”考评证据明细"])
    evidence.merge_cells("A1:H1")
    evidence["A1"].font = Font(bold=True, size=14)
    evidence.append(["对象", "发生时间", "录入时间", "规则", "分值", "是否计分", "录入人", "证据 SHA-256"])
    for row in evidence_rows:
        evidence.append(row)
    for cell in evidence[2]:
        cell.font = Font(bold=True)
    _style(evidence, (20, 22, 22, 9, 8, 9, 14, 68))
    as_text(book)
    buffer = BytesIO()
    book.save(buffer)
    return f"考评得分-{period.id}-{SUBJECT_KINDS[kind]}.xlsx", buffer.getvalue()


def _evidence_rows(c: Container, item: dict, card: dict) -> list[list]:
    rows = []
    for e in card["entries"]:
        hashes = ""
        if e["record_id"] and e["origin"] in ("record", "attendance"):
            record = c.ledger.find(Record, UUID(e["record_id"]))
            if record is not None and record.evidence:
                found = [c.ledger.find(Evidence, UUID(i)) for i in record.evidence]
                hashes = "\n".join(f.sha256 for f in found if f is not None)
        rows.append([item["name"], e["occurred_at"] or "", e["recorded_at"] or "", e["rule_id"], e["delta"],
                     "是" if e["effective"] else "否", entry_actor(e), hashes])
    return rows


# --- Word documents --------------------------------------------------------------------------

def _document(landscape: bool = False) -> Document:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin = section.bottom_margin = Cm(2)
    return document


def _title(document: Document, text: str, size: int = 18) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(size)
    run.font.name = FONT  # creates the run's font element; East Asian text needs its own attribute
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def _save(document: Document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


SEAL = "\n\n\n（盖  章）\n年    月    日"


def nomination_form(c: Container, nomination_id: str, mask: bool = False) -> tuple[str, bytes]:
    """申报推荐表 (annex 4 for workers, 5 for windows, 6 for halls) on one A4 sheet, with the
    unit's and the office's opinion blocks left empty for their seals. `mask` hides the birth
    month and phone (for readers outside the office and the subject's unit)."""
    nomination = c.ledger.get(Nomination, nomination_id, "nomination_id")
    award = c.ledger.rulebook_for(parse_period(nomination.period)).category(nomination.kind).title
    d = {k: ("****" if mask and k in ("birth_month", "phone") else v) for k, v in nomination.details.items()}
    county = c.settings.county.removesuffix("侗族自治县")
    document = _document()
    _title(document, f"{county}县“{award}”申报推荐表", 16)
    if nomination.kind == "worker":
        table = document.add_table(rows=6, cols=8)
        rows = [["姓名", d["name"], "性别", d["gender"], "出生\n年月", d["birth_month"], "政治\n面貌", d["political_status"]],
                ["工作单位及服务岗位", d["unit_and_post"], None, None, None, "参加工作时间", d["work_start"], None]]
    else:
        what = "窗口" if nomination.kind == "window" else "大厅"
        table = document.add_table(rows=7, cols=8)
        rows = [[f"{what}名称", d["name"], None, None, None, None, None, None],
                [f"{what}负责人姓名", d["head"], None, None, f"{what}人数", str(d["head_count"]), None, None],
                [f"{what}负责人职务", d["head_post"], None, None, "联系电话", d["phone"], None, None]]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, values in enumerate(rows):
        for col, value in enumerate(values):
            if value is not None:
                table.cell(r, col).text = value
        _merge_runs(table, r, values)
    deeds_row = len(rows)
    table.cell(deeds_row, 0).text = "主\n要\n事\n迹"
    table.cell(deeds_row, 1).merge(table.cell(deeds_row, 7)).text = nomination.deeds
    table.rows[deeds_row].height = Cm(11 if nomination.kind == "worker" else 10)
    table.cell(deeds_row + 1, 0).text = "推荐\n单位\n意见"
    table.cell(deeds_row + 1, 1).merge(table.cell(deeds_row + 1, 7)).text = SEAL
    table.cell(deeds_row + 2, 0).text = "县政务服务监督管理办公室意见"
    table.cell(deeds_row + 2, 1).merge(table.cell(deeds_row + 2, 7)).text = SEAL
    for r in (deeds_row + 1, deeds_row + 2):
        table.cell(r, 1).paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        table.rows[r].height = Cm(3.2)
    notes = document.add_paragraph("填报说明:1.主要事迹字数在800字以内。2.另附1-3张电子版工作照片。"
                                   "3.可另附纸张,说明加分情况。4.此表格一式两份,双面打印。")
    notes.runs[0].font.size = Pt(10.5)
    return f"申报推荐表-{nomination.period}-{d['name']}.docx", _save(document)


def _merge_runs(table, r: int, values: list) -> None:
    """Merges each value cell with the empty (None) cells that follow it, as in the annex."""
    col = 0
    while col < len(values):
        end = col
        while end + 1 < len(values) and values[end + 1] is None:
            end += 1
        if end > col:
            text = table.cell(r, col).text
            table.cell(r, col).merge(table.cell(r, end)).text = text
        col = end + 1


def final_document(c: Container, kind: str, period_id: str) -> tuple[str, bytes]:
    """The final list (通报) once the round is final: the list as it stands after the notice,
    the subjects an upheld objection took off with the office's ruling note, the chain head."""
    period = c.rounds.period(kind, period_id)
    award = c.ledger.rulebook_for(period).category(kind).title
    found = c.rounds.round(kind, period)
    if found is None or found.final is None:
        raise Conflict("period", f"{period_name(period)}“{award}”评选名单尚未确定,还不能通报")
    items, settings = found.final["list"], c.settings
    starts, ends = (found.notice[k].astimezone(SHANGHAI) for k in ("starts", "ends"))
    at = found.final["at"].astimezone(SHANGHAI)
    document = _document()
    _title(document, f"关于{period_name(period)}“{award}”评选结果的通报")
    _indented(document, f"根据《{settings.county}{period.year}年“优秀政务服务工作者”、“优质服务窗口”、“政务服务标杆大厅”"
                        f"评选活动方案》,经单位推荐、{settings.office_name}核实评定,并于{starts.year}年{starts.month}月"
                        f"{starts.day}日至{ends.year}年{ends.month}月{ends.day}日进行公示,现确定以下{len(items)}"
                        f"{COUNTING_WORD[kind]}为{period_name(period)}“{award}”,予以通报表扬。")
    _list_table(document, items)
    for removed in found.final["removed"]:
        _indented(document, f"{removed['name']}经公示期异议核实,不列入本次名单({removed['reason']})。")
    _indented(document, "希望受到表扬的同志和集体珍惜荣誉、再接再厉;各单位要以先进为榜样,进一步提升政务服务水平。")
    head = found.final["chain_head"]
    document.add_paragraph(f"台账校验码(截至第 {head['position']} 条记录):{head['link']}").runs[0].font.size = Pt(8)
    for text in (settings.office_name, f"{at.year}年{at.month}月{at.day}日"):
        document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return f"通报-{period.id}-{SUBJECT_KINDS[kind]}.docx", _save(document)


def _indented(document: Document, text: str) -> None:
    document.add_paragraph(text).paragraph_format.first_line_indent = Pt(24)


def _list_table(document: Document, items: list[dict]) -> None:
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for col, text in enumerate(["序号", "名称", "单位", "考评得分"]):
        table.cell(0, col).text = text
    for n, item in enumerate(items, start=1):
        cells = table.add_row().cells
        for col, text in enumerate([str(n), item["name"], item.get("unit", ""), str(item["total"])]):
            cells[col].text = text


def notice_document(c: Container, kind: str, period_id: str) -> tuple[str, bytes]:
    """The public notice (公示) ready to print and post."""
    period = c.rounds.period(kind, period_id)
    award = c.ledger.rulebook_for(period).category(kind).title
    found = c.rounds.round(kind, period)
    if found is None or found.notice is None:
        raise Conflict("period", f"{period_name(period)}“{award}”评选结果尚未公示")
    items = found.notice["listed"]
    settings = c.settings
    document = _document()
    _title(document, f"关于{period_name(period)}“{award}”评选结果的公示")
    document.add_paragraph(
        f"根据《{settings.county}{period.year}年“优秀政务服务工作者”、“优质服务窗口”、“政务服务标杆大厅”评选活动方案》,"
        f"经单位推荐、{settings.office_name}核实评定,拟确定以下{len(items)}{COUNTING_WORD[kind]}"
        f"为{period_name(period)}“{award}”,现予以公示。").paragraph_format.first_line_indent = Pt(24)
    _list_table(document, items)
    starts, ends = (found.notice[k].astimezone(SHANGHAI) for k in ("starts", "ends"))
    document.add_paragraph(f"公示时间:{starts.year}年{starts.month}月{starts.day}日至{ends.year}年{ends.month}月{ends.day}日。"
                           ).paragraph_format.first_line_indent = Pt(24)
    document.add_paragraph(f"公示期间,如有异议,请以书面或电话形式向{settings.office_name}反映(电话:{settings.office_phone})。"
                           "反映情况应实事求是,我们将对反映人信息严格保密。").paragraph_format.first_line_indent = Pt(24)
    head = found.notice["chain_head"]
    document.add_paragraph(f"台账校验码(截至第 {head['position']} 条记录):{head['link']}").runs[0].font.size = Pt(8)
    for text in (settings.office_name, f"{starts.year}年{starts.month}月{starts.day}日"):
        document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return f"公示-{period.id}-{SUBJECT_KINDS[kind]}.docx", _save(document)
