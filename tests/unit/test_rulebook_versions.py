"""Rulebook versions, pure: the JSON form is the exact inverse of parsing, an upload is checked
whole, the diff names what changed, and the derivation re-counts the periods a version takes
over (carried, mapped, held) while refusing one that would change a closed period."""

from __future__ import annotations

import copy
from datetime import datetime

import pytest

from domain.errors import Conflict
from domain.history import MemoryBook
from domain.records import Record
from domain.round import Round
from domain.rulebook import RulebookLibrary, parse_rulebook, rulebook_to_json
from domain.rulebook_check import adoption_warnings, check_rulebook
from domain.rulebook_diff import rulebook_diff
from domain.rulebook_versions import RulebookVersion
from domain.subjects import Subject
from tests.unit.rulebook_loader import rulebook_2022

T0 = datetime.fromisoformat("2022-01-01T00:00:00+08:00")


def library() -> RulebookLibrary:
    return RulebookLibrary([rulebook_2022()])


def version(name: str = "2023", effective_from: str = "2023-01-01", change=None) -> dict:
    data = copy.deepcopy(rulebook_to_json(rulebook_2022()))
    data.update(version=name, effective_from=effective_from)
    if change:
        change(data)
    return data


def rules(data: dict):
    return [r for c in data["categories"] for s in c["sections"] for r in s["rules"]]


def test_the_json_form_parses_back_to_the_same_rulebook():
    shipped = rulebook_2022()
    assert parse_rulebook(rulebook_to_json(shipped)) == shipped
    assert rulebook_to_json(parse_rulebook(rulebook_to_json(shipped))) == rulebook_to_json(shipped)
    a353 = next(r for r in rules(rulebook_to_json(shipped)) if r["id"] == "A3.5.2")
    assert a353["figure"] == {"measure": "below", "field": "satisfaction_rate", "threshold": "0.99"}


def test_a_valid_version_has_no_problems_and_a_dropped_look_back_rule_is_warned_of():
    book, problems = check_rulebook(version(), "2023", library())
    assert problems == [] and book is not None and book.version == "2023"
    assert adoption_warnings(book, library()) == []

    def drop(data):
        for c in data["categories"]:
            for s in c["sections"]:
                s["rules"] = [r for r in s["rules"] if r["id"] != "A3.6.1"]
    book, _ = check_rulebook(version(change=drop), "2023", library())
    [warning] = adoption_warnings(book, library())
    assert "A3.6.1" in warning.message and warning.field == "carries_from"
    mapped = version(change=lambda d: (drop(d), d.update(carries_from={"A3.6.1": "A3.6.2"})))
    book, _ = check_rulebook(mapped, "2023", library())
    assert adoption_warnings(book, library()) == [] and book.rule_for("A3.6.1") == "A3.6.2"


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda d: d.update(effective_from="2022-01-01"), "effective_from", "晚于"),
    (lambda d: d.update(effective_from="2023-1-1"), "effective_from", "YYYY-MM-DD"),
    (lambda d: d["settings"].update(timezone="UTC"), "settings.timezone", "北京时间"),
    (lambda d: d["categories"][0].update(annex=4), "categories[0].annex", "附件编号"),
    (lambda d: d["categories"][0].update(cadence="year"), "categories[0].cadence", "half-year"),
    (lambda d: d["categories"].pop(), "categories", "缺少类别"),
    (lambda d: d["categories"][0]["sections"][0]["rules"][0].update(id="A2.1.1"), "categories[0].sections[0].rules[0].id",
     "前缀 A1."),
    (lambda d: d["categories"][0]["sections"][0]["rules"][0].update(points=None), "categories[0].sections[0].rules[0].points",
     "须有分值"),
    (lambda d: d["categories"][1]["sections"][0]["rules"][0].update(points=3), "categories[1].sections[0].rules[0].points",
     "不能填写"),
    (lambda d: d["categories"][0]["sections"][5]["rules"][0].update(effect="deduct-once"),
     "categories[0].sections[5].rules[0].effect", "有满分"),
    (lambda d: d["categories"][0]["sections"][0]["rules"][0].update(figure={"measure": "rank", "field": "case_volume",
                                                                           "points_per_place": 2}),
     "categories[0].sections[0].rules[0].figure", "只有大厅"),
    (lambda d: d["categories"][0]["sections"][0]["rules"][0].update(text="第一行\x00"),
     "categories[0].sections[0].rules[0].text", "控制字符"),
    (lambda d: d["categories"][0]["sections"][0]["rules"][0].update(lookback_years=9),
     "categories[0].sections[0].rules[0].lookback_years", "1 到 3"),
    (lambda d: d["settings"]["complaint_rules"].update(window="A1.5.4"), "settings.complaint_rules.window", "不是窗口"),
    (lambda d: d.update(carries_from={"A1.1.2": "A3.1.1"}), "carries_from.A1.1.2", "同一类别"),
    (lambda d: d["categories"][0]["sections"][4]["rules"][0].update(rolls_up_to="A1.5.2"),
     "categories[0].sections[4].rules[0].rolls_up_to", "计入窗口"),
    (lambda d: d["categories"][2]["nomination_deadlines"].update(H1="06-20"), "categories[2].nomination_deadlines", "Y"),
])
def test_each_problem_is_named_by_its_path(change, field, words):
    book, problems = check_rulebook(version(change=change), "2023", library())
    assert book is None
    found = [p for p in problems if p.field == field]
    assert found and words in found[0].message, problems


def test_the_diff_names_rules_and_settings_added_removed_and_changed():
    def change(data):
        data["settings"]["notice_days"] = 7
        for c in data["categories"]:
            for s in c["sections"]:
                s["rules"] = [r for r in s["rules"] if r["id"] != "A1.1.5"]
                for r in s["rules"]:
                    if r["id"] == "A1.1.2":
                        r["points"] = 3
        data["categories"][0]["sections"][0]["rules"].append(
            {"id": "A1.1.6", "text": "新增的扣分项。", "effect": "deduct", "points": 2})
    old = rulebook_2022()
    new, _ = check_rulebook(version(change=change), "2023", library())
    diff = rulebook_diff(old, new)
    assert [r["id"] for r in diff["rules"]["added"]] == ["A1.1.6"]
    assert [r["id"] for r in diff["rules"]["removed"]] == ["A1.1.5"]
    assert diff["rules"]["changed"] == [{"id": "A1.1.2", "changes": [{"field": "points", "from": 5, "to": 3}]}]
    assert diff["settings"]["changed"] == [{"field": "notice_days", "from": 5, "to": 7}]
    assert rulebook_diff(old, old)["rules"] == {"added": [], "removed": [], "changed": []}


class County:
    """A hall folded event by event, each event at the next log position."""

    def __init__(self):
        self.book = MemoryBook(library())
        self.position = 0
        self.hall = self.add(Subject(kind="hall", name="大厅", unit="县", code=None, parent_id=None, effective_at=None,
                                     actor="t", recorded_at=T0))

    def add(self, aggregate) -> str:
        for event in aggregate.collect_events():
            self.position += 1
            self.book.fold(self.position, event)
        return str(aggregate.id)

    def look_back(self, rule_id: str) -> str:
        return self.add(Record(subject_id=self.hall, subject_kind="hall", rule_id=rule_id,
                               occurred_at=datetime.fromisoformat("2022-11-01T10:00:00+08:00"), source="patrol", note="",
                               quantity=1, points=None, evidence=[], actor="t", recorded_at=T0,
                               counts_in=[{"subject_id": self.hall, "period": p, "rule_id": rule_id}
                                          for p in ("2022", "2023")]))

    def adopt(self, data: dict) -> None:
        self.add(RulebookVersion(rulebook_version=data["version"], rulebook=data, actor="t", recorded_at=T0))


def test_a_version_taking_over_a_period_recounts_it_carried_mapped_or_held():
    county = County()
    finding = county.look_back("A3.5.3")
    county.look_back("A3.6.1")

    def remove(*ids):
        def change(data):
            for c in data["categories"]:
                for s in c["sections"]:
                    s["rules"] = [r for r in s["rules"] if r["id"] not in ids]
        return change

    county.adopt(version(change=remove("A3.5.3")))
    card = county.book.card(county.hall, "2023")
    assert card.rulebook == "2023" and card.total == 100 and card.veto_reasons == ("A3.6.1",)
    held = next(ln for ln in card.lines if ln.record_id == finding)
    assert not held.effective and "A3.5.3" in held.reason
    assert county.book.card(county.hall, "2022").total == 90

    def mapped(data):
        remove("A3.6.1")(data)
        for r in rules(data):
            if r["id"] == "A3.5.3":
                r.update(id="A3.5.4", points=4)
        data["carries_from"] = {"A3.5.3": "A3.5.4"}
    county.adopt(version(change=mapped))
    card = county.book.card(county.hall, "2023")
    line = next(ln for ln in card.lines if ln.record_id == finding)
    assert (line.rule_id, line.recorded_rule_id, line.delta, line.effective) == ("A3.5.4", "A3.5.3", -4, True)
    assert card.total == 96 and not card.vetoed


def test_a_version_that_would_change_a_closed_period_is_refused_by_the_history():
    county = County()
    county.add(Round(kind="hall", period="2024", closed_at=T0, frozen_position=1, standings=[], rulebook="2022",
                     actor="t", recorded_at=T0))
    with pytest.raises(Conflict) as refused:
        county.adopt(version("2024", "2024-01-01"))
    assert "2024(hall)" in refused.value.message
    assert county.book.library().versions() == ["2022"]


def test_the_annex_workbook_reads_back_as_the_version_it_was_written_from_and_names_rows():
    from io import BytesIO

    from openpyxl import load_workbook

    from service.documents.rulebook_workbook import read_rulebook_workbook, rulebook_workbook

    shipped = rulebook_2022()
    read = read_rulebook_workbook(rulebook_workbook(shipped))
    assert parse_rulebook(read.data) == shipped
    book = load_workbook(BytesIO(rulebook_workbook(shipped)))
    for row in book["规则"].iter_rows(min_row=2):
        if row[6].value == "A3.2.6":
            row[13].value = "按猜测"  # an unknown measure
            line = row[0].row
    out = BytesIO()
    book.save(out)
    read = read_rulebook_workbook(out.getvalue())
    _, problems = check_rulebook({**read.data, "version": "2023", "effective_from": "2023-01-01"}, "2023", library())
    [problem] = problems
    assert problem.field.endswith(".figure.measure") and read.located(problem.field) == f"「规则」第 {line} 行"
