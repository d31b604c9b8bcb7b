"""Evidence files (照片、材料): stored content-addressed by SHA-256, so the same file uploaded
twice is one piece of evidence (whoever uploaded it is among its uploaders). The type is read
from the file's own first bytes, not from what the uploader claims."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Invalid
from domain.ids import stable_id
from domain.topics import stable_topics

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]
WEBP = "image/webp"
TYPES = sorted({content_type for _, content_type in SIGNATURES} | {WEBP})  # every type an evidence file can have


def sniff(data: bytes) -> str:
    if not data:
        raise Invalid("file", "文件是空的")
    if len(data) > MAX_BYTES:
        raise Invalid("file", f"文件太大:{len(data) // 1024} KB,上限 {MAX_BYTES // 1024 // 1024} MB")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    raise Invalid("file", "只接受图片(JPEG、PNG、GIF、WebP)或 PDF 文件")


def is_image(content_type: str) -> bool:
    return content_type.startswith("image/")


@stable_topics("Evidence", "domain.evidence")
class Evidence(Aggregate):
    @staticmethod
    def create_id(sha256: str, **_: object) -> UUID:
        return stable_id("evidence", sha256)

    @event("Stored")
    def __init__(self, sha256: str, content_type: str, size: int, filename: str, actor: str, recorded_at: datetime):
        self.sha256 = sha256
        self.content_type = content_type
        self.size = size
        self.filename = filename
        self.actor = actor
        self.recorded_at = recorded_at
        self.uploaders = [actor]

    @event("Received")
    def received(self, actor: str, recorded_at: datetime) -> None:
        """The same file uploaded again by someone else, who may then use it too."""
        self.uploaders.append(actor)
