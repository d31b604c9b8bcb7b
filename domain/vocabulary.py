"""The product's words: every coded value the API speaks (`worker`, `patrol`, `closed`, …) with
the one Chinese label users see for it, in one place each, so the API, the pages and the
documents never disagree. Code uses the keys; people read the labels."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # periods.py names kinds in its messages with these labels
    from domain.periods import Period

# Subjects of evaluation (附件1-3) and how each is counted (10 名 workers, 8 个 windows).
SUBJECT_KINDS = {"worker": "工作人员", "window": "窗口", "hall": "大厅"}
COUNTING_WORD = {"worker": "名", "window": "个", "hall": "个"}

# Roles: the office's business roles, then the three separated administrators of 等保 2.0 (三员).
BUSINESS_ROLES = {"inspector": "督查员", "unit_admin": "单位管理员", "office_admin": "考评办", "auditor": "审计员"}
ADMIN_ROLES = {"system_admin": "系统管理员", "security_admin": "安全管理员", "audit_admin": "审计管理员"}
ROLES = {**BUSINESS_ROLES, **ADMIN_ROLES}

# Where a record came from. `attendance` is written by attendance entry and imports only.
SOURCES = {"patrol": "日常巡查", "spot_check": "抽查", "covert_visit": "暗访", "cctv": "视频巡查",
           "supervision": "督办", "platform": "平台数据", "other": "其他", "attendance": "考勤"}
RECORDED_SOURCES = tuple(s for s in SOURCES if s != "attendance")

# What a scorecard line stems from.
ORIGINS = {"record": "督查记录", "attendance": "考勤", "complaint": "投诉", "figures": "报送数据"}

# Attendance exceptions (考勤异常). 旷工 is the notice's word for an absence without leave.
ATTENDANCE_KINDS = {"late": "迟到", "early_leave": "早退", "absent": "旷工"}

# The round of a kind in a period (评选流程): open → closed → notice → final.
ROUND_STATUSES = {"open": "进行中", "closed": "已截止", "notice": "公示中", "final": "已确定"}


# Where a nomination (申报) stands in its round.
NOMINATION_STATES = {"submitted": "已申报", "proposed": "拟推荐", "on_notice": "公示中", "awarded": "已确定",
                     "removed": "异议成立,不列入名单", "vetoed": "被一票否决", "not_selected": "未入选"}

# Complaint channels the office receives complaints by (投诉渠道); free text is allowed too.
COMPLAINT_CHANNELS = ("12345热线", "来信来访", "现场投诉", "网上投诉", "上级转办", "其他")

# Fields as users know them: what a refused form names instead of the API's field name.
FIELD_NAMES = {
    "subject_id": "对象", "worker_id": "工作人员", "hall_id": "大厅", "window_id": "窗口", "rule_id": "考评事项",
    "occurred_at": "发生时间", "received_at": "收到时间", "source": "来源", "note": "说明", "quantity": "次数",
    "points": "分值", "photos": "照片", "evidence": "证据", "kind": "类别", "period": "考评期", "name": "名称",
    "unit": "单位", "code": "编码", "parent_id": "上级", "effective_at": "生效时间", "effective_date": "生效日期",
    "channel": "投诉渠道", "summary": "投诉内容", "reason": "原因", "grounds": "申诉理由", "upheld": "处理结果",
    "deeds": "主要事迹", "self_scores": "自评分", "details": "申报表信息", "contact": "联系方式",
    "bonus_note": "加分情况说明", "username": "用户名", "password": "密码", "role": "角色", "old": "当前密码",
    "new": "新密码", "again": "再次输入的新密码", "file": "文件", "text": "异议内容", "chosen": "并列人选",
    "minutes": "分钟数", "date": "日期", "day": "日期", "excused": "请假", "record_id": "记录",
    "idempotency_key": "表单编号", "csrf": "表单校验码", "gender": "性别", "birth_month": "出生年月",
    "political_status": "政治面貌", "unit_and_post": "工作单位及服务岗位", "work_start": "参加工作时间",
    "head": "负责人姓名", "head_post": "负责人职务", "head_count": "人数", "phone": "联系电话",
    "since": "起始时间", "until": "截止时间", "actor": "操作人", "action": "操作", "page": "页码",
}


def field_name(field: str) -> str:
    """`details.birth_month` → 申报表信息·出生年月; an unknown name stays as it is."""
    return "·".join(FIELD_NAMES.get(part, part) for part in field.split("."))


def entry_actor(entry: dict) -> str:
    """Who a scorecard line came from: the account, or 报送数据 for lines computed from a hall's figures."""
    return ORIGINS["figures"] if entry.get("origin") == "figures" else entry.get("actor") or ""


def period_name(period: Period) -> str:
    """2022年上半年, 2022年下半年, 2022年度."""
    return f"{period.year}年" + {1: "上半年", 2: "下半年", None: "度"}[period.half]

# The rulebook's own words (effects, figure measures, cadences, notice days) as the office reads them.
EFFECT_LABELS = {"deduct": "每次扣分", "deduct-once": "每期扣一次", "assess": "评分", "veto": "一票否决",
                 "bonus": "加分", "bonus-discretionary": "酌情加分", "rank": "按排名扣分", "count": "按数量扣分"}
MEASURE_LABELS = {"rank": "按名次", "per_unit": "按个数", "per_item": "按项", "below": "低于标准值"}
CADENCE_LABELS = {"half-year": "半年", "year": "年"}
DAY_KIND_LABELS = {"calendar": "自然日", "working": "工作日"}
# Keys and values inside a rule's figure, the attendance settings and a hall's figures.
RULEBOOK_TERMS = {"measure": "计分方式", "field": "数据项", "points_per_place": "每名次扣分", "points_each": "每个扣分",
                  "threshold": "标准值", "allowed": "可选项", "within_limit": "未超过分钟线", "over_limit": "超过分钟线",
                  "absent": "旷工", "case_volume": "办件量", "wrong_elements": "错误要素数", "systems_missing": "缺少制度",
                  "satisfaction_rate": "满意率", "H1": "上半年", "H2": "下半年", "Y": "年度"}
