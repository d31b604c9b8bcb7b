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


def histogram_svg(title: str, bins: list[tuple[str, int, int]]) -> str:
    """Columns of counts: (label, subjects counted, of which vetoed), e.g. the totals of a period
    in bands of five points. Vetoed subjects show in their own colour within their column."""
    width, height, left, bottom, top = 640, 220, 36, 34, 14
    highest = max([n for _, n, _ in bins] + [1])
    step = (width - left - 8) / max(len(bins), 1)
    described = ";".join(f"{label}:{n} 个" + (f"(其中否决 {v} 个)" if v else "") for label, n, v in bins if n)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="hist-title hist-desc">',
             f'<title id="hist-title">{escape(title)}</title>', f'<desc id="hist-desc">{escape(described or "没有数据")}</desc>']
    for value in sorted({0, highest // 2, highest}):
        y = top + (1 - value / highest) * (height - top - bottom)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>')
    for i, (label, n, vetoed) in enumerate(bins):
        x = left + i * step + 2
        full = (n / highest) * (height - top - bottom)
        veto = (vetoed / highest) * (height - top - bottom)
        base, wide = height - bottom, step - 4
        if n:
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{base - full:.1f}" width="{wide:.1f}" height="{full - veto:.1f}"/>')
        if vetoed:
            parts.append(f'<rect class="bar veto" x="{x:.1f}" y="{base - veto:.1f}" width="{wide:.1f}" height="{veto:.1f}"/>')
        parts.append(f'<text x="{x + (step - 4) / 2:.1f}" y="{height - 18}" text-anchor="middle">{escape(label)}</text>')
        if n:
            parts.append(f'<text x="{x + (step - 4) / 2:.1f}" y="{base - full - 3:.1f}" text-anchor="middle">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(title: str, rows: list[tuple[str, int, str]]) -> str:
    """Horizontal bars: (label, count, note), e.g. each unit's deductions with its most frequent rule."""
    width, row_height, left, right = 640, 26, 150, 190
    height = max(len(rows), 1) * row_height + 10
    highest = max([n for _, n, _ in rows] + [1])
    described = ";".join(f"{label} {n} 次({note})" for label, n, note in rows)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="bars-title bars-desc">',
             f'<title id="bars-title">{escape(title)}</title>', f'<desc id="bars-desc">{escape(described or "没有扣分")}</desc>']
    for i, (label, n, note) in enumerate(rows):
        y = 5 + i * row_height
        length = n / highest * (width - left - right)
        short = label if len(label) <= 10 else label[:9] + "…"
        parts.append(f'<text x="{left - 6}" y="{y + 17}" text-anchor="end">{escape(short)}</text>')
        parts.append(f'<rect class="bar" x="{left}" y="{y + 4}" width="{max(length, 1):.1f}" height="{row_height - 8}"/>')
        parts.append(f'<text x="{left + length + 6:.1f}" y="{y + 17}">{n} 次 · {escape(note)}</text>')
    parts.append("</svg>")
    return "".join(parts)
