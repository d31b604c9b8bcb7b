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
from collections.abc import Callable, Iterator
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
OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-file header of .xls (Excel 97-2003)
HEADER_SEARCH = 10  # office spreadsheets put a title (and a blank line) above the header


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    yield from sheet_rows(open_xlsx(data).worksheets[0])


def _rows(data: bytes) -> Iterator[list[str]]:
    if data[:8] == OLD_EXCEL:
        raise TableError([Problem(1, "文件", "这是旧版 Excel 文件(.xls),无法直接读取:请在 Excel 中“另存为”Excel 工作簿(.xlsx)"
                                            "或 CSV(逗号分隔)后重新上传")])
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


@dataclass(frozen=True)
class Layout:
    """Another way the same rows are laid out, e.g. an attendance machine's export with one row
    per person and day and a column per exception: recognised by its headers, and turned into
    the canonical rows (several per line, each keeping the line's number)."""

    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    expand: Callable[[dict[str, str]], list[dict[str, str]]]


def _aliases(columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_plain(alias): name for name, aliases in columns.items() for alias in (name, *aliases)}


def _plain(header: str) -> str:
    """Headers compared without case, spaces or the width of brackets: 迟到时间(分钟) = 迟到时间(分钟)."""
    return header.strip().lower().replace(" ", "").replace("(", "(").replace(")", ")")


def find_header(rows: list[list[str]], columns: dict[str, tuple[str, ...]],
                required: tuple[str, ...]) -> int | None:
    """The index of the header among the first rows: the first row naming every required column."""
    wanted = _aliases(columns)
    for index, row in enumerate(rows[:HEADER_SEARCH]):
        named = {wanted[_plain(h)] for h in row if _plain(h) in wanted}
        if all(r in named for r in required):
            return index
    return None


def read_table(data: bytes, columns: dict[str, tuple[str, ...]], required: tuple[str, ...],
               layouts: tuple[Layout, ...] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as {column: text}, keyed by the canonical column names of `columns`
    (canonical → accepted headers). A title above the header is skipped; a file laid out as one
    of `layouts` is read as that layout says. Empty lines are skipped."""
    rows = list(_rows(data))
    if not any(any(r) for r in rows):
        raise TableError([Problem(1, "表头", "文件是空的")])
    layout = Layout(columns, required, lambda row: [row])
    found = find_header(rows, columns, required)
    for other in layouts:
        if found is not None:
            break
        found, layout = find_header(rows, other.columns, other.required), other
    if found is None:
        first = next(i for i, r in enumerate(rows) if any(r))
        wanted = _aliases(columns)
        named = {wanted[_plain(h)] for h in rows[first] if _plain(h) in wanted}
        missing = [columns[name][0] for name in required if name not in named]
        if not named:
            raise TableError([Problem(first + 1, "表头", f"找不到表头:前 {HEADER_SEARCH} 行里没有含“{'、'.join(missing)}”"
                                                        "这些列的一行")])
        raise TableError([Problem(first + 1, m, "缺少这一列(表头应在前 10 行之内)") for m in missing])
    header = rows[found]
    wanted = _aliases(layout.columns)
    index = {wanted[_plain(h)]: i for i, h in enumerate(header) if _plain(h) in wanted}
    problems = [Problem(found + 1, loggable(h, 40), f"表头:{p}") for h in header
                if (p := first_problem(h, multiline=False))]
    for line, row in enumerate(rows[found + 1:], start=found + 2):
        if not any(row):
            continue
        for i, cell in enumerate(row):
            problem = first_problem(cell, multiline=False)
            if problem is not None:  # a cell no store can keep: named, never passed on
                column = loggable(header[i], 40) if i < len(header) else f"第 {i + 1} 列"
                problems.append(Problem(line, column, problem))
        for expanded in layout.expand({name: row[i] if i < len(row) else "" for name, i in index.items()}):
            yield line, expanded
    if problems:
        raise TableError(problems)


def headers_of(data: bytes) -> list[str]:
    """The file's likely header (the fullest of its first rows): what the page offers to map."""
    rows = [r for r in list(_rows(data))[:HEADER_SEARCH] if any(r)]
    return [h for h in max(rows, key=lambda r: sum(1 for c in r if c), default=[]) if h]


def with_headers(data: bytes, renamed: dict[str, str]) -> bytes:
    """The file as UTF-8 CSV with some header cells renamed (the page's column mapping); every
    row stays on its line, so problems are still named by the file's own line numbers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in _rows(data):
        writer.writerow([renamed.get(cell, cell) for cell in row])
    return out.getvalue().encode("utf-8")
