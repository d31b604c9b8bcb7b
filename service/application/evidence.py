"""Who may see and use an evidence file (照片、材料). A file is readable by the office, by whoever
uploaded it, and by whoever may read a record or nomination it is attached to (a unit
administrator only its own unit's); before it is attached to anything, only the office and its
uploaders see it. It may be attached to a record or nomination by the office, by whoever
uploaded it, or by a unit administrator whose unit already uses it: knowing a file's id (derived
from its SHA-256) is not enough to show or reuse it."""

from __future__ import annotations

from uuid import UUID

from domain.errors import Forbidden, Invalid
from domain.evidence import Evidence
from projections.attachments import units_using
from service.application.ledger import Ledger
from service.application.principal import Principal

OFFICE = "office_admin"


class EvidenceAccess:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    def _units(self, evidence: Evidence) -> set[str]:
        return units_using(self.ledger.projection.store, str(evidence.id))

    def readable(self, who: Principal, evidence: Evidence) -> bool:
        if who.role == OFFICE or who.username in evidence.uploaders:
            return True
        units = self._units(evidence)
        return bool(units) and (who.role != "unit_admin" or who.unit in units)

    def usable(self, who: Principal, evidence: Evidence) -> bool:
        if who.role == OFFICE or who.username in evidence.uploaders:
            return True
        return who.role == "unit_admin" and who.unit in self._units(evidence)

    def check_usable(self, who: Principal, evidence_ids: list[str], field: str) -> None:
        """Each file exists and the caller may attach it (refusals name the field and the file)."""
        for evidence_id in evidence_ids:
            try:
                found = self.ledger.find(Evidence, UUID(evidence_id))
            except ValueError:
                found = None
            if found is None:
                raise Invalid(field, f"证据 {evidence_id} 不存在,请先通过 /api/evidence 上传")
            if not self.usable(who, found):
                raise Forbidden(field, f"证据 {evidence_id} 不是您上传的,也不属于本单位,不能使用")
