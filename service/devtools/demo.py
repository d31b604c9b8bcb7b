"""A small demonstration county (演示数据): three halls, six windows and eighteen workers, with
findings, attendance, praise, complaints (one judged, one waiting), a dispute, hall figures and
nominations in the *current* period, so every page has something to show. On an empty store it
first plays the previous half-year's round to the end (close, notice, an objection and its
ruling, the final list), with the clock set back, so the round pages, the notice and the 通报
have something too. It writes through the same commands as users do, and loads once (the
codes make it idempotent); one account per role is created with an initial password."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from domain.periods import SHANGHAI, Period, period_of
from domain.subjects import Subject
from domain.vocabulary import ROLES
from service.application.principal import OPERATOR, Principal
from service.application.services import Container
from service.config.clock import SettableClock

HALLS = [("DEMO-H1", "县政务服务中心"), ("DEMO-H2", "古宜镇便民服务中心"), ("DEMO-H3", "丹洲镇便民服务中心")]
WINDOWS = [("综合受理窗口", "县政务服务监督管理办公室"), ("社保医保窗口", "县人力资源和社会保障局")]
WORKER_NAMES = ["吴晓梅", "杨志强", "石丽娟", "龙建华", "梁秀英", "潘文军", "韦海燕", "蒙国平", "覃玉兰",
                "荣小东", "欧阳静", "粟明辉", "胡春花", "陆家豪", "黄思雨", "李建新", "罗美玲", "周德旺"]
ACTOR = "demo"
OFFICE = Principal("demo", ACTOR, "office_admin", None)
# One account per role; the unit administrator is the 社保医保窗口 workers' unit.
ACCOUNTS = [("demo-office", "office_admin", None), ("demo-inspector", "inspector", None),
            ("demo-unit", "unit_admin", "县人力资源和社会保障局"), ("demo-auditor", "auditor", None),
            ("demo-sysadmin", "system_admin", None), ("demo-secadmin", "security_admin", None),
            ("demo-auditadmin", "audit_admin", None)]
WORKER_DETAILS = {"gender": "女", "birth_month": "1990-05", "political_status": "中共党员", "work_start": "2012-07"}


def photo(seed: int) -> bytes:
    """A small real PNG (a work photo, as far as the ledger can tell)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(((seed * 40) % 256, 110, 160)) * 48 for _ in range(32))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 48, 32, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def load_demo(c: Container, clock: SettableClock | None = None, say: Callable[[str], None] = print) -> None:
    """`clock`: the container's own settable clock, to play the previous half-year on an empty store."""
    if c.ledger.find(Subject, Subject.create_id(kind="hall", code=HALLS[0][0])) is not None:
        say("演示数据已存在,未重复载入(初始密码只在第一次载入时显示)")
        return
    now = c.ledger.now()
    current = period_of("half-year", now.astimezone(SHANGHAI).date())
    previous = _previous(current)
    first_rulebook_day = min(c.ledger.rulebooks.get(v).effective_from for v in c.ledger.rulebooks.versions())
    replay = clock is not None and c.ledger.projection.log_end() == 0 and previous.first_day >= first_rulebook_day
    if replay:
        clock.set(previous.starts + timedelta(days=2, hours=9))
    workers = _roster(c)
    if replay:
        _previous_round(c, clock, previous, workers, now)
        clock.set(now)
    _current_period(c, current, workers, now)
    say(f"已载入演示数据:3 个大厅、6 个窗口、{len(workers)} 名工作人员;考评期 {current.id}"
        + (f",以及已走完评选流程的 {previous.id}" if replay else ""))
    _accounts(c, say)


def _previous(period: Period) -> Period:
    return Period(period.year - 1, 2) if period.half == 1 else Period(period.year, 1)


def _roster(c: Container) -> list[str]:
    workers = []
    for h, (hall_code, hall_name) in enumerate(HALLS):
        hall = c.roster.create(ACTOR, "hall", hall_name, hall_name, hall_code, None, None)
        for w, (window_name, unit) in enumerate(WINDOWS):
            window = c.roster.create(ACTOR, "window", window_name, unit, f"{hall_code}-W{w + 1}", hall.id, None)
            for k in range(3):
                index = h * 6 + w * 3 + k
                worker = c.roster.create(ACTOR, "worker", WORKER_NAMES[index], unit, f"DEMO-G{index + 1:03d}",
                                         window.id, None)
                workers.append(worker.id)
    return workers


def _nominate(c: Container, subject_id: str, period: Period, deeds: str) -> None:
    subject = c.ledger.get(Subject, subject_id, "subject_id")
    photos = [c.nominations.store_evidence(ACTOR, f"工作照{i}.png", photo(hash(subject_id) % 97 + i)).id for i in (1, 2)]
    category = c.ledger.rulebook_for(period).category(subject.kind)
    scores = {s.id: s.max - 1 for s in category.scored_sections}
    details = ({"name": subject.name, **WORKER_DETAILS, "unit_and_post": f"{subject.unit} 窗口工作人员"}
               if subject.kind == "worker" else
               {"name": subject.name, "head": "蒙志坚", "head_post": "负责人", "head_count": 6, "phone": "0772-8627972"})
    c.nominations.submit(OFFICE, subject_id, period.id, details, scores, deeds, photos, "0772-8627972", None)


def _previous_round(c: Container, clock: SettableClock, period: Period, workers: list[str], now: datetime) -> None:
    """The half-year before: findings, nominations, then the round played to its end."""
    clock.advance(days=10)
    c.records.record(ACTOR, workers[1], "A1.2.1", clock.now(), "patrol", "未佩戴工作牌")
    c.records.record(ACTOR, workers[4], "A1.4.3", clock.now(), "cctv", "叫号单未及时清理")
    c.records.record(ACTOR, workers[9], "A1.6.1", clock.now(), "other", "群众送锦旗")
    for index, deeds in ((0, "热情服务,全年无差错。"), (1, "业务熟练,群众满意。"), (3, "主动延时服务,解决群众急事难事。"),
                         (4, "耐心细致,窗口服务标兵。"), (9, "获群众锦旗表扬。")):
        clock.advance(hours=1)
        _nominate(c, workers[index], period, deeds)
    clock.set(period.ends + timedelta(hours=9))
    c.rounds.close(ACTOR, "worker", period)
    clock.advance(hours=1)
    c.rounds.publish_notice(ACTOR, "worker", period)
    clock.advance(days=1)
    found = c.rounds.round("worker", period)
    objection = c.rounds.lodge_objection("worker", period, found.notice["listed"][-1]["subject_id"],
                                         "该同志曾在窗口与群众发生争执。", None, "127.0.0.1")
    clock.advance(days=1)
    c.rounds.rule_objection(ACTOR, objection.id, True, "经调取录像核实,情况属实")
    if found.notice["ends"] + timedelta(hours=1) < now:
        clock.set(found.notice["ends"] + timedelta(hours=1))
        c.rounds.finalise(ACTOR, "worker", period)


def _current_period(c: Container, period: Period, workers: list[str], now: datetime) -> None:
    span = max((now - period.starts).days, 1)

    def day(n: int) -> datetime:
        return min(period.starts + timedelta(days=min(n, span - 1), hours=9), now - timedelta(minutes=5))

    c.records.record(ACTOR, workers[0], "A1.1.2", day(3), "patrol", "上班时间玩手机游戏")
    c.records.record(ACTOR, workers[0], "A1.2.1", day(5), "patrol", "未佩戴工作牌", quantity=2)
    c.records.record(ACTOR, workers[1], "A1.6.1", day(6), "other", "群众送锦旗")
    disputed = c.records.record(ACTOR, workers[2], "A1.4.3", day(2), "cctv", "叫号单未及时清理")
    c.records.attendance(ACTOR, workers[3], day(4).date(), "late", 30, False, "迟到30分钟")
    c.records.attendance(ACTOR, workers[4], day(7).date(), "late", 120, False, "迟到2小时,按旷工处理")
    c.records.attendance(ACTOR, workers[5], day(8).date(), "early_leave", 60, True, "已请假")
    judged = c.complaints.file(ACTOR, workers[6], day(9), "12345热线", "办事群众反映态度生硬")
    c.complaints.judge(ACTOR, judged.id, True, "经查证属实")
    c.complaints.file(ACTOR, workers[10], day(11), "来信来访", "反映窗口午休时间无人值守")
    c.records.record(ACTOR, workers[7], "A1.6.3", day(10), "other", "领导小组认定抗疫志愿服务加分", points=3)
    for n, worker in enumerate(workers[8:], start=12):
        if n % 3 == 0:
            c.records.record(ACTOR, worker, "A1.2.1", day(n), "patrol", "未按规定着装")
    c.disputes.file(OFFICE, disputed.id, "当天叫号机故障,已报修,非本人原因")
    for code, _ in HALLS[:2]:
        hall_id = str(Subject.create_id(kind="hall", code=code))
        c.figures.report(ACTOR, hall_id, period.year, {"case_volume": 5321 if code.endswith("1") else 2210,
                                                        "wrong_elements": 1, "satisfaction_rate": Decimal("0.985")})
    if now < c.rounds.deadline("worker", period):
        for index, deeds in ((1, "业务熟练,群众满意。"), (8, "热情周到,耐心解答群众咨询。"), (11, "主动服务,窗口服务标兵。")):
            _nominate(c, workers[index], period, deeds)


def _accounts(c: Container, say: Callable[[str], None]) -> None:
    say("演示账号(首次登录须修改初始密码):")
    for username, role, unit in ACCOUNTS:
        _, password = c.accounts.create_user(OPERATOR, username, role, unit, None)
        say(f"  {username:<16} {ROLES[role]:<6} 初始密码 {password}" + (f"  单位:{unit}" if unit else ""))
