"""What users typed, made safe for a spreadsheet. A name or note starting with = + - @ (or a tab
or carriage return) is a live formula in Excel or LibreOffice once it lands in a cell or a CSV
file, so workbooks store every string as text (with the quote prefix spreadsheets show for text
that looks like a formula) and CSV cells get the leading apostrophe spreadsheets expect. Sheet
names cannot hold : \\ / ? * [ ] or run past 31 characters."""

from __future__ import annotations

import re

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")
SHEET_NAME_LENGTH = 31


def as_text(book: Workbook) -> None:
    """Every string cell of the workbook stored as text, never as a formula or an error code."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if cell.value.startswith(FORMULA_STARTS):
                        cell.quotePrefix = True


def csv_text(value: object) -> str:
    """A CSV cell that a spreadsheet opens as the text it is."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def sheet_name(text: str) -> str:
    """A valid sheet name for `text` (callers keep names unique, e.g. with a number in front)."""
    return SHEET_NAME_FORBIDDEN.sub("_", text).strip("'")[:SHEET_NAME_LENGTH] or "_"
