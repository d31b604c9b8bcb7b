"""Imports of the office's files: the roster (halls, windows, workers), attendance exceptions
from the attendance machines and leave records, and halls' figures from the integrated
platform (一体化平台).

Every import is all or nothing for bad input: the whole file is checked first and a file with
any bad row writes nothing, answering with every problem by row and column. Then it is
written in batches through the same commands as single entries. Rows have a natural identity
(a worker's row by 工号+日期+类型, figures by 大厅编码+年度, subjects by their code), so
importing a file again writes nothing and says how many rows were already there; if a crash
interrupts the writing, importing the same file again writes the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from uuid import UUID

from domain.errors import Refused
from domain.figures import HallFigures
from domain.periods import CADENCE_OF_KIND, SHANGHAI, period_of, start_of_local_day
from domain.records import attendance_id
from domain.subjects import Subject
from domain.text import is_blank
from service.application.services import Container
from service.documents.tabular import Layout, Problem, TableError, read_table

Progress = Callable[[int, int], None]


class ImportRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    written: int = 0
    already: int = 0
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "rows": self.rows, "written": self.written, "already_there": self.already,
                **self.details}

    def summary(self) -> str:
        corrected = self.details.get("corrected")
        return f"{self.rows} 行:写入 {self.written} 行," + (f"更正 {corrected} 行," if corrected else "") + \
            f"{self.already} 行此前已导入"


def _date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError


def _table(data: bytes, columns: dict, required: tuple[str, ...], layouts: tuple[Layout, ...] = ()):
    try:
        return list(read_table(data, columns, required, layouts))
    except TableError as error:
        raise ImportRefused(error.problems) from None


# --- attendance ----------------------------------------------------------------------------------

ATTENDANCE_COLUMNS = {
    "code": ("工号", "code", "worker_code", "考勤号码", "人员编号", "员工编号"),
    "date": ("日期", "date", "考勤日期"),
    "kind": ("类型", "kind", "type", "异常类型"),
    "minutes": ("分钟", "minutes", "分钟数", "时长(分钟)"),
    "excused": ("请假", "excused", "leave", "是否请假"),
    "time": ("时间", "time", "考勤时间"),
}
KINDS = {"迟到": "late", "早退": "early_leave", "旷工": "absent", "缺勤": "absent", "late": "late",
         "early_leave": "early_leave", "absent": "absent"}
YES = {"是": True, "否": False, "": False, "yes": True, "no": False, "true": True, "false": False, "1": True,
       "0": False, "y": True, "n": False}


def _machine_minutes(text: str) -> str:
    """An attendance machine's minutes: 12, 12.0 or 0:12 (hours:minutes); empty for none."""
    text = text.strip()
    if ":" in text:
        hours, _, minutes = text.partition(":")
        if hours.isdigit() and minutes.isdigit():
            return str(int(hours) * 60 + int(minutes))
    return "" if text in ("", "0", "0.0", "0:00", "-") else text


def _machine_rows(row: dict[str, str]) -> list[dict[str, str]]:
    """One row per person and day (考勤机导出): a row per exception it shows."""
    rows = []
    for kind, column in (("迟到", "late"), ("早退", "early_leave")):
        minutes = _machine_minutes(row.get(column, ""))
        if minutes:
            rows.append({"code": row["code"], "date": row["date"], "kind": kind, "minutes": minutes, "excused": ""})
    absent = row.get("absent", "").strip()
    if absent and absent not in ("0", "否", "0.0", "-"):
        rows.append({"code": row["code"], "date": row["date"], "kind": "旷工", "minutes": "", "excused": ""})
    return rows


# Attendance machines' own exports (中控 ZKTeco and the like): 考勤号码, 日期, 迟到时间(分钟), 早退时间(分钟), 旷工.
ATTENDANCE_MACHINE = Layout(
    columns={"code": ("考勤号码", "工号", "人员编号", "员工编号", "编号", "AC-No."), "date": ("日期", "考勤日期", "Date"),
             "late": ("迟到时间(分钟)", "迟到时间", "迟到(分钟)", "迟到分钟数", "迟到", "Late"),
             "early_leave": ("早退时间(分钟)", "早退时间", "早退(分钟)", "早退分钟数", "早退", "Early"),
             "absent": ("旷工", "旷工(天)", "旷工天数", "Absent")},
    required=("code", "date", "late"), expand=_machine_rows)
CLOCK = re.compile(r"^([01]?[0-9]|2[0-3])[:：]([0-5][0-9])(?:[:：][0-5][0-9])?$")


@dataclass(frozen=True)
class AttendanceRow:
    line: int
    worker_id: str
    day: date
    kind: str
    minutes: int | None
    excused: bool
    occurrence: str  # `@08:35` when the row gives its time, else its number within the day: `#1`, `#2`
    record_id: str


def import_attendance(c: Container, data: bytes, actor: str, progress: Progress | None = None) -> ImportReport:
    """Each row is one occurrence (reading 13): two late arrivals of a worker on one day are two
    rows, told apart by their time (时间) or, without one, by their order in the file. A row
    already imported with the same minutes and leave is skipped; one whose minutes or leave
    changed corrects the earlier one (the history keeps both)."""
    rows = _table(data, ATTENDANCE_COLUMNS, ("code", "date", "kind"), (ATTENDANCE_MACHINE,))
    problems: list[Problem] = []
    checked: list[AttendanceRow] = []
    seen: dict[tuple[str, date, str, str], int] = {}
    numbered: dict[tuple[str, date, str], int] = {}  # (worker id, day, kind): the day's last numbered row
    workers: dict[str, Subject | None] = {}
    today = c.ledger.now().astimezone(SHANGHAI).date()
    closed = _closed_check(c, "worker")
    for line, row in rows:
        bad = len(problems)
        code = row["code"]
        if code not in workers:
            workers[code] = c.ledger.find(Subject, Subject.create_id(kind="worker", code=code)) if code else None
        worker = workers[code]
        if worker is None:
            problems.append(Problem(line, "工号", f"工号 {code!r} 不存在" if code else "工号为空"))
        try:
            day = _date(row["date"])
            if day > today:
                problems.append(Problem(line, "日期", f"{day} 晚于今天"))
        except ValueError:
            day = None
            problems.append(Problem(line, "日期", f"{row['date']!r} 不是日期,应为 2022-03-01"))
        kind = KINDS.get(row["kind"].strip().lower())
        if kind is None:
            problems.append(Problem(line, "类型", f"{row['kind']!r} 不认识,应为 迟到、早退 或 旷工(缺勤)"))
        minutes = None
        if row.get("minutes"):
            try:
                minutes = int(Decimal(row["minutes"]))
            except (InvalidOperation, ValueError):
                problems.append(Problem(line, "分钟", f"{row['minutes']!r} 不是数字"))
            else:
                if minutes < 0 or (minutes == 0 and kind != "absent"):
                    problems.append(Problem(line, "分钟", f"分钟数应大于 0,而不是 {minutes}"))
        elif kind in ("late", "early_leave"):
            problems.append(Problem(line, "分钟", "迟到或早退须填写分钟数"))
        excused = YES.get(row.get("excused", "").strip().lower())
        if excused is None:
            problems.append(Problem(line, "请假", f"{row['excused']!r} 应为 是 或 否"))
        time = row.get("time", "").strip()
        clock = CLOCK.match(time) if time else None
        if time and clock is None:
            problems.append(Problem(line, "时间", f"{time!r} 不是时刻,应为 08:35"))
        if len(problems) > bad or worker is None or day is None or kind is None:
            continue
        if clock is not None:
            occurrence = f"@{int(clock.group(1)):02d}:{clock.group(2)}"
        else:
            day_of = (str(worker.id), day, kind)
            number = numbered[day_of] = numbered.get(day_of, 0) + 1
            occurrence = f"#{number}"
        key = (code, day, kind, occurrence)
        if key in seen:
            problems.append(Problem(line, "时间", f"与第 {seen[key]} 行重复(同一工号、日期、类型和时间)"))
            continue
        seen[key] = line
        period_problem = closed(day)
        if period_problem:
            problems.append(Problem(line, "日期", period_problem))
            continue
        record_id = str(attendance_id(str(worker.id), day.isoformat(), kind, occurrence))
        checked.append(AttendanceRow(line, str(worker.id), day, kind, minutes, bool(excused), occurrence, record_id))
    if problems:
        raise ImportRefused(problems)
    # Rows told apart by their order only: the occurrence after the file's last one of that day,
    # if the store has it, shows that the file does not hold the whole day.
    beyond = {(worker_id, day, kind): str(attendance_id(worker_id, day.isoformat(), kind, f"#{last + 1}"))
              for (worker_id, day, kind), last in numbered.items()}
    before = c.ledger.projection.attendance_rows([r.record_id for r in checked] + list(beyond.values()))
    report = ImportReport("attendance", rows=len(rows), details={"corrected": 0})
    todo = []
    for r in checked:
        earlier = before.get(r.record_id)
        if earlier is None:
            report.written += 1
        elif (earlier["minutes"], earlier["excused"]) == (r.minutes, r.excused):
            report.already += 1
            continue
        elif r.occurrence.startswith("#") and beyond.get((r.worker_id, r.day, r.kind)) in before:
            problems.append(Problem(r.line, "分钟", f"{r.day} 这一天此前已导入的同类记录比本文件多,无法判断这一行更正的是"
                                    "哪一条:请把这一天的记录按原顺序全部放进文件,或加「时间」列注明每条的时刻"))
            continue
        else:
            report.details["corrected"] += 1
        todo.append(r)
    if problems:  # an ambiguous correction: nothing is written
        raise ImportRefused(problems)
    # Written in large transactions: the events and the read model's rows together.
    with c.ledger.batched(size=2000):
        c.ledger.known_absent([UUID(r.record_id) for r in todo if r.record_id not in before])
        for i, r in enumerate(todo, start=1):
            c.records.attendance(actor, r.worker_id, r.day, r.kind, r.minutes, r.excused, "考勤导入", r.occurrence)
            if progress is not None and i % 1000 == 0:
                progress(i, len(todo))
    if progress is not None:
        progress(len(todo), len(todo))
    return report


def _closed_check(c: Container, kind: str) -> Callable[[date], str | None]:
    """Why a day's period no longer takes rows of this kind (None: it does), asked once per period."""
    answers: dict[str, str | None] = {}

    def closed(day: date) -> str | None:
        period = period_of(CADENCE_OF_KIND[kind], day)
        if period.id not in answers:
            answers[period.id] = None if c.ledger.is_open(period, kind) else f"考评期 {period.id} 已结束或已关闭"
        return answers[period.id]

    return closed


# --- hall figures --------------------------------------------------------------------------------

FIGURE_COLUMNS = {
    "code": ("大厅编码", "hall_code", "code"),
    "year": ("年度", "year"),
    "case_volume": ("办件量", "case_volume"),
    "wrong_elements": ("错误要素数", "wrong_elements"),
    "systems_missing": ("缺少制度", "systems_missing"),
    "satisfaction_rate": ("满意率", "satisfaction_rate"),
}
FIGURE_NAMES = {"case_volume": "办件量", "wrong_elements": "错误要素数", "systems_missing": "缺少制度",
                "satisfaction_rate": "满意率"}


def import_figures(c: Container, data: bytes, actor: str, progress: Progress | None = None) -> ImportReport:
    rows = _table(data, FIGURE_COLUMNS, ("code", "year"))
    problems: list[Problem] = []
    checked: list[tuple[str, int, dict]] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        bad = len(problems)
        hall = c.ledger.find(Subject, Subject.create_id(kind="hall", code=row["code"])) if row["code"] else None
        if hall is None:
            problems.append(Problem(line, "大厅编码", f"大厅编码 {row['code']!r} 不存在"))
        try:
            year = int(row["year"])
        except ValueError:
            year = 0
            problems.append(Problem(line, "年度", f"{row['year']!r} 不是年份"))
        figures: dict = {}
        for name in ("case_volume", "wrong_elements"):
            if row.get(name):
                try:
                    figures[name] = int(Decimal(row[name]))
                except (InvalidOperation, ValueError):
                    problems.append(Problem(line, FIGURE_NAMES[name], f"{row[name]!r} 不是数字"))
        if row.get("systems_missing"):
            figures["systems_missing"] = [n.strip() for n in row["systems_missing"].replace("、", ",").replace(",", ",")
                                          .split(",") if n.strip()]
        elif "systems_missing" in row:
            figures["systems_missing"] = []
        if row.get("satisfaction_rate"):
            text = row["satisfaction_rate"].strip()
            try:
                figures["satisfaction_rate"] = Decimal(text.rstrip("%")) / (100 if text.endswith("%") else 1)
            except InvalidOperation:
                problems.append(Problem(line, "满意率", f"{text!r} 不是数字,应为 0.985 或 98.5%"))
        if (row["code"], row["year"]) in seen:
            problems.append(Problem(line, "大厅编码", f"与第 {seen[(row['code'], row['year'])]} 行重复"))
        seen.setdefault((row["code"], row["year"]), line)
        if len(problems) == bad and hall is not None:
            try:
                figures = c.figures.check(year, figures)
            except Refused as refused:
                problems.append(Problem(line, FIGURE_NAMES.get(refused.field, refused.field), refused.message))
                continue
            checked.append((str(hall.id), year, figures))
    if problems:
        raise ImportRefused(problems)
    report = ImportReport("figures", rows=len(rows))
    for hall_id, year, figures in checked:
        current = c.ledger.find(HallFigures, HallFigures.create_id(hall_id=hall_id, year=year))
        if current is not None and all(current.figures.get(k) == v for k, v in figures.items()):
            report.already += 1
            continue
        c.figures.report(actor, hall_id, year, figures)
        report.written += 1
    return report


# --- roster --------------------------------------------------------------------------------------

ROSTER_COLUMNS = {
    "kind": ("类型", "kind"),
    "code": ("编码", "code"),
    "name": ("名称", "name"),
    "unit": ("单位", "unit"),
    "parent": ("上级编码", "parent_code", "parent"),
}
ROSTER_KINDS = {"大厅": "hall", "窗口": "window", "工作人员": "worker", "hall": "hall", "window": "window",
                "worker": "worker"}
PARENT = {"window": "hall", "worker": "window"}


def import_roster(c: Container, data: bytes, actor: str, effective: date,
                  progress: Progress | None = None) -> ImportReport:
    rows = _table(data, ROSTER_COLUMNS, ("kind", "code", "name", "unit"))
    problems: list[Problem] = []
    in_file: dict[tuple[str, str], int] = {}
    parsed = []
    for line, row in rows:
        kind = ROSTER_KINDS.get(row["kind"].strip().lower())
        if kind is None:
            problems.append(Problem(line, "类型", f"{row['kind']!r} 不认识,应为 大厅、窗口 或 工作人员"))
            continue
        for column, name in (("code", "编码"), ("name", "名称"), ("unit", "单位")):
            if is_blank(row[column]):  # as the API says it: spaces or invisible characters alone are blank
                problems.append(Problem(line, name, "不能为空(只有空格或不可见字符也算空)"))
        if (kind, row["code"]) in in_file:
            problems.append(Problem(line, "编码", f"与第 {in_file[(kind, row['code'])]} 行重复"))
        in_file.setdefault((kind, row["code"]), line)
        parsed.append((line, kind, row))
    for line, kind, row in parsed:
        parent_kind = PARENT.get(kind)
        parent = row.get("parent", "")
        if parent_kind is None:
            if parent:
                problems.append(Problem(line, "上级编码", "大厅没有上级"))
        elif not parent:
            problems.append(Problem(line, "上级编码", f"{'窗口' if kind == 'window' else '工作人员'}须填写上级编码"))
        elif (parent_kind, parent) not in in_file and \
                c.ledger.find(Subject, Subject.create_id(kind=parent_kind, code=parent)) is None:
            problems.append(Problem(line, "上级编码", f"上级编码 {parent!r} 不存在"))
    if problems:
        raise ImportRefused(problems)
    when = start_of_local_day(effective)
    report = ImportReport("roster", rows=len(rows), details={"created": 0, "moved": 0, "renamed": 0})
    order = {"hall": 0, "window": 1, "worker": 2}
    for _line, kind, row in sorted(parsed, key=lambda p: (order[p[1]], p[0])):
        parent_id = str(Subject.create_id(kind=PARENT[kind], code=row["parent"])) if kind in PARENT else None
        existing = c.ledger.find(Subject, Subject.create_id(kind=kind, code=row["code"]))
        changed = False
        if existing is None:
            c.roster.create(actor, kind, row["name"], row["unit"], row["code"], parent_id, when)
            report.details["created"] += 1
            changed = True
        else:
            if parent_id is not None and existing.parent_at(when + timedelta(seconds=1)) != parent_id:
                c.roster.reassign(actor, str(existing.id), parent_id, when)
                report.details["moved"] += 1
                changed = True
            if (existing.name, existing.unit) != (row["name"], row["unit"]):
                c.roster.rename(actor, str(existing.id), row["name"], row["unit"])
                report.details["renamed"] += 1
                changed = True
        if changed:
            report.written += 1
        else:
            report.already += 1
    return report
