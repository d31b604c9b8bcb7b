"""How the product names periods and awards in what it prints and shows (Chinese). The award
names themselves come from the rulebook (`Category.title`)."""

from __future__ import annotations

from domain.periods import Period

COUNTING_WORD = {"worker": "名", "window": "个", "hall": "个"}  # 10 名 workers, 8 个 windows, 5 个 halls


def period_name(period: Period) -> str:
    """2022年上半年, 2022年下半年, 2022年度."""
    return f"{period.year}年" + {1: "上半年", 2: "下半年", None: "度"}[period.half]
