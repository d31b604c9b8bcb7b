"""Reading the office's tables: CSV in UTF-8 (with or without BOM) or GBK, or XLSX (first
sheet). Each importer names its columns with their Chinese and English headers; rows come
with their line number in the file (the header is line 1), so every problem can be named.

A file is refused before it can cost much: at most `MAX_ROWS` rows and `MAX_COLUMNS` columns,
and an XLSX whose zip members would unpack to more than `MAX_UNPACKED` bytes, or whose first
sheet declares a range beyond those limits, is refused before any cell is parsed (a few
kilobytes can declare a million rows by 16,384 columns)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook

from domain.text import first_problem, loggable

MAX_ROWS = 300_000  # a county's half-year of attendance is about 125,000
MAX_COLUMNS = 50
MAX_UNPACKED = 200 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        return f"第 {self.row} 行「{self.column}」:{self.message}"


class TableError(Exception):
    """The file as a whole cannot be read (not CSV/XLSX, missing columns)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _refused(message: str) -> TableError:
    return TableError([Problem(1, "文件", message)])


def _check_size(rows: int | None, columns: int | None) -> None:
    if rows is not None and rows > MAX_ROWS + 1:
        raise _refused(f"文件有 {rows} 行,超过上限 {MAX_ROWS} 行(不含表头),请分成几个文件导入")
    if columns is not None and columns > MAX_COLUMNS:
        raise _refused(f"文件有 {columns} 列,超过上限 {MAX_COLUMNS} 列")


def open_xlsx(data: bytes) -> Workbook:
    """A workbook read only, refused before it is parsed if it would unpack to too much."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise _refused("无法读取 XLSX 文件:不是有效的压缩包") from None
    if unpacked > MAX_UNPACKED:
        raise _refused(f"XLSX 文件解压后有 {unpacked // 1024 // 1024} MB,超过上限 {MAX_UNPACKED // 1024 // 1024} MB")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        book.worksheets[0]  # noqa: B018 - a workbook without sheets is refused here
    except Exception as error:  # noqa: BLE001 - any unreadable workbook is the file's problem, not ours
        raise _refused(f"无法读取 XLSX 文件:{type(error).__name__}") from None
    return book


def sheet_rows(sheet) -> Iterator[list[str]]:
    """A sheet's rows as text (empty rows as []), no further than the limits."""
    # The range the sheet declares (its <dimension>), read before any cell; a sheet without one
    # is still read no further than the limits.
    _check_size(sheet.max_row, sheet.max_column)
    for count, row in enumerate(sheet.iter_rows(max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS, values_only=True), 1):
        _check_size(count, None)
        yield [_cell(v) for v in row] if row.count(None) != len(row) else []  # the rows a sheet skips cost nothing


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    yield from sheet_rows(open_xlsx(data).worksheets[0])


def _rows(data: bytes) -> Iterator[list[str]]:
    if data[:4] == b"PK\x03\x04":  # an XLSX file is a zip archive
        yield from _xlsx_rows(data)
        return
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError([Problem(1, "文件", "无法识别文件编码,请保存为 UTF-8 或 GBK 编码的 CSV,或 XLSX")])
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise TableError([Problem(reader.line_num, "文件", f"CSV 格式不对:{error}")]) from None
        _check_size(reader.line_num, len(row))
        yield [c.strip() for c in row]


def read_table(data: bytes, columns: dict[str, tuple[str, ...]],
               required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as {column: text}, keyed by the canonical column names of `columns`
    (canonical → accepted headers). Empty lines are skipped."""
    rows = _rows(data)
    header = next(rows, None)
    if not header:
        raise TableError([Problem(1, "表头", "文件是空的")])
    wanted = {alias.strip().lower(): name for name, aliases in columns.items() for alias in (name, *aliases)}
    index = {wanted[h.strip().lower()]: i for i, h in enumerate(header) if h.strip().lower() in wanted}
    missing = [columns[name][0] for name in required if name not in index]
    if missing:
        raise TableError([Problem(1, m, "缺少这一列") for m in missing])
    problems = [Problem(1, loggable(h, 40), f"表头:{p}") for h in header if (p := first_problem(h, multiline=False))]
    for line, row in enumerate(rows, start=2):
        if not any(row):
            continue
        for i, cell in enumerate(row):
            problem = first_problem(cell, multiline=False)
            if problem is not None:  # a cell no store can keep: named, never passed on
                column = loggable(header[i], 40) if i < len(header) else f"第 {i + 1} 列"
                problems.append(Problem(line, column, problem))
        yield line, {name: row[i] if i < len(row) else "" for name, i in index.items()}
    if problems:
        raise TableError(problems)
