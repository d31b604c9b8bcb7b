"""What text may reach the store, and how text about a refused request is made safe to log.

PostgreSQL cannot keep a NUL in a text column, and no store can encode an unpaired surrogate
as UTF-8: one such character in a name once committed an event that the read model could never
apply. Other control characters and the bidirectional overrides (which make a name display as
something else) have no business in the office's data either. So text is checked before it
becomes an event: refused with the field named, never silently changed. Tab and line breaks
are allowed only where text has lines (notes, reasons); names are one line and not blank
(zero-width characters alone are blank too).
"""

from __future__ import annotations

import re

from domain.errors import Invalid

LINE_BREAKS = "\t\n\r"
BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
_NONCHARACTERS = "".join(chr(plane * 0x10000 + last) for plane in range(17) for last in (0xFFFE, 0xFFFF))
# Any character the checks below refuse (tab and line breaks too: `multiline` decides on them),
# found in one regular-expression pass, so clean text costs next to nothing.
_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef"
                      + re.escape(_NONCHARACTERS) + "]")


def first_problem(text: str, multiline: bool = True) -> str | None:
    """Why this text cannot be stored, or None. Words for the office's users (Chinese)."""
    found = _SUSPECT.search(text)
    if found is None:
        return None
    for position, char in enumerate(text[found.start():], start=found.start() + 1):
        code = ord(char)
        if char in LINE_BREAKS:
            if multiline:
                continue
            return f"第 {position} 个字符是换行或制表符,此处只能填一行文字"
        if code < 0x20 or 0x7F <= code <= 0x9F:
            return f"第 {position} 个字符是不可见的控制字符(U+{code:04X}),不能保存"
        if 0xD800 <= code <= 0xDFFF:
            return f"第 {position} 个字符不是有效的 Unicode 字符(U+{code:04X}),不能保存"
        if char in BIDI_CONTROLS:
            return f"第 {position} 个字符是改变文字方向的控制符(U+{code:04X}),不能保存"
        if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
            return f"第 {position} 个字符是 Unicode 非字符(U+{code:04X}),不能保存"
    return None


def check_text(text: str, field: str, multiline: bool = True) -> str:
    """The text as given, or a refusal naming the field."""
    problem = first_problem(text, multiline)
    if problem is not None:
        raise Invalid(field, problem)
    return text


def is_blank(text: str) -> bool:
    return all(char.isspace() or char in INVISIBLE for char in text)


def check_name(text: str, field: str) -> str:
    """A name or title: one line, storable, not blank; surrounding spaces dropped."""
    check_text(text, field, multiline=False)
    if is_blank(text):
        raise Invalid(field, "不能为空(只有空格或不可见字符也算空)")
    return text.strip()


def check_storable(value: object, field: str) -> None:
    """Walks what an event will store (strings inside dicts and lists too) and refuses the
    first string that cannot be kept, naming where it is."""
    kind = type(value)
    if kind is str:
        if _SUSPECT.search(value):  # type: ignore[arg-type]
            check_text(value, field)  # type: ignore[arg-type]
    elif kind is dict:
        for key, item in value.items():  # type: ignore[attr-defined]
            check_text(str(key), field)
            check_storable(item, f"{field}.{key}")
    elif kind is list or kind is tuple:
        for index, item in enumerate(value):  # type: ignore[call-overload]
            check_storable(item, f"{field}[{index}]")


def loggable(text: str, limit: int = 300) -> str:
    """Text about a request (a path, a username) made safe to keep: every character that could
    not be stored or would mislead a reader is shown as an escape (\\x00, \\u202e), and the
    result is at most `limit` characters."""
    out = []
    for char in text:
        if first_problem(char, multiline=False) is None:
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    safe = "".join(out)
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"
