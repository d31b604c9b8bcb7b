"""Pydantic's validation errors in words the office's users read (Chinese): the API's 422s,
the pages' refused forms and the nomination form's details all say the same."""

from __future__ import annotations

from typing import Any

MESSAGES = {
    "missing": "必填项,不能缺少",
    "timezone_aware": "时间必须带时区偏移,例如 2022-03-01T09:00:00+08:00",
    "datetime_parsing": "不是有效的时间,应为 ISO 8601 格式并带时区偏移",
    "datetime_from_date_parsing": "不是有效的时间,应为 ISO 8601 格式并带时区偏移",
    "datetime_type": "不是有效的时间,应为 ISO 8601 格式并带时区偏移",
    "date_parsing": "不是有效的日期,应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "不是有效的日期,应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期 YYYY-MM-DD,不带时间",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "int_from_float": "必须是整数",
    "decimal_parsing": "必须是数字",
    "decimal_type": "必须是数字",
    "bool_parsing": "必须是 true 或 false",
    "bool_type": "必须是 true 或 false",
    "string_type": "必须是文字",
    "string_unicode": "不是有效的文字:含有无法识别的字符",
    "list_type": "必须是列表",
    "extra_forbidden": "不认识的字段",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体必须是 JSON 对象",
    "dict_type": "请求体必须是 JSON 对象",
}


def validation_message(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", "、").replace(", ", "、")
        return f"取值必须是 {expected} 之一"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"太长,最多 {ctx.get('max_length')} 个字符"
    if kind == "too_long":
        return f"太多,最多 {ctx.get('max_length')} 项"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "输入有误")))
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if pattern.startswith("^[0-9]{4}-"):
            return "格式应为 年-月,例如 1988-05"
        if "+" in pattern and "()" in pattern:
            return "只能包含数字、空格和 + - ( )"
        if "\\x21" in pattern:  # printable ASCII: an Idempotency-Key
            return "只能包含可见的英文字符(字母、数字和符号),不能有空格或汉字"
        return "格式不对,只能包含字母、数字和 _ . @ -"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"必须 {sign} {bound}"
    return MESSAGES.get(kind, error.get("msg", "输入有误"))
