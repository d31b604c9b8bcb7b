"""The operation log in words (操作日志): `POST /ui/rounds/2022H1/final` reads 确定最终名单(2022H1).
Each pattern is matched against "METHOD path" (or the trail's own action names); the first
match names it, with the period where the path carries one."""

from __future__ import annotations

import re

from domain.vocabulary import ROLES

# (pattern, words); {0} is the first captured group (a period id) where there is one.
ACTIONS: list[tuple[str, str]] = [
    (r"^login$", "登录"),
    (r"^POST /(?:api/auth|ui)/login$", "登录"),
    (r"^refused$", "未登录的请求被拒绝"),
    (r"^POST /(?:api|ui)/(?:periods|rounds)/(\w+)/close$", "截止考评期({0})"),
    (r"^POST /(?:api/periods/(\w+)/tie-decision|ui/rounds/(\w+)/tie)$", "确定并列人选({0})"),
    (r"^POST /(?:api|ui)/(?:periods|rounds)/(\w+)/notice$", "发布公示({0})"),
    (r"^POST /(?:api|ui)/(?:periods|rounds)/(\w+)/final$", "确定最终名单({0})"),
    (r"^POST /(?:api/records|ui/patrol)$", "记录考评事项"),
    (r"^POST /(?:api|ui)/records/[^/]+/retraction$", "撤销记录"),
    (r"^POST /(?:api/disputes|ui/records/[^/]+/dispute)$", "提出申诉"),
    (r"^POST /(?:api/disputes/[^/]+/ruling|ui/queues/dispute/[^/]+)$", "裁决申诉"),
    (r"^POST /(?:api|ui)/attendance$", "录入考勤异常"),
    (r"^POST /(?:api/imports/(\w+)|ui/imports(?:/mapped)?)$", "导入文件"),
    (r"^POST /(?:api|ui)/complaints$", "登记投诉"),
    (r"^POST /(?:api/complaints/[^/]+/verdict|ui/queues/complaint/[^/]+)$", "核实投诉"),
    (r"^POST /(?:api/objections|notice/(\w+)/objections)$", "提出异议(公示页)"),
    (r"^POST /(?:api/objections/[^/]+/ruling|ui/queues/objection/[^/]+)$", "处理异议"),
    (r"^POST /(?:api/nominations|ui/nominations/form)$", "申报"),
    (r"^POST /api/evidence$", "上传证据"),
    (r"^POST /(?:api/subjects|ui/roster)$", "新增大厅、窗口或人员"),
    (r"^POST /(?:api/subjects|ui/roster)/[^/]+/assignment$", "调动"),
    (r"^POST /ui/roster/[^/]+/rename$", "更名"),
    (r"^POST /api/halls/[^/]+/figures$", "报送大厅数据"),
    (r"^(?:PUT|DELETE) /api/calendar/", "修改节假日表"),
    (r"^PUT /api/rulebooks/", "修改考评标准"),
    (r"^POST /(?:api/users|ui/accounts/users)$", "新建账号"),
    (r"^POST /(?:api/users|ui/accounts/users)/[^/]+/password-reset$", "重置密码"),
    (r"^POST /(?:api/users|ui/accounts/users)/[^/]+/role$", "更改角色"),
    (r"^POST /(?:api/users|ui/accounts/users)/[^/]+/unlock$", "解除锁定"),
    (r"^POST /(?:api/auth|ui)/password$", "修改密码"),
    (r"^POST /(?:api/auth|ui)/logout$", "退出登录"),
    (r"^POST /(?:api|ui/accounts)/tokens$", "签发令牌"),
    (r"^POST /(?:api|ui/accounts)/tokens/[^/]+/revocation$", "吊销令牌"),
    (r"^POST /ui/audit/verify$", "校验哈希链"),
    # The account's own record of what changed (beside the request that changed it).
    (r"^user\.created$", "账号已建立"),
    (r"^user\.password_reset$", "密码已重置"),
    (r"^user\.password_changed$", "密码已修改"),
    (r"^user\.role_changed$", "角色已更改"),
    (r"^token\.issued$", "令牌已签发"),
    (r"^token\.revoked$", "令牌已吊销"),
]
COMPILED = [(re.compile(pattern), words) for pattern, words in ACTIONS]
# The audit page's action filter: words → the part of the raw action they stand for.
FILTERS = {"登录": "login", "评选流程": "/rounds/", "考评记录": "/records", "巡查记录": "/ui/patrol", "考勤": "attendance",
           "导入": "imports", "投诉": "complaint", "异议": "objection", "申诉": "dispute", "申报": "nominations",
           "花名册": "subjects", "账号": "users", "令牌": "tokens"}


def describe(action: str) -> str:
    for pattern, words in COMPILED:
        match = pattern.match(action)
        if match:
            period = next((g for g in match.groups() if g), "")
            return words.format(period) if "{0}" in words else words
    method = action.split(" ", 1)[0]
    return {"POST": "提交", "PUT": "修改", "DELETE": "删除"}.get(method, "操作") + "(其他)"

# Why a login failed, as the trail keeps it (English, for logs) and as the page says it.
DETAILS = {"ok": "", "wrong username or password": "用户名或密码错误", "locked": "账号已锁定",
           "too many attempts from this address": "该地址登录尝试过于频繁", "too many at once": "同时登录请求过多,未核对密码"}


ROLE_CODE = re.compile(r"\b(" + "|".join(ROLES) + r")\b")
SAMPLE = re.compile(r"例如 ((?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) \S+)$")


def describe_detail(detail: str | None) -> str:
    """A detail in words: role codes by their Chinese names, a refused request's example by what
    it tried (its path kept beside it: the auditor may need it)."""
    text = DETAILS.get(detail or "", detail or "")
    text = ROLE_CODE.sub(lambda m: ROLES[m.group(1)], text)
    return SAMPLE.sub(lambda m: f"例如 {describe(m.group(1))}({m.group(1)})", text)


# The names the service itself writes as actors (domain/accounts.py: RESERVED_USERNAMES), in words.
ACTORS = {"anonymous": "未登录的访问者", "scheduler": "定时任务", "evalctl": "服务器操作员(evalctl)",
          "bootstrap-admin": "初始管理令牌", "import": "导入"}
