"""The product's words: every coded value the API speaks (`worker`, `patrol`, `closed`, …) with
the one Chinese label users see for it, in one place each, so the API, the pages and the
documents never disagree. Code uses the keys; people read the labels."""

from __future__ import annotations

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


def period_name(period: Period) -> str:
    """2022年上半年, 2022年下半年, 2022年度."""
    return f"{period.year}年" + {1: "上半年", 2: "下半年", None: "度"}[period.half]
