"""Attendance exceptions (考勤异常) resolved to the rule they fall under (rulebook point 2).

Late arrival or early leave up to the limit (90 minutes) is an A1.1.1 deduction; beyond it
(91 and up) it is absenteeism, the A1.5.2 veto, as is an absence. Time covered by approved
leave (请假) counts for nothing. The limit and the rule ids are rulebook settings.
"""

from __future__ import annotations

from domain.errors import Invalid
from domain.rulebook import Settings

KINDS = ("late", "early_leave", "absent")


def resolve_attendance(settings: Settings, kind: str, minutes: int | None, excused: bool) -> str | None:
    """The rule id an attendance exception counts under, or None when it counts for nothing."""
    if kind not in KINDS:
        raise Invalid("kind", f"考勤类型 {kind!r} 不认识,应为 late(迟到)、early_leave(早退)或 absent(旷工)")
    if kind != "absent":
        if minutes is None:
            raise Invalid("minutes", "迟到或早退必须填写分钟数")
        if minutes <= 0:
            raise Invalid("minutes", "分钟数必须大于 0")
    elif minutes is not None and minutes < 0:
        raise Invalid("minutes", "分钟数不能为负数")
    if excused:
        return None
    rules = settings.attendance_rules
    if kind == "absent":
        return rules["absent"]
    if minutes is not None and minutes > settings.absenteeism_over_minutes:
        return rules["over_limit"]
    return rules["within_limit"]
