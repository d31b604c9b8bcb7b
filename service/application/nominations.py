"""Nominations (申报) by units, and the evidence files (照片、材料) that records and nominations
refer to."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import BaseModel, ValidationError

from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.evidence import Evidence, is_image, sniff
from domain.nominations import Nomination, check_nomination
from domain.periods import SHANGHAI
from domain.subjects import Subject
from domain.text import loggable
from domain.vocabulary import field_name
from projections.lists import nominations_of
from service.application.evidence import EvidenceAccess
from service.application.fields import UnitDetails, WorkerDetails
from service.application.ledger import Idempotency, Ledger, Saved
from service.application.messages import validation_message
from service.application.principal import Principal
from service.application.rounds import Rounds

DETAILS = {"worker": WorkerDetails, "window": UnitDetails, "hall": UnitDetails}


class Nominations:
    def __init__(self, ledger: Ledger, rounds: Rounds):
        self.ledger = ledger
        self.rounds = rounds
        self.evidence = EvidenceAccess(ledger)

    def submit(self, who: Principal, subject_id: str, period_id: str, details: dict, self_scores: dict[str, Decimal],
               deeds: str, photos: list[str], contact: str | None, bonus_note: str | None,
               idempotency: Idempotency | None = None) -> Saved:
        def build() -> tuple[str, list[Aggregate]]:
            subject = self.ledger.get(Subject, subject_id, "subject_id")
            if who.role == "unit_admin" and who.unit != subject.unit:
                raise Forbidden("subject_id", f"只能申报本单位({who.unit})的对象,{subject.name} 属于 {subject.unit}")
            period = self.rounds.period(subject.kind, period_id)
            deadline = self.rounds.deadline(subject.kind, period)
            if self.ledger.now() >= deadline:
                shown = (deadline.astimezone(SHANGHAI) - timedelta(days=1)).date()
                raise Conflict("period", f"{period.id} 的申报截止时间为 {shown.year}年{shown.month}月{shown.day}日 24:00,"
                                         "已过截止时间")
            if self.rounds.round(subject.kind, period) is not None:
                raise Conflict("period", f"考评期 {period.id} 已关闭,不再接受申报")
            checked = self._details(subject.kind, details)
            category = self.ledger.rulebook_for(period).category(subject.kind)
            check_nomination(category, self_scores, deeds, photos)
            self.evidence.check_usable(who, photos, "photos")
            for photo in photos:
                evidence = self.ledger.find(Evidence, _uuid(photo, "photos"))
                if evidence is None or not is_image(evidence.content_type):
                    raise Invalid("photos", f"照片 {photo} 不存在或不是图片,请先通过 /api/evidence 上传")
            fields = {"details": checked, "self_scores": {k: v for k, v in self_scores.items()}, "deeds": deeds,
                      "photos": photos, "contact": contact, "bonus_note": bonus_note, "actor": who.username,
                      "recorded_at": self.ledger.now()}
            existing = self.ledger.find(Nomination, Nomination.create_id(subject_id=str(subject.id), period=period.id))
            if existing is None:
                nomination = Nomination(subject_id=str(subject.id), kind=subject.kind, period=period.id,
                                        unit=subject.unit, **fields)
            else:
                existing.revise(**fields)
                nomination = existing
            return str(nomination.id), [nomination]

        return self.ledger.write("nomination", idempotency, build)

    def listing(self, period_id: str, kind: str, unit: str | None = None) -> list[dict]:
        """The nominations of a period and kind (a unit's only, when `unit` is given), each with
        where it stands in the round (NOMINATION_STATES) and its self-assessed total."""
        period = self.rounds.period(kind, period_id)
        self.ledger.projection.catch_up()
        found = self.rounds.round(kind, period)
        state_of = _states(found, self.rounds.quota(kind, period)) if found else (lambda _: "submitted")
        items = []
        for row in nominations_of(self.ledger.projection.store, period.id, kind, unit):
            nomination = self.ledger.get(Nomination, row["nomination_id"], "nomination_id")
            items.append({**row, "state": state_of(row["subject_id"]), "recorded_at": nomination.recorded_at,
                          "actor": nomination.actor, "photos": len(nomination.photos),
                          "self_total": sum(Decimal(str(v)) for v in nomination.self_scores.values())})
        return items

    @staticmethod
    def _details(kind: str, details: dict) -> dict:
        model: type[BaseModel] = DETAILS[kind]
        try:
            return model.model_validate(details).model_dump(mode="json")
        except ValidationError as error:
            first = error.errors()[0]
            field = "details." + ".".join(str(p) for p in first["loc"])
            raise Invalid(field, f"申报表中的“{field_name(field).split('·')[-1]}”{validation_message(first)}") from None

    def readable_evidence(self, who: Principal, evidence_id: str) -> Evidence:
        """An evidence file's description, if the caller may see it (else as if it did not exist)."""
        evidence = self.ledger.get(Evidence, evidence_id, "evidence_id")
        if not self.evidence.readable(who, evidence):
            raise NotFound("evidence_id", f"证据 {evidence_id} 不存在,或它不属于您可以查看的记录和申报")
        return evidence

    def evidence_file(self, who: Principal, evidence_id: str) -> tuple[Evidence, str, bytes]:
        """An evidence file with its content type and bytes (the API's download, the pages' thumbnails)."""
        evidence = self.readable_evidence(who, evidence_id)
        found = self.ledger.evidence_files.get(evidence.sha256)
        if found is None:
            raise NotFound("evidence_id", "证据文件缺失")
        return evidence, *found

    def store_evidence(self, actor: str, filename: str, data: bytes) -> Saved:
        content_type = sniff(data)
        sha256 = hashlib.sha256(data).hexdigest()
        self.ledger.evidence_files.put(sha256, content_type, data)  # the bytes first: a crash leaves an unused file

        def build() -> tuple[str, list[Aggregate]]:
            evidence = Evidence(sha256=sha256, content_type=content_type, size=len(data),
                                filename=loggable(filename.replace("\\", "/").rsplit("/", 1)[-1], 200),
                                actor=actor, recorded_at=self.ledger.now())
            return str(evidence.id), [evidence]

        existing = self.ledger.find(Evidence, Evidence.create_id(sha256=sha256))
        if existing is not None:
            if actor not in existing.uploaders:  # they have the file: they may use it too
                def received() -> tuple[str, list[Aggregate]]:
                    existing.received(actor=actor, recorded_at=self.ledger.now())
                    return str(existing.id), [existing]

                return self.ledger.write("evidence", None, received)
            return Saved(str(existing.id), 0, replayed=True)
        try:
            return self.ledger.write("evidence", None, build)
        except Conflict:  # the same file arriving twice at once
            return Saved(str(Evidence.create_id(sha256=sha256)), 0, replayed=True)


def _states(found, quota: int):
    """Where each nominated subject stands in a round that has closed."""
    vetoed = {s["subject_id"] for s in found.standings if s["vetoed"]}
    if found.final is not None:
        kept = {i["subject_id"] for i in found.final["list"]}
        removed = {r["subject_id"] for r in found.final["removed"]}
    elif found.notice is not None:
        kept, removed = {i["subject_id"] for i in found.notice["listed"]}, set()
    else:
        kept, removed = {i["subject_id"] for i in found.proposal(quota).items}, set()
    listed = "awarded" if found.final is not None else "on_notice" if found.notice is not None else "proposed"

    def state(subject_id: str) -> str:
        if subject_id in kept:
            return listed
        if subject_id in removed:
            return "removed"
        return "vetoed" if subject_id in vetoed else "not_selected"

    return state


def _uuid(text: str, field: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise Invalid(field, f"{text} 不是有效的编号") from None
