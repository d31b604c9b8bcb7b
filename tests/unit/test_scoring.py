"""The pure scoring function, rule by rule and for each unclear point of the rulebook."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from domain.facts import Entry, Facts, Figures
from domain.scoring import hall_places, rank_standings, score, score_halls
from tests.unit.rulebook_loader import rulebook_2022

T = datetime.fromisoformat("2022-03-01T10:00:00+08:00")
KIND_OF_ANNEX = {"A1": "worker", "A2": "window", "A3": "hall"}
PERIOD_OF_KIND = {"worker": "2022H1", "window": "2022H1", "hall": "2022"}


def entry(rule_id: str, n: int = 1, quantity: int = 1, points: Decimal | None = None, effective: bool = True) -> Entry:
    return Entry(f"r{n}", rule_id, T, T, quantity=quantity, points=points, effective=effective, origin_position=n)


def reported(**figures) -> Facts:
    return Facts(figures=Figures().merged(figures))


def card_for(rule_ids_entries: list[Entry], kind: str, place: int | None = None):
    facts = Facts(entries=tuple(rule_ids_entries))
    return score(rulebook_2022(), kind, "s1", PERIOD_OF_KIND[kind], facts, place)


def rules_with(effect: str) -> list[str]:
    return sorted(r.id for c in rulebook_2022().categories for r in c.rules() if r.effect == effect)


def section_of(card, section_id):
    return next(s for s in card.sections if s.id == section_id)


@pytest.mark.parametrize("rule_id", rules_with("deduct"))
def test_a_deduction_takes_its_points_times_the_quantity(rule_id):
    rule = rulebook_2022().rule(rule_id)
    kind = KIND_OF_ANNEX[rule_id[:2]]
    card = card_for([entry(rule_id, quantity=2)], kind, place=1)
    section = section_of(card, rule.section_id)
    assert section.deducted == min(rule.points * 2, section.max)
    assert card.total == 100 - section.deducted
    assert card.lines[0].delta == -rule.points * 2
    assert not card.vetoed


@pytest.mark.parametrize("rule_id", rules_with("bonus"))
def test_a_bonus_adds_its_points_on_top_of_100(rule_id):
    rule = rulebook_2022().rule(rule_id)
    card = card_for([entry(rule_id, quantity=2)], KIND_OF_ANNEX[rule_id[:2]], place=1)
    assert card.bonus == rule.points * 2
    assert card.total == 100 + rule.points * 2


@pytest.mark.parametrize("rule_id", rules_with("bonus-discretionary"))
def test_a_discretionary_bonus_adds_the_points_the_record_gives(rule_id):
    card = card_for([entry(rule_id, points=Decimal("2.5"))], KIND_OF_ANNEX[rule_id[:2]], place=1)
    assert (card.bonus, card.total) == (Decimal("2.5"), Decimal("102.5"))


@pytest.mark.parametrize("rule_id", rules_with("assess"))
def test_an_assessed_item_takes_the_points_the_assessor_gives_within_its_section(rule_id):
    rule = rulebook_2022().rule(rule_id)
    kind = KIND_OF_ANNEX[rule_id[:2]]
    card = card_for([entry(rule_id, 1, points=Decimal(4)), entry(rule_id, 2, points=Decimal(30))], kind, place=1)
    section = section_of(card, rule.section_id)
    assert section.deducted == section.max  # 34 taken off, never more than the maximum
    assert card.total == 100 - section.max


@pytest.mark.parametrize("rule_id", rules_with("veto"))
def test_a_veto_disqualifies_without_changing_the_total(rule_id):
    card = card_for([entry(rule_id)], KIND_OF_ANNEX[rule_id[:2]], place=1)
    assert card.vetoed and card.veto_reasons == (rule_id,)
    assert card.total == 100


def test_section_floor_A1_1_stops_at_its_maximum_and_other_sections_are_untouched():
    card = card_for([entry("A1.1.3", 1, quantity=2), entry("A1.1.4b", 2, quantity=2), entry("A1.2.1", 3)], "worker")
    assert section_of(card, "A1.1").deducted == 25  # 20 + 10 = 30 → 25
    assert section_of(card, "A1.1").score == 0
    assert section_of(card, "A1.2").score == 23
    assert card.total == 73


def test_retracted_and_unverified_entries_show_but_do_not_count():
    retracted, open_complaint = entry("A1.2.5", 1, effective=False), entry("A1.5.4", 2, effective=False)
    card = score(rulebook_2022(), "worker", "s1", "2022H1", Facts(entries=(retracted, open_complaint)))
    assert card.total == 100 and not card.vetoed
    assert [(ln.rule_id, ln.effective, ln.delta) for ln in card.lines] == [("A1.2.5", False, -5), ("A1.5.4", False, 0)]
    substantiated = entry("A1.5.4", 2)
    card = score(rulebook_2022(), "worker", "s1", "2022H1", Facts(entries=(retracted, substantiated)))
    assert card.veto_reasons == ("A1.5.4",)


def test_veto_reasons_follow_the_order_the_records_were_made_whatever_order_the_entries_come_in():
    later, earlier = entry("A1.5.3", 7), entry("A1.5.7", 3)
    card = card_for([later, earlier], "worker")
    assert card.veto_reasons == ("A1.5.7", "A1.5.3")
    assert [ln.rule_id for ln in card.lines] == ["A1.5.7", "A1.5.3"]


@pytest.mark.parametrize("rule_id", ["A3.2.1", "A3.2.3"])
def test_A3_2_1_and_A3_2_3_take_5_points_once_however_often_recorded(rule_id):
    card = card_for([entry(rule_id, n) for n in (1, 2, 3)], "hall", place=1)
    assert section_of(card, "A3.2").deducted == 5 and card.total == 95
    assert [ln.delta for ln in card.lines if ln.rule_id == rule_id] == [-5, -5, -5]  # each record's own effect
    assert card_for([entry(rule_id, 1, effective=False)], "hall", place=1).total == 100


def test_A3_5_2_by_the_reported_rate_and_by_hand_takes_5_points_once():
    facts = Facts(entries=(entry("A3.5.2", 1),), figures=Figures().merged({"satisfaction_rate": Decimal("0.985")}))
    card = score(rulebook_2022(), "hall", "h", "2022", facts, hall_place=1)
    assert section_of(card, "A3.5").deducted == 5
    by_hand_only = score(rulebook_2022(), "hall", "h", "2022", Facts(entries=(entry("A3.5.2", 1),)), hall_place=1)
    assert section_of(by_hand_only, "A3.5").deducted == 5


def test_A1_1_4a_and_A1_1_4b_split_one_item_into_two_penalties():
    card = card_for([entry("A1.1.4a", 1), entry("A1.1.4b", 2)], "worker")
    assert [ln.delta for ln in card.lines] == [-1, -5]


# --- halls: ranking and counted rules --------------------------------------------------------

def test_A3_2_6_ties_share_a_place_and_unreported_halls_take_n_plus_1():
    assert hall_places({"a": 900, "b": 500, "c": 500, "d": 100, "e": None, "f": None}) == {
        "a": 1, "b": 2, "c": 2, "d": 4, "e": 5, "f": 5}
    assert hall_places({"a": 10, "b": 10, "c": None}) == {"a": 1, "b": 1, "c": 3}
    assert hall_places({"a": None, "b": None}) == {"a": 1, "b": 1}


def test_A3_2_6_takes_2_points_per_place_below_first_within_the_section_floor():
    halls = {f"h{i}": reported(case_volume=100 - i) for i in range(20)}
    cards = score_halls(rulebook_2022(), "2022", halls)
    assert section_of(cards["h0"], "A3.2").deducted == 0
    assert section_of(cards["h3"], "A3.2").deducted == 6
    assert section_of(cards["h19"], "A3.2").deducted == 30  # 38 → floor 30


def test_A3_2_7_one_point_per_wrong_element():
    facts = reported(wrong_elements=7)
    card = score(rulebook_2022(), "hall", "h", "2022", facts, hall_place=1)
    assert section_of(card, "A3.2").deducted == 7


def test_A3_4_1_two_points_per_missing_system_within_the_floor():
    facts = reported(systems_missing=["服务承诺制", "限时办结制", "首问责任制", "AB岗工作制", "责任追究制", "一次性告知制"])
    card = score(rulebook_2022(), "hall", "h", "2022", facts, hall_place=1)
    assert section_of(card, "A3.4").deducted == 10  # 12 → floor 10


@pytest.mark.parametrize(("rate", "taken"), [("0.985", 5), ("0.9899", 5), ("0.99", 0), ("1", 0)])
def test_A3_5_2_satisfaction_below_99_percent_takes_5_points_once(rate, taken):
    facts = reported(satisfaction_rate=Decimal(rate))
    card = score(rulebook_2022(), "hall", "h", "2022", facts, hall_place=1)
    assert section_of(card, "A3.5").deducted == taken


def test_a_figure_not_reported_takes_nothing():
    card = score(rulebook_2022(), "hall", "h", "2022", Facts(), hall_place=1)
    assert card.total == 100
    assert [ln.rule_id for ln in card.lines] == ["A3.2.6"]  # the ranking line always shows


def test_a_later_report_replaces_only_the_fields_it_gives():
    figures = Figures().merged({"case_volume": 10, "wrong_elements": 3}).merged({"wrong_elements": 1})
    assert (figures.case_volume, figures.wrong_elements) == (10, 1)


# --- standings -----------------------------------------------------------------------------

def test_standings_share_places_and_list_vetoed_subjects_last_unranked():
    ranked = rank_standings([
        ("a", Decimal(95), False, "甲"), ("b", Decimal(98), False, "乙"), ("c", Decimal(95), False, "丙"),
        ("d", Decimal(100), True, "丁"), ("e", Decimal(90), False, "戊"), ("f", Decimal(80), True, "己"),
    ])
    assert [(s.subject_id, s.rank) for s in ranked] == [
        ("b", 1), ("c", 2), ("a", 2), ("e", 4), ("d", None), ("f", None)]
