"""A small demonstration county (演示数据): three halls, six windows, eighteen workers and a
few weeks of findings, attendance, praise and complaints in the current half-year. It writes
through the same commands as users do, and loads once (the codes make it idempotent)."""

from __future__ import annotations

from datetime import timedelta

from domain.periods import SHANGHAI, period_of
from domain.subjects import Subject
from service.application.services import Container

HALLS = [("DEMO-H1", "县政务服务中心"), ("DEMO-H2", "古宜镇便民服务中心"), ("DEMO-H3", "丹洲镇便民服务中心")]
WINDOW_NAMES = ["综合受理窗口", "社保医保窗口"]
WORKER_NAMES = ["吴晓梅", "杨志强", "石丽娟", "龙建华", "梁秀英", "潘文军", "韦海燕", "蒙国平", "覃玉兰",
                "荣小东", "欧阳静", "粟明辉", "胡春花", "陆家豪", "黄思雨", "李建新", "罗美玲", "周德旺"]
ACTOR = "demo"


def load_demo(c: Container) -> str:
    if c.ledger.find(Subject, Subject.create_id(kind="hall", code=HALLS[0][0])) is not None:
        return "演示数据已存在,未重复载入"
    now = c.ledger.now()
    period = period_of("half-year", now.astimezone(SHANGHAI).date())
    # Occurrences spread over the days of this period so far (at least one day in).
    span = max((now - period.starts).days, 1)

    def day(n: int):
        return period.starts + timedelta(days=min(n, span - 1), hours=9)

    workers = []
    for h, (hall_code, hall_name) in enumerate(HALLS):
        hall = c.roster.create(ACTOR, "hall", hall_name, hall_name, hall_code, None, None)
        for w, window_name in enumerate(WINDOW_NAMES):
            window = c.roster.create(ACTOR, "window", window_name, hall_name, f"{hall_code}-W{w + 1}",
                                           hall.id, None)
            for k in range(3):
                index = h * 6 + w * 3 + k
                worker = c.roster.create(ACTOR, "worker", WORKER_NAMES[index], hall_name,
                                               f"DEMO-G{index + 1:03d}", window.id, None)
                workers.append(worker.id)

    c.records.record(ACTOR, workers[0], "A1.1.2", day(3), "patrol", "上班时间玩手机游戏")
    c.records.record(ACTOR, workers[0], "A1.2.1", day(5), "patrol", "未佩戴工作牌", quantity=2)
    c.records.record(ACTOR, workers[1], "A1.6.1", day(6), "other", "群众送锦旗")
    c.records.record(ACTOR, workers[2], "A1.4.3", day(2), "cctv", "叫号单未及时清理")
    c.records.attendance(ACTOR, workers[3], day(4).date(), "late", 30, False, "迟到30分钟")
    c.records.attendance(ACTOR, workers[4], day(7).date(), "late", 120, False, "迟到2小时,按旷工处理")
    c.records.attendance(ACTOR, workers[5], day(8).date(), "early_leave", 60, True, "已请假")
    complaint = c.complaints.file(ACTOR, workers[6], day(9), "12345热线", "办事群众反映态度生硬")
    c.complaints.judge(ACTOR, complaint.id, True, "经查证属实")
    c.records.record(ACTOR, workers[7], "A1.6.3", day(10), "other", "领导小组认定抗疫志愿服务加分", points=3)
    return f"已载入演示数据:3 个大厅、6 个窗口、{len(workers)} 名工作人员,考评期 {period.id}"
