"""A rulebook version as a workbook laid out like the notice's annexes, for the office to edit
next year's rubric in a spreadsheet and upload it: the template is the current version written
out, and reading it gives the same JSON that `PUT /api/rulebooks/{version}` takes (checked the
same way, every problem named by its path and by the sheet and row it came from).

Sheets (the first row of each is its header; 说明 is not read back):
- 版本: 项目 | 值 — the version, title, effective date and the settings, one per row.
- 类别: 附件 | 类别 | 名称 | 名额 | 周期 | 上半年申报截止 | 下半年申报截止 | 全年申报截止.
- 规则: the annex table. 附件 | 分项编号 | 分项名称 | 分项满分 | 分项说明 | 序号 | 规则编号 | 评分标准 |
  条款 | 效果 | 分值 | 计入窗口 | 回溯年数 | 数据计分方式 | 数据项 | 每项扣分 | 每名次扣分 | 标准值 | 可选项.
  A row whose section columns are empty belongs to the section above (as merged cells read);
  an empty 分项满分 is a section without a maximum (一票否决, 加分项).
- 沿用: 原规则编号 | 本版规则编号 — `carries_from`.
Effects and measures may be written as codes (deduct) or as their Chinese names (每次扣分).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from domain.rulebook import Rulebook, rulebook_to_json
from domain.vocabulary import CADENCE_LABELS, DAY_KIND_LABELS, EFFECT_LABELS, MEASURE_LABELS, SUBJECT_KINDS
from service.documents.spreadsheet import as_text
from service.documents.tabular import Problem, TableError, open_xlsx, sheet_rows

YES, NO = "是", "否"

# 版本 sheet: label → (JSON path, how the value is read).
VERSION_ROWS = [
    ("版本号", ("version",), "text"), ("标题", ("title",), "text"), ("施行日期", ("effective_from",), "text"),
    ("时区", ("settings", "timezone"), "text"), ("分项扣完为止", ("settings", "section_floor"), "bool"),
    ("旷工分钟线(超过即旷工)", ("settings", "absenteeism_over_minutes"), "number"),
    ("考勤:未超过分钟线的迟到早退", ("settings", "attendance_rules", "within_limit"), "text"),
    ("考勤:超过分钟线的迟到早退", ("settings", "attendance_rules", "over_limit"), "text"),
    ("考勤:旷工", ("settings", "attendance_rules", "absent"), "text"),
    ("投诉查实:工作人员", ("settings", "complaint_rules", "worker"), "text"),
    ("投诉查实:窗口", ("settings", "complaint_rules", "window"), "text"),
    ("酌情加分上限", ("settings", "discretionary_bonus_cap"), "number"),
    ("分值步长", ("settings", "points_step"), "number"),
    ("公示天数", ("settings", "notice_days"), "number"),
    ("公示日类型", ("settings", "notice_day_kind"), "day_kind"),
]
CATEGORY_COLUMNS = ["附件", "类别", "名称", "名额", "周期", "上半年申报截止", "下半年申报截止", "全年申报截止"]
DEADLINE_COLUMNS = {"上半年申报截止": "H1", "下半年申报截止": "H2", "全年申报截止": "Y"}
SECTION_COLUMNS = ["附件", "分项编号", "分项名称", "分项满分", "分项说明"]
RULE_COLUMNS = ["序号", "规则编号", "评分标准", "条款", "效果", "分值", "计入窗口", "回溯年数", "数据计分方式", "数据项",
                "每项扣分", "每名次扣分", "标准值", "可选项"]
MAPPING_COLUMNS = ["原规则编号", "本版规则编号"]
GUIDE = [
    "本工作簿是一版考评标准(按通知附件1-3的格式),可修改后在“考评标准”页面上传;上传后系统逐项检查并列出所有问题。",
    "“版本”表:版本号(如 2023)、标题、施行日期(须为某年 1 月 1 日)和各项设置,每行一项。",
    "“类别”表:工作人员、窗口、大厅各一行(附件编号 1、2、3 不变),名额、周期和申报截止日(月-日)。",
    "“规则”表:与附件表格相同,一行一条规则。分项的各列只在分项的第一行填写(下面几行留空即属同一分项);"
    "一票否决、加分项等不计分的分项,分项满分留空。各附件计分分项的满分合计须为 100。",
    "效果:每次扣分、每期扣一次、评分(由记录给分)、一票否决、加分、酌情加分、按排名扣分、按数量扣分。"
    "分值:每次扣分、每期扣一次、加分须填写;其余留空。",
    "计入窗口:工作人员的一票否决同时计入其所在窗口的哪条规则(如 A2.6.1),不计入则留空。回溯年数:“近两年来”的规则填 2。",
    "按大厅报送数据计分的规则填写数据计分方式(按名次、按个数、按项、低于标准值)、数据项及每项/每名次扣分、标准值、可选项(用“、”分隔)。",
    "“沿用”表:上一版的规则在本版改了编号时,写明原编号与本版编号,上一年度回溯计入本年度的记录按本版编号计分;"
    "上一版有、本版没有也未写明沿用的规则,其回溯记录在本年度不计分。",
]


def _number(value: Decimal | int | float | None) -> Any:
    if value is None:
        return None
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def rulebook_workbook(rulebook: Rulebook) -> bytes:
    """The version written out in the layout above: the template for the next one."""
    data = rulebook_to_json(rulebook)
    book = Workbook()
    guide = book.active
    guide.title = "说明"
    guide.append(["说明"])
    for line in GUIDE:
        guide.append([line])
    guide.column_dimensions["A"].width = 120
    version = book.create_sheet("版本")
    version.append(["项目", "值"])
    for label, path, how in VERSION_ROWS:
        value: Any = data
        for key in path:
            value = value[key]
        if how == "bool":
            value = YES if value else NO
        elif how == "day_kind":
            value = DAY_KIND_LABELS[value]
        version.append([label, value])
    version.column_dimensions["A"].width, version.column_dimensions["B"].width = 30, 60
    categories = book.create_sheet("类别")
    categories.append(CATEGORY_COLUMNS)
    rules = book.create_sheet("规则")
    rules.append(SECTION_COLUMNS + RULE_COLUMNS)
    for c in data["categories"]:
        deadlines = c["nomination_deadlines"]
        categories.append([c["annex"], SUBJECT_KINDS[c["kind"]], c["title"], c["quota"], CADENCE_LABELS[c["cadence"]],
                           *(deadlines.get(key) for key in DEADLINE_COLUMNS.values())])
        for s in c["sections"]:
            for i, r in enumerate(s["rules"]):
                figure = r.get("figure") or {}
                head = [c["annex"], s["id"], s["title"], s["max"], s["note"]] if i == 0 else [None] * 5
                rules.append(head + [
                    r["item"], r["id"], r["text"], r.get("clause"), EFFECT_LABELS[r["effect"]], r["points"],
                    r.get("rolls_up_to"), r["lookback_years"] if r["lookback_years"] != 1 else None,
                    MEASURE_LABELS.get(figure.get("measure", "")), figure.get("field"), figure.get("points_each"),
                    figure.get("points_per_place"), figure.get("threshold"), "、".join(figure.get("allowed", [])) or None,
                ])
    mappings = book.create_sheet("沿用")
    mappings.append(MAPPING_COLUMNS)
    for old, new in data["carries_from"].items():
        mappings.append([old, new])
    for sheet, widths in ((categories, (8, 10, 24, 8, 8, 14, 14, 14)),
                          (rules, (6, 10, 14, 8, 20, 6, 10, 60, 30, 12, 8, 10, 8, 12, 16, 8, 10, 8, 30)),
                          (mappings, (14, 14))):
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    for row in rules.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    as_text(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Read:
    """What a workbook says, as the JSON a version is checked in, and where each part came
    from (a JSON path → 「规则」第 7 行), to point the office at the row of each problem."""

    data: dict[str, Any]
    where: dict[str, str] = field(default_factory=dict)

    def located(self, path: str) -> str:
        """The sheet and row a problem's path came from ("" if none)."""
        best = ""
        for prefix in self.where:
            if (path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")) and \
                    len(prefix) > len(best):
                best = prefix
        return self.where.get(best, "")


def _value(text: str, how: str) -> Any:
    if text == "":
        return None
    if how == "number":
        try:
            return _number(Decimal(text))
        except InvalidOperation:
            return text  # the check names it
    if how == "bool":
        return {YES: True, NO: False, "true": True, "false": False}.get(text.lower() if text.isascii() else text, text)
    if how == "day_kind":
        return {v: k for k, v in DAY_KIND_LABELS.items()}.get(text, text)
    return text


def _rows(book, name: str, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """A sheet's rows by column name, with their line numbers (the header is line 1)."""
    if name not in book.sheetnames:
        raise TableError([Problem(1, name, f"工作簿中缺少“{name}”表")])
    lines = list(sheet_rows(book[name]))
    header = lines[0] if lines else []
    missing = [c for c in columns if c not in header]
    if missing:
        raise TableError([Problem(1, f"{name}表", f"缺少这些列:{'、'.join(missing)}")])
    index = {c: header.index(c) for c in columns}
    return [(line, {c: row[i] if i < len(row) else "" for c, i in index.items()})
            for line, row in enumerate(lines[1:], start=2) if any(row)]


def read_rulebook_workbook(data: bytes) -> Read:
    """The JSON of the version a workbook in this layout describes (not yet checked)."""
    book = open_xlsx(data)
    read = Read({"settings": {}, "categories": [], "carries_from": {}})
    for line, row in _rows(book, "版本", ["项目", "值"]):
        known = next((r for r in VERSION_ROWS if r[0] == row["项目"]), None)
        if known is None:
            continue
        _, path, how = known
        target = read.data
        for key in path[:-1]:
            target = target.setdefault(key, {})
        value = _value(row["值"], how)
        if path[-1] == "points_step" and value is None:
            continue
        target[path[-1]] = value
        read.where[".".join(path)] = f"「版本」第 {line} 行"
    by_annex: dict[str, dict] = {}
    kinds = {v: k for k, v in SUBJECT_KINDS.items()}
    cadences = {v: k for k, v in CADENCE_LABELS.items()}
    for line, row in _rows(book, "类别", CATEGORY_COLUMNS):
        category = {"kind": kinds.get(row["类别"], row["类别"]), "annex": _value(row["附件"], "number"),
                    "title": row["名称"], "quota": _value(row["名额"], "number"),
                    "cadence": cadences.get(row["周期"], row["周期"]),
                    "nomination_deadlines": {key: row[column] for column, key in DEADLINE_COLUMNS.items() if row[column]},
                    "sections": []}
        read.where[f"categories[{len(read.data['categories'])}]"] = f"「类别」第 {line} 行"
        read.data["categories"].append(category)
        by_annex[row["附件"]] = category
    _read_rules(book, read, by_annex)
    for line, row in _rows(book, "沿用", MAPPING_COLUMNS):
        read.data["carries_from"][row["原规则编号"]] = row["本版规则编号"]
        read.where[f"carries_from.{row['原规则编号']}"] = f"「沿用」第 {line} 行"
    return read


def _read_rules(book, read: Read, by_annex: dict[str, dict]) -> None:
    effects = {**{v: k for k, v in EFFECT_LABELS.items()}, "评分(记录给分)": "assess"}
    measures = {v: k for k, v in MEASURE_LABELS.items()}
    section: dict | None = None
    annex = ""
    for line, row in _rows(book, "规则", SECTION_COLUMNS + RULE_COLUMNS):
        annex = row["附件"] or annex
        category = by_annex.get(annex)
        if category is None:
            raise TableError([Problem(line, "附件", f"附件 {annex or '(空)'} 不在“类别”表中")])
        c_index = read.data["categories"].index(category)
        if row["分项编号"] and (section is None or section["id"] != row["分项编号"] or section not in category["sections"]):
            section = {"id": row["分项编号"], "title": row["分项名称"], "max": _value(row["分项满分"], "number"),
                       "note": row["分项说明"], "rules": []}
            read.where[f"categories[{c_index}].sections[{len(category['sections'])}]"] = f"「规则」第 {line} 行"
            category["sections"].append(section)
        if section is None or section not in category["sections"]:
            raise TableError([Problem(line, "分项编号", "这一行之前还没有分项:分项的第一行须填写分项编号")])
        rule: dict[str, Any] = {"id": row["规则编号"], "item": row["序号"], "text": row["评分标准"],
                                "effect": effects.get(row["效果"], row["效果"]), "points": _value(row["分值"], "number"),
                                "lookback_years": _value(row["回溯年数"], "number") or 1}
        if row["条款"]:
            rule["clause"] = row["条款"]
        if row["计入窗口"]:
            rule["rolls_up_to"] = row["计入窗口"]
        if row["数据计分方式"]:
            figure = {"measure": measures.get(row["数据计分方式"], row["数据计分方式"]), "field": row["数据项"]}
            for column, key in (("每项扣分", "points_each"), ("每名次扣分", "points_per_place")):
                if row[column]:
                    figure[key] = _value(row[column], "number")
            if row["标准值"]:
                figure["threshold"] = row["标准值"]
            if row["可选项"]:
                figure["allowed"] = [x.strip() for x in row["可选项"].split("、") if x.strip()]
            rule["figure"] = figure
        s_index = category["sections"].index(section)
        read.where[f"categories[{c_index}].sections[{s_index}].rules[{len(section['rules'])}]"] = f"「规则」第 {line} 行"
        section["rules"].append(rule)
