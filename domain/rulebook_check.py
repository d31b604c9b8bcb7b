"""Checking a rulebook version the office uploads, before it can become an event: every problem
at once, each named by its path in the JSON (`categories[0].sections[1].rules[2].points`) and
said in words the office reads (Chinese).

What is checked is what the scoring, placement and rounds rely on (domain/scoring.py,
domain/placement.py, domain/round.py): effects and figure measures the code knows, ids unique
and prefixed by their annex (the prefix tells a rule's category), scored sections summing to
100, points where an effect needs them and nowhere else, caps, quotas, nomination deadlines
within their half-year, roll-ups from a worker's rule to a window's, attendance and complaint
rules that exist, and an `effective_from` on 1 January after the first shipped version. A
version that passes can be parsed and scored; nothing here depends on the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.periods import CADENCE_OF_KIND, LAST_YEAR, TIME_ZONE
from domain.rulebook import (
    COMPUTED_FROM_FIGURES,
    EFFECTS,
    KINDS,
    POINTS_GIVEN_BY_RECORD,
    Rulebook,
    RulebookLibrary,
    parse_rulebook,
    rulebook_to_json,
)
from domain.text import first_problem, is_blank

VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$"
ID = re.compile(r"^[A-Za-z0-9.]{1,16}$", re.ASCII)  # what a record's rule_id may be (the API's pattern)
KIND_NAMES = {"worker": "工作人员", "window": "窗口", "hall": "大厅"}
EFFECT_NAMES = {"deduct": "每次扣分", "deduct-once": "每期扣一次", "assess": "评分(记录给分)", "veto": "一票否决",
                "bonus": "加分", "bonus-discretionary": "酌情加分", "rank": "按排名扣分", "count": "按数量扣分"}
DEDUCTING = ("deduct", "deduct-once", "assess", "rank", "count")  # effects that take points off a section
POINTS_REQUIRED = ("deduct", "deduct-once", "bonus")
# A figure measure → the reported figure it reads (domain/facts.py Figures) and what it needs.
MEASURES = {"rank": ("case_volume", "points_per_place"), "per_unit": ("wrong_elements", "points_each"),
            "per_item": ("systems_missing", "points_each"), "below": ("satisfaction_rate", "threshold")}
KEYS = {
    "top": {"version", "title", "effective_from", "settings", "categories", "carries_from"},
    "settings": {"timezone", "section_floor", "absenteeism_over_minutes", "attendance_rules", "complaint_rules",
                 "discretionary_bonus_cap", "points_step", "notice_days", "notice_day_kind"},
    "category": {"kind", "annex", "title", "quota", "cadence", "nomination_deadlines", "sections"},
    "section": {"id", "title", "max", "note", "rules"},
    "rule": {"id", "item", "text", "clause", "effect", "points", "rolls_up_to", "lookback_years", "figure"},
    "figure": {"measure", "field", "points_each", "points_per_place", "threshold", "allowed"},
}
REQUIRED = {
    "top": ("version", "title", "effective_from", "settings", "categories"),
    "settings": ("timezone", "section_floor", "absenteeism_over_minutes", "attendance_rules", "complaint_rules",
                 "discretionary_bonus_cap", "notice_days", "notice_day_kind"),
    "category": ("kind", "annex", "title", "quota", "cadence", "nomination_deadlines", "sections"),
    "section": ("id", "title", "max", "rules"),
    "rule": ("id", "text", "effect"),
    "figure": ("measure", "field"),
}
MAX_SECTIONS, MAX_RULES, MAX_MAPPINGS = 30, 100, 1000
ATTENDANCE_KEYS = ("within_limit", "over_limit", "absent")
COMPLAINT_KEYS = ("worker", "window")
DEADLINE_KEYS = {"half-year": ("H1", "H2"), "year": ("Y",)}
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class Check:
    """Collects the problems of one upload."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path or "body", message))

    def obj(self, value: Any, path: str, shape: str) -> dict | None:
        if not isinstance(value, dict):
            self.add(path, "必须是 JSON 对象")
            return None
        for key in value:
            if key not in KEYS[shape]:
                self.add(f"{path}.{key}" if path else str(key), "不认识的字段")
        for key in REQUIRED[shape]:  # a section's max may be null (一票否决, 加分项), but is stated
            if key not in value or (value[key] is None and key != "max"):
                self.add(f"{path}.{key}" if path else key, "必填项,不能缺少")
        return value

    def items(self, value: Any, path: str, shape: str, limit: int, what: str) -> list[tuple[str, dict]]:
        """The objects of a list, each with its path; the list itself checked first."""
        if not isinstance(value, list) or not value:
            self.add(path, f"须是列表,至少一个{what}")
            return []
        if len(value) > limit:
            self.add(path, f"{what}太多,最多 {limit} 个")
            return []
        found = [(f"{path}[{i}]", self.obj(raw, f"{path}[{i}]", shape)) for i, raw in enumerate(value)]
        return [(p, o) for p, o in found if o is not None]

    def text(self, value: Any, path: str, limit: int, multiline: bool = False, required: bool = True) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str):
            if value is not None:
                self.add(path, "必须是文字")
            return None
        problem = first_problem(value, multiline)
        if problem is not None:
            self.add(path, problem)
        elif required and is_blank(value):
            self.add(path, "不能为空")
        elif len(value) > limit:
            self.add(path, f"太长,最多 {limit} 个字符")
        return value

    def number(self, value: Any, path: str, low: Decimal, high: Decimal, low_open: bool = True) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.add(path, "必须是数字")
            return None
        try:
            found = Decimal(str(value))
        except InvalidOperation:
            self.add(path, "必须是数字")
            return None
        if not found.is_finite():
            self.add(path, "必须是数字")
            return None
        if (found <= low if low_open else found < low) or found > high:
            self.add(path, f"必须{'大于' if low_open else '不小于'} {low} 且不超过 {high}")
            return None
        return found

    def integer(self, value: Any, path: str, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, "必须是整数")
            return None
        if not low <= value <= high:
            self.add(path, f"必须在 {low} 到 {high} 之间")
            return None
        return value

    def ident(self, value: Any, path: str, prefix: str, what: str) -> str | None:
        if not isinstance(value, str) or not ID.match(value):
            self.add(path, f"{what}编号只能由字母、数字和点组成,最多 16 个字符")
            return None
        if not value.startswith(prefix):
            self.add(path, f"{what}编号 {value} 须以本附件的前缀 {prefix} 开头(编号的前缀决定它属于哪一类)")
        return value


def check_rulebook(data: Any, version: str, library: RulebookLibrary) -> tuple[Rulebook | None, list[Problem]]:
    """The rulebook `data` describes, or every problem it has. `version` is the one the upload
    is for (the URL's); `library` the versions known (for the annexes and the days they start)."""
    check = Check()
    top = check.obj(data, "", "top")
    if top is None:
        return None, check.problems
    _version(check, top, version)
    check.text(top.get("title"), "title", 200)
    _effective_from(check, top.get("effective_from"), version, library)
    rule_kinds = _categories(check, top.get("categories"), library)
    _settings(check, top.get("settings"), rule_kinds)
    _carries_from(check, top.get("carries_from"), rule_kinds, library)
    if check.problems:
        return None, check.problems
    try:
        return parse_rulebook(top), []
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:  # a case the checks above missed
        return None, [Problem("body", f"无法读取这份考评标准:{error}")]


def canonical(rulebook: Rulebook) -> dict[str, Any]:
    """What is stored and answered: the rulebook as `rulebook_to_json` writes it."""
    return rulebook_to_json(rulebook)


def _version(check: Check, top: dict, version: str) -> None:
    given = top.get("version")
    if not isinstance(given, str) or not re.match(VERSION_PATTERN, given):
        check.add("version", "版本号只能由字母、数字和 . _ - 组成,最多 32 个字符")
    elif given != version:
        check.add("version", f"文件中的版本号 {given} 与上传的版本 {version} 不一致")


def _effective_from(check: Check, value: Any, version: str, library: RulebookLibrary) -> None:
    path = "effective_from"
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        check.add(path, "施行日期应为 YYYY-MM-DD 格式的日期,例如 2023-01-01")
        return
    first = library.first_day()
    if (day.month, day.day) != (1, 1):
        check.add(path, "施行日期须为某年的 1 月 1 日:每年的通知对应一版考评标准,考评期从该日起按新版计分")
    elif day <= first or day.year > LAST_YEAR:
        check.add(path, f"施行日期须晚于第一版考评标准的施行日期 {first.isoformat()},且不晚于 {LAST_YEAR} 年")
    for other in library.all():
        if other.version != version and other.effective_from == day:
            check.add(path, f"版本 {other.version} 已从 {day.isoformat()} 起施行;同一天只能有一版考评标准")


def _annexes(library: RulebookLibrary) -> dict[str, int]:
    """The annex number of each kind, as the first version has it: rule ids carry it as their
    prefix (A1 = workers), so it never changes between versions."""
    return {c.kind: c.annex for c in library.all()[0].categories}


def _categories(check: Check, value: Any, library: RulebookLibrary) -> dict[str, tuple[str, str, bool]]:
    """Checks the categories; returns every rule id → (kind, effect, in a scored section)."""
    rules: dict[str, tuple[str, str, bool]] = {}
    annexes = _annexes(library)
    seen_kinds: list[str] = []
    section_ids: set[str] = set()
    roll_ups: list[tuple[str, str, str]] = []  # (path, from rule, to rule)
    for path, category in check.items(value, "categories", "category", len(KINDS), "类别"):
        kind = category.get("kind")
        if kind not in KINDS:
            check.add(f"{path}.kind", f"类别须为 {'、'.join(KINDS)} 之一")
            continue
        if kind in seen_kinds:
            check.add(f"{path}.kind", f"类别 {kind} 出现了两次")
            continue
        seen_kinds.append(kind)
        annex = category.get("annex")
        if annex != annexes[kind]:
            check.add(f"{path}.annex", f"{KIND_NAMES[kind]}的附件编号须为 {annexes[kind]}"
                                       "(与第一版相同:规则编号的前缀据此判断类别)")
        check.text(category.get("title"), f"{path}.title", 100)
        check.integer(category.get("quota"), f"{path}.quota", 1, 1000)
        cadence = CADENCE_OF_KIND[kind]
        if category.get("cadence") != cadence:
            check.add(f"{path}.cadence", f"{KIND_NAMES[kind]}的考评周期须为 {cadence}(系统的考评期按此划分)")
        _deadlines(check, category.get("nomination_deadlines"), f"{path}.nomination_deadlines", cadence)
        prefix = f"A{annexes[kind]}."
        total = Decimal(0)
        for s_path, section in check.items(category.get("sections"), f"{path}.sections", "section", MAX_SECTIONS, "分项"):
            section_id = check.ident(section.get("id"), f"{s_path}.id", prefix, "分项")
            if section_id is not None:
                if section_id in section_ids:
                    check.add(f"{s_path}.id", f"分项编号 {section_id} 重复")
                section_ids.add(section_id)
            check.text(section.get("title"), f"{s_path}.title", 100)
            check.text(section.get("note", ""), f"{s_path}.note", 500, required=False)
            maximum = None
            if section.get("max") is not None:
                maximum = check.number(section["max"], f"{s_path}.max", Decimal(0), HUNDRED)
                if maximum is not None:
                    total += maximum
            _rules(check, section.get("rules"), s_path, kind, prefix, section.get("max") is not None, maximum, rules,
                   roll_ups)
        if total != HUNDRED:
            check.add(f"{path}.sections", f"{KIND_NAMES[kind]}各计分分项的满分(max)合计须为 100,现为 {total.normalize():f}")
    missing = [k for k in KINDS if k not in seen_kinds]
    if missing:
        check.add("categories", f"缺少类别:{'、'.join(KIND_NAMES[k] for k in missing)}")
    for path, source, target in roll_ups:
        found = rules.get(target)
        if found is None:
            check.add(path, f"规则 {source} 计入的窗口规则 {target} 不存在")
        elif rules[source][0] != "worker" or found[0] != "window":
            check.add(path, "只有工作人员的规则可以计入窗口的规则(rolls_up_to)")
        elif found[1] not in ("veto", "deduct", "deduct-once", "bonus"):
            check.add(path, f"计入窗口的规则 {target} 须为扣分、加分或一票否决,不能是{EFFECT_NAMES[found[1]]}")
    return rules


def _deadlines(check: Check, value: Any, path: str, cadence: str) -> None:
    keys = DEADLINE_KEYS[cadence]
    if not isinstance(value, dict) or set(value) != set(keys):
        check.add(path, f"须给出 {'、'.join(keys)} 的申报截止日(月-日),例如 {{\"{keys[0]}\": \"06-20\"}}")
        return
    for key in keys:
        text = value[key]
        try:
            month, day = (int(x) for x in text.split("-")) if isinstance(text, str) and re.match(r"^\d\d-\d\d$", text) \
                else (0, 0)
            date(2001, month, day)
        except ValueError:
            check.add(f"{path}.{key}", "申报截止日应为 月-日,例如 06-20")
            continue
        months = range(1, 7) if key == "H1" else range(7, 13) if key == "H2" else range(1, 13)
        if month not in months:
            check.add(f"{path}.{key}", f"{key} 的申报截止日须在该考评期之内")


def _rules(check: Check, value: Any, s_path: str, kind: str, prefix: str, scored: bool, maximum: Decimal | None,
           rules: dict[str, tuple[str, str, bool]], roll_ups: list[tuple[str, str, str]]) -> None:
    for path, rule in check.items(value, f"{s_path}.rules", "rule", MAX_RULES, "规则"):
        rule_id = check.ident(rule.get("id"), f"{path}.id", prefix, "规则")
        name = f"规则 {rule_id}" if rule_id else "规则"
        effect = rule.get("effect")
        if effect not in EFFECTS:
            check.add(f"{path}.effect", f"{name} 的效果 {effect!r} 不认识,须为 {'、'.join(EFFECTS)} 之一")
            effect = None
        if rule_id is not None:
            if rule_id in rules:
                check.add(f"{path}.id", f"规则编号 {rule_id} 重复")
            else:
                rules[rule_id] = (kind, effect or "", scored)
        check.text(rule.get("text"), f"{path}.text", 2000, multiline=True)
        check.text(rule.get("clause"), f"{path}.clause", 2000, multiline=True, required=False)
        item = rule.get("item", "")
        if not isinstance(item, str | int) or isinstance(item, bool) or len(str(item)) > 16:
            check.add(f"{path}.item", "序号应为不超过 16 个字符的文字")
        lookback = rule.get("lookback_years", 1)
        check.integer(lookback, f"{path}.lookback_years", 1, 3)
        if effect is None:
            continue
        if effect in DEDUCTING and not scored:
            check.add(f"{path}.effect", f"{name} 是扣分规则({EFFECT_NAMES[effect]}),只能放在有满分(max)的分项中")
        points = rule.get("points")
        if effect in POINTS_REQUIRED:
            if points is None:
                check.add(f"{path}.points", f"{name}({EFFECT_NAMES[effect]})须有分值")
            else:
                found = check.number(points, f"{path}.points", Decimal(0), HUNDRED)
                if found is not None and effect != "bonus" and maximum is not None and found > maximum:
                    check.add(f"{path}.points",
                              f"{name} 每次扣 {found.normalize():f} 分,超过所在分项的满分 {maximum.normalize():f}")
        elif points is not None:
            check.add(f"{path}.points", f"{name}({EFFECT_NAMES[effect]})的分值不由考评标准规定,不能填写")
        if rule.get("rolls_up_to") is not None:
            target = rule["rolls_up_to"]
            if not isinstance(target, str):
                check.add(f"{path}.rolls_up_to", "须是规则编号")
            elif rule_id is not None:
                roll_ups.append((f"{path}.rolls_up_to", rule_id, target))
        _figure(check, rule.get("figure"), path, name, kind, effect)


def _figure(check: Check, value: Any, path: str, name: str, kind: str, effect: str) -> None:
    needs = effect in COMPUTED_FROM_FIGURES
    if value is None:
        if needs:
            check.add(f"{path}.figure", f"{name}({EFFECT_NAMES[effect]})由大厅报送的数据计算,须给出计分方式(figure)")
        return
    f_path = f"{path}.figure"
    figure = check.obj(value, f_path, "figure")
    if figure is None:
        return
    if kind != "hall":
        check.add(f_path, "只有大厅的规则可以按报送数据计分")
        return
    measure = figure.get("measure")
    if measure not in MEASURES:
        check.add(f"{f_path}.measure", f"计分方式 {measure!r} 不认识,须为 {'、'.join(MEASURES)} 之一")
        return
    if not needs and not (effect == "deduct-once" and measure == "below"):
        check.add(f"{path}.effect", f"{name} 按报送数据计分,效果须为 rank 或 count(低于标准值扣一次的可为 deduct-once)")
    field_name, amount = MEASURES[measure]
    if figure.get("field") != field_name:
        check.add(f"{f_path}.field", f"计分方式 {measure} 读取的数据项是 {field_name}")
    if amount == "threshold":
        if figure.get("threshold") is None:
            check.add(f"{f_path}.threshold", "须给出标准值(0 到 1 之间,如 0.99)")
        else:
            check.number(figure["threshold"], f"{f_path}.threshold", Decimal(0), Decimal(1))
        if effect != "deduct-once":
            check.add(f"{path}.effect", "低于标准值扣分(below)的规则,效果须为 deduct-once 并给出分值")
    elif figure.get(amount) is None:
        check.add(f"{f_path}.{amount}", "须给出每项(每个名次)扣的分值")
    else:
        check.number(figure[amount], f"{f_path}.{amount}", Decimal(0), HUNDRED)
    allowed = figure.get("allowed")
    if measure == "per_item":
        if not isinstance(allowed, list) or not allowed or len(allowed) > 30:
            check.add(f"{f_path}.allowed", "须列出可报送的制度名称(1 到 30 项)")
        else:
            for i, item in enumerate(allowed):
                check.text(item, f"{f_path}.allowed[{i}]", 50)
    elif allowed is not None:
        check.add(f"{f_path}.allowed", "只有按项计分(per_item)才列出可选项")


def _settings(check: Check, value: Any, rules: dict[str, tuple[str, str, bool]]) -> None:
    settings = check.obj(value, "settings", "settings")
    if settings is None:
        return
    if "timezone" in settings and settings["timezone"] != TIME_ZONE:
        check.add("settings.timezone", f"考评期按 {TIME_ZONE}(北京时间)划分,不能改为 {settings['timezone']!r}")
    if "section_floor" in settings and not isinstance(settings["section_floor"], bool):
        check.add("settings.section_floor", "必须是 true 或 false(分项扣完为止)")
    if "absenteeism_over_minutes" in settings:
        check.integer(settings["absenteeism_over_minutes"], "settings.absenteeism_over_minutes", 1, 1440)
    if "discretionary_bonus_cap" in settings:
        check.number(settings["discretionary_bonus_cap"], "settings.discretionary_bonus_cap", Decimal(0), HUNDRED)
    if settings.get("points_step") is not None:
        check.number(settings["points_step"], "settings.points_step", Decimal(0), Decimal(10))
    if "notice_days" in settings:
        check.integer(settings["notice_days"], "settings.notice_days", 1, 30)
    if "notice_day_kind" in settings and settings["notice_day_kind"] not in ("calendar", "working"):
        check.add("settings.notice_day_kind", "公示日须为 calendar(自然日)或 working(工作日)")
    for key, keys, kinds in (("attendance_rules", ATTENDANCE_KEYS, {k: "worker" for k in ATTENDANCE_KEYS}),
                             ("complaint_rules", COMPLAINT_KEYS, {k: k for k in COMPLAINT_KEYS})):
        if key not in settings:
            continue
        given = settings[key]
        if not isinstance(given, dict) or set(given) != set(keys):
            check.add(f"settings.{key}", f"须给出 {'、'.join(keys)} 各对应的规则编号")
            continue
        for name in keys:
            rule_id = given[name]
            found = rules.get(rule_id) if isinstance(rule_id, str) else None
            if found is None:
                check.add(f"settings.{key}.{name}", f"规则 {rule_id} 不存在")
            elif found[0] != kinds[name]:
                check.add(f"settings.{key}.{name}", f"规则 {rule_id} 不是{KIND_NAMES[kinds[name]]}的规则")
            elif found[1] in POINTS_GIVEN_BY_RECORD or found[1] in COMPUTED_FROM_FIGURES:
                check.add(f"settings.{key}.{name}", f"规则 {rule_id} 的效果是{EFFECT_NAMES[found[1]]},不能自动记录")


def _carries_from(check: Check, value: Any, rules: dict[str, tuple[str, str, bool]], library: RulebookLibrary) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        check.add("carries_from", "必须是 JSON 对象:{原规则编号: 本版规则编号}")
        return
    if len(value) > MAX_MAPPINGS:
        check.add("carries_from", f"太多,最多 {MAX_MAPPINGS} 项")
        return
    kind_of_annex = {f"A{a}": k for k, a in _annexes(library).items()}
    for old, new in value.items():
        path = f"carries_from.{old}"
        if not ID.match(old):
            check.add(path, "原规则编号只能由字母、数字和点组成,最多 16 个字符")
            continue
        found = rules.get(new) if isinstance(new, str) else None
        if found is None:
            check.add(path, f"沿用的目标规则 {new} 不在本版中")
        elif kind_of_annex.get(old.split(".")[0]) != found[0]:
            check.add(path, f"原规则 {old} 与本版规则 {new} 不属于同一类别")
        elif found[1] in COMPUTED_FROM_FIGURES:
            check.add(path, f"规则 {new} 由报送数据计算,记录不能沿用为它")


def adoption_warnings(rulebook: Rulebook, library: RulebookLibrary) -> list[Problem]:
    """What adopting `rulebook` would quietly do: look-back rules of the version before whose
    records will not count under it (neither the same id nor `carries_from`), and mappings from
    ids that no known version has."""
    warnings = []
    before = library.in_force_on(rulebook.effective_from - timedelta(days=1))
    if before.version != rulebook.version and before.effective_from < rulebook.effective_from:
        for rule in (r for c in before.categories for r in c.rules()):
            if rule.lookback_years > 1 and rulebook.rule_for(rule.id) is None:
                warnings.append(Problem(
                    "carries_from", f"上一版({before.version})的回溯规则 {rule.id}({_short(rule.criterion)})在本版中没有"
                    f"相同编号的规则,也没有在 carries_from 中指明沿用:{before.version} 年的此类记录在"
                    f" {rulebook.effective_from.year} 年各考评期将不计分(仍显示在考评表上,并说明原因)"))
    known = {r.id for book in library.all() for c in book.categories for r in c.rules()}
    for old in rulebook.carries_from:
        if old not in known:
            warnings.append(Problem(f"carries_from.{old}", f"已有的各版考评标准中都没有规则 {old},这一项不会起作用"))
    return warnings


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
