"""Every item of annexes 1-3, with the id, effect and points of shared/spec/rulebook-2022.md."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

import domain
from domain.rulebook import parse_rulebook
from tests.unit.rulebook_loader import rulebook_2022

RAW = json.loads((Path(domain.__file__).parent / "rulebooks" / "2022.json").read_text(encoding="utf-8"))

# id: (effect, points) — transcribed from the spec's tables.
SPEC = {
    "A1.1.1": ("deduct", 5), "A1.1.2": ("deduct", 5), "A1.1.3": ("deduct", 10), "A1.1.4a": ("deduct", 1),
    "A1.1.4b": ("deduct", 5), "A1.1.5": ("deduct", 5),
    "A1.2.1": ("deduct", 2), "A1.2.2": ("deduct", 2), "A1.2.3": ("deduct", 3), "A1.2.4": ("deduct", 1),
    "A1.2.5": ("deduct", 5),
    "A1.3.1": ("deduct", 5), "A1.3.2": ("deduct", 10), "A1.3.3": ("deduct", 10), "A1.3.4": ("deduct", 10),
    "A1.4.1": ("deduct", 2), "A1.4.2": ("deduct", 2), "A1.4.3": ("deduct", 1), "A1.4.4": ("deduct", 10),
    **{f"A1.5.{i}": ("veto", None) for i in range(1, 8)},
    "A1.6.1": ("bonus", 5), "A1.6.2": ("bonus", 5), "A1.6.3": ("bonus-discretionary", None),
    **{f"A2.1.{i}": ("assess", None) for i in range(1, 4)},
    **{f"A2.2.{i}": ("assess", None) for i in range(1, 4)},
    "A2.2.4": ("deduct", 10), "A2.2.5": ("deduct", 5),
    "A2.3.1": ("assess", None), "A2.3.2": ("assess", None), "A2.3.3a": ("deduct", 2), "A2.3.3b": ("deduct", 1),
    "A2.3.4": ("deduct", 5), "A2.3.5": ("deduct", 5),
    "A2.4.1": ("assess", None), "A2.4.2": ("assess", None), "A2.4.3": ("deduct", 10),
    "A2.5.1": ("assess", None), "A2.5.2": ("assess", None),
    **{f"A2.6.{i}": ("veto", None) for i in range(1, 7)},
    "A2.7.1": ("bonus", 5), "A2.7.2": ("bonus-discretionary", None),
    "A3.1.1": ("deduct", 10), "A3.1.2": ("deduct", 5), "A3.1.3": ("deduct", 5),
    "A3.2.1": ("deduct-once", 5), "A3.2.2": ("deduct", 5), "A3.2.3": ("deduct-once", 5), "A3.2.4": ("assess", None),
    "A3.2.5": ("deduct", 5), "A3.2.6": ("rank", None), "A3.2.7": ("count", None),
    "A3.3.1": ("deduct", 5), "A3.3.2": ("deduct", 5), "A3.3.3": ("deduct", 5),
    "A3.4.1": ("count", None), "A3.4.2": ("deduct", 5), "A3.4.3": ("deduct", 5),
    "A3.5.1": ("deduct", 5), "A3.5.2": ("deduct-once", 5), "A3.5.3": ("deduct", 10),
    "A3.6.1": ("veto", None), "A3.6.2": ("veto", None),
    "A3.7.1": ("bonus", 10), "A3.7.2": ("bonus-discretionary", None),
}
SECTIONS = {
    "A1.1": ("工作纪律", 25), "A1.2": ("形象态度", 25), "A1.3": ("业务技能", 25), "A1.4": ("环境卫生和物品管理", 25),
    "A1.5": ("一票否决", None), "A1.6": ("加分项", None),
    "A2.1": ("政治思想好", 20), "A2.2": ("业务技能精", 20), "A2.3": ("组织纪律严", 20), "A2.4": ("服务质量优", 20),
    "A2.5": ("服务形象佳", 20), "A2.6": ("一票否决", None), "A2.7": ("加分项", None),
    "A3.1": ("依法行政", 20), "A3.2": ("服务质量", 30), "A3.3": ("服务环境", 20), "A3.4": ("规章制度", 10),
    "A3.5": ("群众评价", 20), "A3.6": ("一票否决", None), "A3.7": ("加分项", None),
}


def test_the_rulebook_has_exactly_the_items_of_the_spec():
    assert {r.id for c in rulebook_2022().categories for r in c.rules()} == set(SPEC)


@pytest.mark.parametrize("rule_id", sorted(SPEC))
def test_rule_effect_and_points_match_the_spec(rule_id):
    effect, points = SPEC[rule_id]
    rule = rulebook_2022().rule(rule_id)
    assert rule.effect == effect
    assert rule.points == (None if points is None else Decimal(points))
    assert rule.text  # every rule carries its Chinese text


def test_sections_titles_and_maxima_add_up_to_100_per_annex():
    book = rulebook_2022()
    for category in book.categories:
        for section in category.sections:
            title, maximum = SECTIONS[section.id]
            assert (section.title, section.max) == (title, None if maximum is None else Decimal(maximum))
        assert sum(s.max for s in category.scored_sections) == 100


def test_quotas_and_cadence():
    book = rulebook_2022()
    assert [(c.kind, c.quota, c.cadence) for c in book.categories] == [
        ("worker", 10, "half-year"), ("window", 8, "half-year"), ("hall", 5, "year")]


def test_worker_vetoes_A1_5_1_to_A1_5_6_roll_up_to_the_window_and_A1_5_7_does_not():
    book = rulebook_2022()
    assert {f"A1.5.{i}": book.rule(f"A1.5.{i}").rolls_up_to for i in range(1, 8)} == {
        **{f"A1.5.{i}": f"A2.6.{i}" for i in range(1, 7)}, "A1.5.7": None}


def test_A3_5_3_and_A3_6_1_look_back_two_years_and_nothing_else_does():
    looking_back = {r.id for c in rulebook_2022().categories for r in c.rules() if r.lookback_years != 1}
    assert looking_back == {"A3.5.3", "A3.6.1"}


def test_unclear_points_are_settings():
    s = rulebook_2022().settings
    assert (s.section_floor, s.absenteeism_over_minutes, s.discretionary_bonus_cap, s.notice_days) == (
        True, 90, Decimal(10), 5)
    assert s.complaint_rules == {"worker": "A1.5.4", "window": "A2.6.4"}


# --- the criteria as the annexes print them (#14 point 6) ---------------------------------------

ANNEXES = Path(__file__).resolve().parents[1] / "fixtures" / "annexes-1-3-2022.txt"  # copied from the notice


def annex_items() -> dict[tuple[int, int], tuple[str, list[str]]]:
    """(annex, section) → (the section's heading as printed, its items' texts in order)."""
    found, annex = {}, None
    for line in ANNEXES.read_text(encoding="utf-8").splitlines():
        if re.fullmatch(r"附件[123]", line.strip()):
            annex = int(line.strip()[-1])
        elif "|" in line and not line.startswith("评选项目"):
            heading, body = (cell.strip() for cell in line.split("|")[:2])
            number = "一二三四五六七八九".index(heading[0]) + 1
            items = [re.sub(r"^\d+\.", "", item, count=1) for item in re.split(r"\s+(?=\d+\.)", body)]
            found[(annex, number)] = (heading, items)
    return found


def test_every_criterion_is_the_annex_text_verbatim_under_the_annex_number():
    printed = annex_items()
    book = rulebook_2022()
    for category in book.categories:
        for section in category.sections:
            heading, items = printed[(category.annex, int(section.id.split(".")[1]))]
            assert heading.endswith(section.title + (f"({section.note})" if section.note else "")) or \
                heading.replace(" ", "").endswith(f"{section.title}({section.note})"), heading
            numbered = section.items()
            assert [(item, text) for item, text, _ in numbered] == [(str(i), t) for i, t in enumerate(items, 1)]


@pytest.mark.parametrize(("item", "clauses"), [
    ("A1.1.4", ("工作时间暂时离岗未摆放暂停服务提示牌的,每次扣1分", "出现长时间空岗的,每次扣5分")),
    ("A2.3.3", ("无正当理由不参加县政管办、本政务服务大厅组织的政治学习、业务培训、有关会议和集体活动每次扣2分",
                "迟到、早退每次扣1分")),
])
def test_an_item_with_two_penalties_is_printed_once_and_each_rule_is_its_clause(item, clauses):
    book = rulebook_2022()
    a, b = book.rule(item + "a"), book.rule(item + "b")
    assert a.text == b.text and a.item == b.item == item[-1]
    assert (a.criterion, b.criterion) == clauses and all(c in a.text for c in clauses)
    section = book.section(a.section_id)
    assert [rules for number, _, rules in section.items() if number == a.item] == [(a, b)]


def test_a_rulebook_in_another_time_zone_is_refused():
    data = json.loads(json.dumps(RAW))
    data["settings"]["timezone"] = "Asia/Tokyo"
    with pytest.raises(ValueError, match="timezone"):
        parse_rulebook(data)
