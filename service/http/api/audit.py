"""The operation and login log (操作日志、登录日志): read and exported by the audit administrator
and auditors only; nobody can change or delete it (it is part of the event log)."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from service.application.fields import Moment
from service.application.principal import Principal
from service.documents.spreadsheet import csv_text
from service.http.answers import AuditLogPublic
from service.http.security import Ledgers, allowed

router = APIRouter(tags=["audit"])


@router.get("/api/audit-log", summary="Every write and login attempt: who, when, from where, what, outcome",
            response_class=Response,
            responses={200: {"model": AuditLogPublic, "content": {"text/csv": {}},
                             "description": "the trail as JSON, or as CSV with `format=csv`"}})
def audit_log(c: Ledgers, _: Annotated[Principal, Depends(allowed("read_trail"))],
              since: Moment | None = None, until: Moment | None = None, actor: str | None = None,
              action: str | None = None, limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
              format: Literal["json", "csv"] = "json") -> Response:
    items = c.ledger.projection.audit_log(since, until, actor, action, limit)
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["位置", "时间", "账号", "角色", "地址", "操作", "状态", "成功", "说明"])
        for i in items:  # usernames and details are what people typed: never a live formula
            writer.writerow([csv_text(v) for v in (i["position"], i["at"], i["actor"], i["role"], i["address"],
                                                   i["action"], i["status"], "是" if i["success"] else "否",
                                                   i["detail"])])
        return Response(buffer.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'})
    return Response(json.dumps({"items": items, "retention_days": c.settings.audit_retention_days},
                               ensure_ascii=False), media_type="application/json")
