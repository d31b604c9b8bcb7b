"""The dispute file (申诉卷宗) for the leading group: one workbook with the scorecard as of now
and as of the close, every entry with who, when, evidence hashes, retractions and rulings, and
the hash-chain head the log was checked against."""

from __future__ import annotations

from io import BytesIO
from uuid import UUID

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from domain.periods import SHANGHAI, check_period_kind, parse_period
from domain.records import Record
from domain.subjects import Subject
from domain.vocabulary import ROUND_STATUSES, SUBJECT_KINDS, entry_actor
from projections import chain
from service.application.history import evidence_hashes
from service.application.services import Container
from service.documents.spreadsheet import as_text

BOLD = Font(bold=True)
FONT = "SimSun"


def _card_sheet(ws: Worksheet, title: str, card: dict, rulebook) -> None:
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["评选项目", "项目名称", "分值", "扣分", "得分"])
    for section in card["sections"]:
        ws.append([section["id"], section["title"], section["max"], section["deducted"], section["score"]])
    ws.append(["加分", "", "", "", card["bonus"]])
    reasons = "、".join(f"{r} {rulebook.rule(r).text}" for r in card["veto_reasons"]) or "无"
    ws.append(["一票否决", reasons, "", "", "是" if card["vetoed"] else "否"])
    ws.append(["总分", "", "", "", card["total"]])
    for cell in ws[2]:
        cell.font = BOLD
    ws.column_dimensions["B"].width = 40


def build_dossier(c: Container, subject_id: str, period_id: str) -> tuple[str, bytes]:
    ledger = c.ledger
    subject = ledger.get(Subject, subject_id, "subject_id")
    period = parse_period(period_id)
    check_period_kind(period, subject.kind)
    rulebook = ledger.rulebook_for(period)
    projection = ledger.projection
    position = projection.position()
    now_card = projection.card(projection.subject(str(subject.id)), period.id)
    found = c.rounds.round(subject.kind, period)
    check = chain.verify(ledger.recorder, projection.store)

    book = Workbook()
    info = book.active
    info.title = "说明"
    rows = [
        ["申诉卷宗", ""],
        ["对象", f"{subject.name}({SUBJECT_KINDS[subject.kind]},{subject.unit})"],
        ["对象编号", str(subject.id)],
        ["考评期", period.id],
        ["考评标准版本", rulebook.version],
        ["生成时间", c.clock.now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S(北京时间)")],
        ["当前日志位置", position],
        ["关闭时冻结位置", found.frozen_position if found else "未关闭"],
        ["考评期状态", ROUND_STATUSES[found.status if found else "open"]],
        ["修订次数", len(found.revisions) if found else 0],
        ["哈希链核对", check.describe()],
        ["链头位置", check.head_position],
        ["链头", check.head],
    ]
    for row in rows:
        info.append(row)
    info["A1"].font = Font(bold=True, size=14)
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 90

    _card_sheet(book.create_sheet("考评表(当前)"), f"{subject.name} {period.id} 考评表(截至第 {position} 条)",
                now_card, rulebook)
    if found is not None:
        closed = projection.card_at(str(subject.id), period.id, found.frozen_position)
        if closed is not None:
            _card_sheet(book.create_sheet("考评表(关闭时)"),
                        f"{subject.name} {period.id} 考评表(关闭时,第 {found.frozen_position} 条)", closed, rulebook)

    entries = book.create_sheet("明细")
    entries.append(["记录编号", "规则", "规则内容", "发生时间", "录入时间", "录入人", "分值影响", "是否计分", "说明",
                    "证据(SHA-256)", "撤销", "申诉与裁定", "来源对象"])
    for cell in entries[1]:
        cell.font = BOLD
    for e in now_card["entries"]:
        evidence, retraction, disputes = "", "", ""
        if e["record_id"] and e["origin"] in ("record", "attendance"):
            record = ledger.find(Record, UUID(e["record_id"]))
            if record is not None:
                evidence = "\n".join(f"{h['sha256']}" for h in evidence_hashes(ledger, record.evidence))
                if record.retraction:
                    r = record.retraction
                    retraction = f"{r['recorded_at'].isoformat()} {r['actor']}:{r['reason']}"
                disputes = "\n".join(
                    f"{ev.recorded_at.isoformat()} {ev.actor} " + (
                        f"申诉:{ev.grounds}" if type(ev).__name__ == "Disputed"
                        else f"裁定{'成立' if ev.upheld else '不成立'}:{ev.note}")
                    for ev in ledger.events.get(record.id) if type(ev).__name__ in ("Disputed", "DisputeRuled"))
        rule = rulebook.rule(e["rule_id"])
        entries.append([e["record_id"] or "", e["rule_id"], rule.text, e["occurred_at"] or "", e["recorded_at"] or "",
                        entry_actor(e), e["delta"], "是" if e["effective"] else "否", e["note"], evidence, retraction,
                        disputes, e["from_subject_id"] or ""])
    for column, width in zip("ABCDEFGHIJKLM", (38, 9, 40, 27, 27, 14, 9, 8, 30, 66, 40, 50, 38), strict=True):
        entries.column_dimensions[column].width = width
    for row in entries.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                cell.font = Font(name=FONT, bold=cell.font.bold, size=cell.font.size)
    as_text(book)
    buffer = BytesIO()
    book.save(buffer)
    return f"申诉卷宗-{subject.code or subject.id}-{period.id}.xlsx", buffer.getvalue()
