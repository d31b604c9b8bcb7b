from __future__ import annotations

from fastapi import APIRouter

from domain.errors import NotFound
from domain.scoring import number
from service.http.security import Ledgers, Reader

router = APIRouter(tags=["rulebooks"])


@router.get("/api/rulebooks/{version}", summary="A rulebook version: categories, sections, rules")
def get_rulebook(version: str, c: Ledgers, _: Reader) -> dict:
    try:
        book = c.ledger.rulebooks.get(version)
    except KeyError:
        raise NotFound("version", f"考评标准版本 {version} 不存在;现有版本:{'、'.join(c.ledger.rulebooks.versions())}") from None
    s = book.settings
    return {
        "version": book.version,
        "title": book.title,
        "effective_from": book.effective_from.isoformat(),
        "settings": {
            "timezone": s.timezone, "section_floor": s.section_floor,
            "absenteeism_over_minutes": s.absenteeism_over_minutes, "attendance_rules": s.attendance_rules,
            "complaint_rules": s.complaint_rules, "discretionary_bonus_cap": number(s.discretionary_bonus_cap),
            "notice_days": s.notice_days, "notice_day_kind": s.notice_day_kind, "points_step": number(s.points_step),
        },
        "categories": [
            {
                "kind": c_.kind, "annex": c_.annex, "title": c_.title, "quota": c_.quota, "cadence": c_.cadence,
                "nomination_deadlines": c_.nomination_deadlines,
                "sections": [
                    {
                        "id": sec.id, "title": sec.title, "note": sec.note,
                        "max": None if sec.max is None else number(sec.max),
                        "rules": [
                            {"id": r.id, "item": r.item, "text": r.text, "clause": r.clause, "effect": r.effect,
                             "points": None if r.points is None else number(r.points),
                             "rolls_up_to": r.rolls_up_to, "lookback_years": r.lookback_years}
                            for r in sec.rules
                        ],
                    }
                    for sec in c_.sections
                ],
            }
            for c_ in book.categories
        ],
    }
