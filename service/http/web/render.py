"""Rendering the pages: one Jinja2 environment, the Chinese names the pages show, and the
helpers every page uses (the logged-in user, the CSRF token, the navigation of the role)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from domain.periods import SHANGHAI
from domain.vocabulary import ORIGINS, RECORDED_SOURCES, ROLES, ROUND_STATUSES, SOURCES, SUBJECT_KINDS
from service.application.principal import Principal
from service.http.web.session import may

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))

# The main pages, as the home page's tiles and the navigation show them: (path, label, what it
# is for, the permission that shows it, whether the navigation lists it).
PAGES = [
    ("/ui/patrol", "巡查记录", "现场记录扣分、加分事项,可拍照取证,离线时自动暂存", "record", True),
    ("/ui/patrol/mine", "我的提交", "最近提交的记录及其状态", "record", False),
    ("/ui/desk", "考评台", "各期排名、一票否决、对象考评表,可搜索、筛选、导出", "read", True),
    ("/ui/nominations", "申报", "填写申报推荐表,查看各对象的申报状态", "read", True),
    ("/ui/queues", "待办", "待处理的投诉、异议和申诉", "read", True),
    ("/ui/complaints/new", "登记投诉", "登记群众投诉:渠道、收到时间、内容", "file_complaint", False),
    ("/ui/attendance", "考勤与导入", "单条录入考勤异常,或上传考勤表、大厅数据、人员名册", "attendance", True),
    ("/ui/roster", "花名册", "大厅、窗口、工作人员:新增、更名、调动", "manage_subjects", True),
    ("/ui/accounts", "账号", "账号、角色、锁定与令牌", "manage_accounts", True),
    ("/ui/rulebooks", "考评标准", "上传新一年的考评标准,检查、对比、预览后采用", "manage_rulebooks", True),
    ("/ui/audit", "审计", "操作与登录日志、哈希链头与校验", "read_trail", True),
]


def local_time(moment: datetime | str | None, with_seconds: bool = False) -> str:
    """A moment as people in the county read it: Beijing time, 2022-03-01 09:30."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def signed(value: Any) -> str:
    """Points with their sign: -2, +1, 0."""
    if value is None:
        return ""
    return f"+{value}" if value > 0 else str(value)


def day_end(moment: datetime | str | None) -> str:
    """A deadline kept as the next day's 00:00 reads as its own day at 24:00: 2022-06-20 24:00."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(SHANGHAI)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{(local - timedelta(days=1)):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


templates.env.filters["local"] = local_time
templates.env.filters["day_end"] = day_end
templates.env.filters["signed"] = signed
# The vocabulary (domain/vocabulary.py) by the names the templates use.
templates.env.globals.update(KIND_NAMES=SUBJECT_KINDS, ROLE_NAMES=ROLES, ROUND_STATUS=ROUND_STATUSES,
                             SOURCES={k: v for k, v in SOURCES.items() if k in RECORDED_SOURCES}, ORIGINS=ORIGINS)


def wants_json(request: Request) -> bool:
    """A page's script asks for JSON (the patrol outbox); a browser's form navigation does not."""
    return "application/json" in request.headers.get("accept", "")


def tiles(who: Principal) -> list[tuple[str, str, str]]:
    return [(path, label, text) for path, label, text, action, _ in PAGES if may(who, action)]


def navigation(who: Principal | None) -> list[tuple[str, str]]:
    if who is None:
        return []
    return [(path, label) for path, label, _, action, listed in PAGES if listed and may(who, action)]


def page(request: Request, template: str, title: str, status: int = 200, **context: Any) -> HTMLResponse:
    who = getattr(request.state, "principal", None)
    return templates.TemplateResponse(request, template, {
        "title": title, "who": who, "nav": navigation(who), "csrf": getattr(request.state, "csrf", ""),
        "path": request.url.path, "may": lambda action: who is not None and may(who, action), **context,
    }, status_code=status)


def message(request: Request, title: str, text: str, status: int, back: str | None = None) -> HTMLResponse:
    return page(request, "web/message.html", title, status=status, text=text, back=back)
