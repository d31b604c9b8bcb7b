"""Checking a new record against the rulebook and placing it: which subjects and periods it
counts in, under which rule.

Placement applies two readings of the rulebook: the local date decides the period (point 3);
look-back rules also count in the next year's periods (point 4). Periods that are no longer
open are left out; if nothing is left, the record is refused naming the period. Where a
worker's veto rolls up (point 6) is not decided here but derived from the roster as it is
known (domain/derivation.py), so a roster correction can move it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from domain.errors import Conflict, Invalid
from domain.periods import CADENCE_OF_KIND, Period, local_date, periods_counting
from domain.rulebook import COMPUTED_FROM_FIGURES, POINTS_GIVEN_BY_RECORD, Rulebook
from domain.vocabulary import SUBJECT_KINDS

MAX_QUANTITY = 100


def check_rule(rulebook: Rulebook, kind: str, rule_id: str, quantity: int, points: Decimal | None) -> None:
    """Refuses a rule that does not apply to the subject, and points or quantities that the
    rule does not allow."""
    if not rulebook.has_rule(rule_id):
        raise Invalid("rule_id", f"规则编号 {rule_id} 在 {rulebook.version} 版考评标准中不存在")
    rule = rulebook.rule(rule_id)
    rule_kind = rulebook.kind_of_rule(rule_id)
    if rule_kind != kind:
        raise Invalid("rule_id", f"规则 {rule_id} 适用于{SUBJECT_KINDS[rule_kind]},不适用于{SUBJECT_KINDS[kind]}")
    if rule.effect in COMPUTED_FROM_FIGURES:
        raise Invalid("rule_id", f"规则 {rule_id} 由大厅报送的数据自动计算,不能手工记录")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise Invalid("quantity", f"次数必须是 1 到 {MAX_QUANTITY} 之间的整数")
    if rule.effect == "deduct-once" and quantity != 1:
        raise Invalid("quantity", f"规则 {rule_id} 每个考评期只扣一次,次数只能为 1")
    if rule.effect not in POINTS_GIVEN_BY_RECORD:
        if points is not None:
            raise Invalid("points", f"规则 {rule_id} 的分值由考评标准规定,不能另填分值")
        return
    if quantity != 1:
        raise Invalid("quantity", f"规则 {rule_id} 按分值记录,次数只能为 1")
    if points is None:
        raise Invalid("points", f"规则 {rule_id} 需要填写分值")
    if rule.effect == "assess":
        cap = rulebook.section(rule.section_id).max
        what = "扣分"
    else:
        cap = rulebook.settings.discretionary_bonus_cap
        what = "加分"
    if cap is not None and not (Decimal(0) < points <= cap):
        raise Invalid("points", f"规则 {rule_id} 的{what}必须大于 0 且不超过 {cap} 分")
    step = rulebook.settings.points_step
    if points % step != 0:
        raise Invalid("points", f"分值须为 {step} 分的整数倍(如 {step}、{2 * step}),不能是 {points}")


def place(
    rulebook_for: Callable[[Period], Rulebook],
    kind: str,
    subject_id: str,
    rule_id: str,
    occurred_at: datetime,
    is_open: Callable[[Period, str], bool],
) -> list[dict]:
    """`counts_in` for a record: [{"subject_id", "period", "rule_id"}, ...], the record's own
    subject in every open period it counts in."""
    day = local_date(occurred_at)
    first = periods_counting(CADENCE_OF_KIND[kind], day, 1)[0]
    rule = rulebook_for(first).rule(rule_id)
    periods = periods_counting(CADENCE_OF_KIND[kind], day, rule.lookback_years)
    open_periods = [p for p in periods if is_open(p, kind)]
    if not open_periods:
        raise Conflict("occurred_at", f"考评期 {first.id} 已结束或已关闭,不能再记录;更正请走申诉程序")
    return [{"subject_id": subject_id, "period": period.id, "rule_id": rule_id} for period in open_periods]
