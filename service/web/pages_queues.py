"""The office's worklists (待办): open complaints, objections and disputes, oldest first, each
with a link to its subject. Rulings are made through the API or the queue's own forms."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.deps import Fresh
from service.security import in_scope
from service.web.render import page
from service.web.session import Viewer

router = APIRouter(include_in_schema=False)
QUEUES = {"complaint": "待核实的投诉", "objection": "待处理的异议(公示期)", "dispute": "待裁决的申诉"}
SHOWN = 100


@router.get("/ui/queues", response_class=HTMLResponse)
def queues(request: Request, c: Fresh, who: Viewer) -> HTMLResponse:
    lists = []
    for kind, title in QUEUES.items():
        found = c.ledger.projection.open_items(kind, SHOWN)
        items = [i for i in found["items"] if in_scope(who, i["unit"] or "")]
        lists.append({"kind": kind, "title": title, "count": found["count"], "items": items})
    return page(request, "web/queues.html", "待办", lists=lists, shown=SHOWN)
