"""The running-score chart as an SVG drawn on the server: no chart library, no script, and it
prints. A step line from the period's start (the full score) through each change to today."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from html import escape

from domain.periods import SHANGHAI

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 240, 44, 12, 14, 30


def running_score_svg(points: list[tuple[datetime, Decimal, bool]], starts: datetime, ends: datetime,
                      full: Decimal, end_label: str = "期末") -> str:
    """`full` is the rubric's total (the score at the start); `ends` is the right edge: the
    period's end, or today while the period runs."""
    span = max((ends - starts).total_seconds(), 1.0)
    totals = [full] + [t for _, t, _ in points]
    low = _to_ten(min(totals), ROUND_FLOOR) if min(totals) < full else full - 10
    high = _to_ten(max(full, max(totals)), ROUND_CEILING)  # 105 → 110

    def x(moment: datetime) -> float:
        share = min(max((moment - starts).total_seconds() / span, 0.0), 1.0)
        return LEFT + share * (WIDTH - LEFT - RIGHT)

    def y(value: Decimal) -> float:
        return TOP + float((high - value) / (high - low or 1)) * (HEIGHT - TOP - BOTTOM)

    steps, current = [(x(starts), y(full))], full
    for moment, total, _ in points:
        steps.append((x(moment), y(current)))
        steps.append((x(moment), y(total)))
        current = total
    steps.append((x(ends), y(current)))
    described = ";".join(f"{m.astimezone(SHANGHAI):%m-%d} {t}分{'(否决)' if v else ''}" for m, t, v in points)
    summary = f"期初 {full} 分" + (f",之后:{described}" if described else ",期间没有变化")
    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc">',
             '<title id="chart-title">本期得分走势</title>', f'<desc id="chart-desc">{escape(summary)}</desc>']
    for value in _ticks(low, high):
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value}</text>')
    for label, moment in (("期初", starts), (end_label, ends)):
        anchor = "start" if moment == starts else "end"
        parts.append(f'<text x="{x(moment):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
                     f'{label} {moment.astimezone(SHANGHAI):%m-%d}</text>')
    path = " ".join(f"{px:.1f},{py:.1f}" for px, py in steps)
    parts.append(f'<polyline class="line" points="{path}"/>')
    for moment, total, _ in points:
        parts.append(f'<circle class="dot" cx="{x(moment):.1f}" cy="{y(total):.1f}" r="3.5"/>')
    parts.append("</svg>")
    return "".join(parts)


def _to_ten(value: Decimal, rounding: str) -> Decimal:
    return (Decimal(value) / 10).to_integral_value(rounding=rounding) * 10


def _ticks(low: Decimal, high: Decimal) -> list[Decimal]:
    step = Decimal(10) if high - low <= 60 else Decimal(20)
    value, ticks = low, []
    while value <= high:
        if value >= low:
            ticks.append(value)
        value += step
    return ticks
