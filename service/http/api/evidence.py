from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import Response

from domain.evidence import MAX_BYTES, TYPES, Evidence, is_image
from service.http.answers import EvidencePublic
from service.http.security import Ledgers, Principal, Reader, allowed

router = APIRouter(tags=["evidence"])


def evidence_public(evidence: Evidence) -> dict:
    return {"id": str(evidence.id), "sha256": evidence.sha256, "content_type": evidence.content_type,
            "size": evidence.size, "filename": evidence.filename}


@router.post("/api/evidence", status_code=201,
             summary="Upload a photo or PDF (multipart field `file`); stored by SHA-256, max 10 MB",
             response_model=EvidencePublic, response_model_exclude_unset=True)
async def upload(file: Annotated[UploadFile, File()], c: Ledgers,
                 who: Annotated[Principal, Depends(allowed("upload_evidence"))]) -> dict:
    data = await file.read(MAX_BYTES + 1)
    saved = c.nominations.store_evidence(who.username, file.filename or "", data)
    return evidence_public(c.ledger.get(Evidence, saved.id, "id"))


@router.get("/api/evidence/{evidence_id}", summary="An evidence file's description (if the caller may see it)",
            response_model=EvidencePublic, response_model_exclude_unset=True)
def describe(evidence_id: str, c: Ledgers, who: Reader) -> dict:
    return evidence_public(c.nominations.readable_evidence(who, evidence_id))


@router.get("/api/evidence/{evidence_id}/file", response_class=Response,
            responses={200: {"content": {content_type: {} for content_type in TYPES}}},
            summary="The evidence file itself, for who may read what it is attached to (a PDF as a download)")
def download(evidence_id: str, c: Ledgers, who: Reader) -> Response:
    evidence, content_type, data = c.nominations.evidence_file(who, evidence_id)
    return evidence_response(evidence, content_type, data)


def evidence_response(evidence: Evidence, content_type: str, data: bytes) -> Response:
    """Images are shown where they are; anything else (a PDF) is served as a download, never
    opened inside the service's pages."""
    disposition = "inline" if is_image(content_type) else "attachment"
    return Response(data, media_type=content_type,
                    headers={"ETag": evidence.sha256, "X-Content-Type-Options": "nosniff",
                             "Content-Disposition": f'{disposition}; filename="evidence-{evidence.sha256[:16]}"'})
