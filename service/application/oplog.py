"""The operation log entry (操作日志) of the request being served, written by the first command
the request runs, in that command's own transaction: a write and its trail commit together or
not at all. The HTTP layer opens one per write request; a request that commits nothing (it was
refused, or it only reads) is logged by the HTTP layer afterwards."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from domain.accounts import Operation


@dataclass
class PendingOperation:
    method: str
    path: str  # already made safe to keep (domain/text.py: loggable)
    address: str | None
    status: int  # the answer a success gives (201 for a POST to the API, 303 for a page's form)
    actor: str = "anonymous"
    role: str | None = None
    logged: bool = False

    def event(self, recorded_at: datetime) -> Operation:
        return Operation(actor=self.actor, role=self.role, address=self.address, method=self.method, path=self.path,
                         status=self.status, success=True, recorded_at=recorded_at)


current_operation: ContextVar[PendingOperation | None] = ContextVar("current_operation", default=None)
