"""Halls' figures for a year (办件量, 错误要素, 缺少制度, 满意率) from the integrated platform."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate

from domain.errors import Conflict, Invalid
from domain.figures import FIELDS, HallFigures, normalise_rate
from domain.periods import Period
from domain.rulebook import Rulebook
from domain.subjects import Subject
from domain.vocabulary import SUBJECT_KINDS
from service.application.ledger import Idempotency, Ledger, Saved


class Figures:
    """Reporting a hall's figures for a year; checking them (imports check before they write)."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    def report(self, actor: str, hall_id: str, year: int, figures: dict[str, Any],
                       idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            hall = self.ledger.get(Subject, hall_id, "hall_id")
            if hall.kind != "hall":
                raise Invalid("hall_id", f"{hall_id} 是{SUBJECT_KINDS[hall.kind]},只有大厅报送年度数据")
            reported = self.check(year, figures)
            aggregate = self.ledger.find(HallFigures, HallFigures.create_id(hall_id=str(hall.id), year=year))
            if aggregate is None:
                aggregate = HallFigures(hall_id=str(hall.id), year=year)
            aggregate.report(hall_id=str(hall.id), year=year, figures=reported, actor=actor, recorded_at=self.ledger.now())
            return str(aggregate.id), [aggregate]

        return self.ledger.write("figures", idempotency, build)

    def check(self, year: int, figures: dict[str, Any]) -> dict[str, Any]:
        """The figures as they will be kept, or a refusal naming the field."""
        period = Period(year, None)
        if not self.ledger.is_open(period, "hall"):
            raise Conflict("year", f"考评期 {period.id} 已结束或已关闭,不能再报送")
        if period.starts > self.ledger.now() + self.ledger.future_tolerance:
            raise Invalid("year", f"{year} 年度尚未开始")
        return self._check_fields(self.ledger.rulebook_for(period), figures)

    @staticmethod
    def _check_fields(rulebook: Rulebook, figures: dict[str, Any]) -> dict[str, Any]:
        reported = {k: v for k, v in figures.items() if k in FIELDS and v is not None}
        if not reported:
            raise Invalid("figures", "至少报送一项数据:case_volume、wrong_elements、systems_missing 或 satisfaction_rate")
        for name in ("case_volume", "wrong_elements"):
            if name in reported and reported[name] < 0:
                raise Invalid(name, "不能为负数")
        if "systems_missing" in reported:
            allowed = next(r.figure.allowed for r in rulebook.category("hall").rules()
                           if r.figure is not None and r.figure.field == "systems_missing")
            names = list(reported["systems_missing"])
            unknown = [n for n in names if n not in allowed]
            if unknown:
                raise Invalid("systems_missing", f"制度名称不认识:{'、'.join(unknown)};应为 {'、'.join(allowed)} 之一")
            if len(set(names)) != len(names):
                raise Invalid("systems_missing", "制度名称重复")
        if "satisfaction_rate" in reported:
            rate = Decimal(str(reported["satisfaction_rate"]))
            if not Decimal(0) <= rate <= Decimal(100):
                raise Invalid("satisfaction_rate", "满意率应为 0 到 1 之间的小数,或 0 到 100 的百分数")
            reported["satisfaction_rate"] = normalise_rate(rate)
        return reported
