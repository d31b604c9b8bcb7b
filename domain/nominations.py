"""Nominations (申报推荐) by a unit: the fields of annexes 4-6, the self-assessed score per
section (自评分), main deeds (≤ 800 characters), 1-3 photos and an optional bonus note."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Invalid
from domain.ids import stable_id
from domain.rulebook import Category
from domain.topics import stable_topics

MAX_DEEDS = 800
PHOTOS = (1, 3)


@stable_topics("Nomination", "domain.nominations")
class Nomination(Aggregate):
    @staticmethod
    def create_id(subject_id: str, period: str, **_: object) -> UUID:
        return stable_id("nomination", subject_id, period)

    @event("Submitted")
    def __init__(self, subject_id: str, kind: str, period: str, unit: str, details: dict, self_scores: dict,
                 deeds: str, photos: list[str], contact: str | None, bonus_note: str | None, actor: str,
                 recorded_at: datetime):
        self.subject_id = subject_id
        self.kind = kind
        self.period = period
        self.unit = unit
        self._set(details, self_scores, deeds, photos, contact, bonus_note, actor, recorded_at)

    @event("Revised")
    def revise(self, details: dict, self_scores: dict, deeds: str, photos: list[str], contact: str | None,
               bonus_note: str | None, actor: str, recorded_at: datetime) -> None:
        self._set(details, self_scores, deeds, photos, contact, bonus_note, actor, recorded_at)

    def _set(self, details, self_scores, deeds, photos, contact, bonus_note, actor, recorded_at) -> None:
        self.details = details
        self.self_scores = self_scores
        self.deeds = deeds
        self.photos = photos
        self.contact = contact
        self.bonus_note = bonus_note
        self.actor = actor
        self.recorded_at = recorded_at


def check_nomination(category: Category, self_scores: dict[str, Decimal], deeds: str, photos: list[str]) -> None:
    sections = {s.id: s for s in category.scored_sections}
    unknown = [k for k in self_scores if k not in sections]
    if unknown:
        raise Invalid("self_scores", f"不认识的评选项目:{'、'.join(unknown)};应为 {'、'.join(sections)}")
    missing = [k for k in sections if k not in self_scores]
    if missing:
        raise Invalid("self_scores", f"缺少自评分:{'、'.join(missing)}")
    for section_id, points in self_scores.items():
        maximum = sections[section_id].max
        if not Decimal(0) <= points <= maximum:
            raise Invalid(f"self_scores.{section_id}",
                          f"{section_id} {sections[section_id].title} 的自评分应在 0 到 {maximum} 分之间,而不是 {points}")
    if len(deeds) > MAX_DEEDS:
        raise Invalid("deeds", f"主要事迹应在 {MAX_DEEDS} 字以内,现有 {len(deeds)} 字")
    if not deeds.strip():
        raise Invalid("deeds", "请填写主要事迹")
    if not PHOTOS[0] <= len(photos) <= PHOTOS[1]:
        raise Invalid("photos", f"应附 1 至 3 张工作照片,现有 {len(photos)} 张")
    if len(set(photos)) != len(photos):
        raise Invalid("photos", "照片重复")
