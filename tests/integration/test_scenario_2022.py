"""A 2022 history entered over HTTP as a new user would, checked against totals worked out
by hand (each figure's working is in the comment beside it). Runs on SQLite and PostgreSQL.

Workers and windows, 2022H1:
  张三  A1.1: 5 + 25 (A1.1.2 ×1, ×5) + 5 (A1.1.1, 90 minutes late) = 35 → floor 25 → 0
        A1.2: 2 (A1.2.1) → 23;  A1.3.1 retracted;  bonus A1.6.1 +5        total 0+23+25+25+5 = 78
  李四  91 minutes late at W1 → A1.5.2 veto (rolls up to W1, not W2 where he moved on 1 April)
        A1.4.4 ×2 = 20 → 5;  A1.6.3 +3                                    total 25+25+25+5+3 = 83, vetoed
  王五  complaint substantiated → A1.5.4 veto (rolls up to W2); excused lateness counts nothing
                                                                          total 100, vetoed
  赵六  A1.2.4 ×3 = 3 → 22; a dismissed complaint counts nothing        total 97
        (a finding at 12:30 on 30 June in UTC-5 is 01:30 on 1 July in Shanghai: 2022H2)
  W1    A2.1.1 assessed 3 → 17; A2.2.4 10 + A2.2.5 ×3 15 = 25 → floor 20 → 0; A2.7.1 +5
                                                                          total 17+0+20+20+20+5 = 82, vetoed A2.6.2
  W2    A2.3.3b ×2 = 2 → 18                                              total 98, vetoed A2.6.4
  W3    A2.4.3 10 → 10; A2.7.2 +2.5                                       total 92.5
Halls, 2022 (case volumes 5000, 8000, 5000, none → places 2, 1, 2, 4):
  HA    A3.2: 2 (place 2) + 3 (wrong elements) = 5 → 25; A3.4: 2 (首问责任制 missing) → 8;
        satisfaction 0.995 ok; A3.7.1 +10                                 total 20+25+20+8+20+10 = 103
  HB    A3.1.1 10 → 10; satisfaction 98.5 % < 99 % → A3.5 15              total 10+30+20+10+15 = 85
  HC    A3.2: 2 + 12 + A3.2.2 ×4 20 = 34 → floor 30 → 0                   total 20+0+20+10+20 = 70
  HD    no volume: place 4 → 6 → A3.2 24; A3.5.3 (Dec 2021, look-back) 10 → 10;
        A3.6.1 (Nov 2021, look-back) veto                                 total 20+24+20+10+10 = 84, vetoed
"""

from __future__ import annotations

from tests.api import Api


def sections(card: dict) -> dict[str, int | float]:
    return {s["id"]: s["score"] for s in card["sections"]}


def test_a_2022_round_matches_the_hand_worked_totals(client, clock):
    api = Api(client, clock)

    # 3 January: the roster.
    ha = api.subject("hall", "县政务服务中心", "HA")
    hb = api.subject("hall", "古宜镇便民服务中心", "HB")
    hc = api.subject("hall", "丹洲镇便民服务中心", "HC")
    hd = api.subject("hall", "斗江镇便民服务中心", "HD")
    w1 = api.subject("window", "社保窗口", "W1", ha)
    w2 = api.subject("window", "不动产窗口", "W2", ha)
    w3 = api.subject("window", "综合受理窗口", "W3", hb)
    zhang = api.subject("worker", "张三", "G001", w1)
    li = api.subject("worker", "李四", "G002", w1)
    wang = api.subject("worker", "王五", "G003", w2)
    zhao = api.subject("worker", "赵六", "G004", w3)

    # Look-back findings of late 2021 still count in the 2022 hall evaluation, only there.
    veto_2021 = api.record(hd, "A3.6.1", "2021-11-10T10:00:00+08:00", source="covert_visit")
    assert [t["period"] for t in veto_2021["counts_in"]] == ["2022"]
    api.record(hd, "A3.5.3", "2021-12-01T10:00:00+08:00")
    refused = api.record(hb, "A3.1.1", "2021-12-01T10:00:00+08:00", expect=409)
    assert refused["detail"][0]["field"] == "occurred_at" and "2021" in refused["detail"][0]["message"]

    # 1 April: 李四 moves to W2.
    clock.set(api.clock.now().replace(month=4, day=1))
    api.post(f"/api/subjects/{li}/assignment", {"parent_id": w2, "effective_at": "2022-04-01T00:00:00+08:00"})

    # 28 June: the half-year's findings.
    clock.set(api.clock.now().replace(month=6, day=28))
    api.record(zhang, "A1.1.2", "2022-02-10T10:00:00+08:00")
    api.record(zhang, "A1.1.2", "2022-03-01T10:00:00+08:00", quantity=5)
    api.record(zhang, "A1.2.1", "2022-03-05T10:00:00+08:00")
    api.record(zhang, "A1.6.1", "2022-03-10T10:00:00+08:00", source="other")
    late = api.post("/api/attendance", {"worker_id": zhang, "date": "2022-03-15", "kind": "late", "minutes": 90})
    assert late["rule_id"] == "A1.1.1"
    wrong = api.record(zhang, "A1.3.1", "2022-04-01T10:00:00+08:00")
    before_retraction = wrong["position"]
    moment_before_retraction = api.clock.now().isoformat()
    retracted = api.post(f"/api/records/{wrong['id']}/retraction", {"reason": "复核:当事人解答无误"})
    assert retracted["effective"] is False

    absent = api.post("/api/attendance", {"worker_id": li, "date": "2022-03-20", "kind": "late", "minutes": 91})
    assert absent["rule_id"] == "A1.5.2"
    assert {t["subject_id"]: t["rule_id"] for t in absent["counts_in"]} == {li: "A1.5.2", w1: "A2.6.2"}
    api.record(li, "A1.6.3", "2022-05-01T10:00:00+08:00", points=3, source="other")
    api.record(li, "A1.4.4", "2022-05-02T10:00:00+08:00", quantity=2)

    complaint = api.post("/api/complaints", {"subject_id": wang, "received_at": "2022-04-10T15:00:00+08:00",
                                             "channel": "12345热线", "summary": "态度生硬"})
    assert complaint["status"] == "open"
    assert api.card(wang, "2022H1")["vetoed"] is False  # open complaints count for nothing
    judged = api.post(f"/api/complaints/{complaint['id']}/verdict", {"substantiated": True, "note": "查证属实"})
    assert judged["status"] == "substantiated"
    excused = api.post("/api/attendance", {"worker_id": wang, "date": "2022-05-05", "kind": "late", "minutes": 30,
                                           "excused": True})
    assert excused["rule_id"] is None

    api.record(zhao, "A1.2.4", "2022-05-10T10:00:00+08:00", quantity=3)
    other = api.post("/api/complaints", {"subject_id": zhao, "received_at": "2022-04-12T15:00:00+08:00",
                                         "channel": "意见箱", "summary": "等候时间长"})
    api.post(f"/api/complaints/{other['id']}/verdict", {"substantiated": False, "note": "查无实据"})

    api.record(w1, "A2.1.1", "2022-06-01T10:00:00+08:00", points=3, source="supervision")
    api.record(w1, "A2.2.4", "2022-06-02T10:00:00+08:00", source="platform")
    api.record(w1, "A2.2.5", "2022-06-03T10:00:00+08:00", quantity=3)
    api.record(w1, "A2.7.1", "2022-06-04T10:00:00+08:00", source="other")
    api.record(w2, "A2.3.3b", "2022-06-05T10:00:00+08:00", quantity=2)
    api.record(w3, "A2.4.3", "2022-06-06T10:00:00+08:00", source="supervision")
    api.record(w3, "A2.7.2", "2022-06-07T10:00:00+08:00", points=2.5, source="other")

    # 2 July: the half-year has ended; a finding in UTC-5 on 30 June is already H2 in Shanghai.
    clock.set(api.clock.now().replace(month=7, day=2))
    h2 = api.record(zhao, "A1.2.2", "2022-06-30T12:30:00-05:00")
    assert h2["period"] == "2022H2"
    late_h1 = api.record(zhao, "A1.2.2", "2022-06-30T12:30:00+08:00", expect=409)
    assert "2022H1" in late_h1["detail"][0]["message"]

    # 20 December: the halls' year.
    clock.set(api.clock.now().replace(month=12, day=20))
    api.post(f"/api/halls/{ha}/figures", {"year": 2022, "case_volume": 5000, "wrong_elements": 3,
                                          "systems_missing": ["首问责任制"], "satisfaction_rate": 0.995})
    api.post(f"/api/halls/{hb}/figures", {"year": 2022, "case_volume": 8000, "satisfaction_rate": 98.5})
    api.post(f"/api/halls/{hc}/figures", {"year": 2022, "case_volume": 5000, "wrong_elements": 12})
    api.record(hc, "A3.2.2", "2022-08-01T10:00:00+08:00", quantity=4)
    api.record(hb, "A3.1.1", "2022-09-01T10:00:00+08:00")
    api.record(ha, "A3.7.1", "2022-10-01T10:00:00+08:00", source="other")

    # The scheduler's job (every minute in a running service) closes 2022H1, freezing the standings.
    assert client.app.state.container.rounds.tick() == ["close worker 2022H1", "close window 2022H1"]

    # --- workers, 2022H1 ---
    card = api.card(zhang, "2022H1")
    assert sections(card) == {"A1.1": 0, "A1.2": 23, "A1.3": 25, "A1.4": 25}
    assert (card["total"], card["bonus"], card["vetoed"]) == (78, 5, False)
    a11 = next(s for s in card["sections"] if s["id"] == "A1.1")
    assert a11["deducted"] == 25  # lost 35, never more than the maximum
    assert [e["delta"] for e in card["entries"] if e["rule_id"] == "A1.1.2"] == [-5, -25]
    assert [e["effective"] for e in card["entries"] if e["rule_id"] == "A1.3.1"] == [False]

    card = api.card(li, "2022H1")
    assert (card["total"], card["bonus"], card["vetoed"], card["veto_reasons"]) == (83, 3, True, ["A1.5.2"])
    card = api.card(wang, "2022H1")
    assert (card["total"], card["vetoed"], card["veto_reasons"]) == (100, True, ["A1.5.4"])
    card = api.card(zhao, "2022H1")
    assert (card["total"], card["vetoed"]) == (97, False)
    assert api.card(zhao, "2022H2")["total"] == 98

    standings = api.get("/api/periods/2022H1/standings", kind="worker")
    assert [(i["name"], i["total"], i["rank"], i["vetoed"]) for i in standings["items"]] == [
        ("赵六", 97, 1, False), ("张三", 78, 2, False), ("王五", 100, None, True), ("李四", 83, None, True),
    ]
    assert standings["status"] == "closed"
    frozen = api.get("/api/periods/2022H1", kind="worker")
    assert frozen["status"] == "closed" and frozen["frozen_position"] <= standings["as_of_position"]

    # --- windows, 2022H1 ---
    card = api.card(w1, "2022H1")
    assert sections(card) == {"A2.1": 17, "A2.2": 0, "A2.3": 20, "A2.4": 20, "A2.5": 20}
    assert (card["total"], card["vetoed"], card["veto_reasons"]) == (82, True, ["A2.6.2"])
    rolled = next(e for e in card["entries"] if e["rule_id"] == "A2.6.2")
    assert rolled["from_subject_id"] == li
    card = api.card(w2, "2022H1")
    assert (card["total"], card["vetoed"], card["veto_reasons"]) == (98, True, ["A2.6.4"])
    card = api.card(w3, "2022H1")
    assert (card["total"], card["bonus"], card["vetoed"]) == (92.5, 2.5, False)
    standings = api.get("/api/periods/2022H1/standings", kind="window")
    assert [(i["subject_id"], i["total"], i["rank"]) for i in standings["items"]] == [
        (w3, 92.5, 1), (w2, 98, None), (w1, 82, None),
    ]

    # --- halls, 2022 ---
    expected = {ha: (103, False), hb: (85, False), hc: (70, False), hd: (84, True)}
    for hall, (total, vetoed) in expected.items():
        card = api.card(hall, "2022")
        assert (card["total"], card["vetoed"]) == (total, vetoed), hall
    card = api.card(hd, "2022")
    assert card["veto_reasons"] == ["A3.6.1"]
    assert sections(card) == {"A3.1": 20, "A3.2": 24, "A3.3": 20, "A3.4": 10, "A3.5": 10}
    assert sections(api.card(hc, "2022"))["A3.2"] == 0
    assert sections(api.card(ha, "2022"))["A3.4"] == 8
    assert sections(api.card(hb, "2022"))["A3.5"] == 15
    standings = api.get("/api/periods/2022/standings", kind="hall")
    assert [(i["subject_id"], i["rank"]) for i in standings["items"]] == [(ha, 1), (hb, 2), (hc, 3), (hd, None)]

    # --- replay: as the history stood before the retraction ---
    then = api.card(zhang, "2022H1", position=before_retraction)
    assert then["total"] == 73 and then["as_of_position"] == before_retraction
    assert api.card(zhang, "2022H1", as_of=moment_before_retraction)["total"] == 73
    assert api.card(zhang, "2022H1", position=before_retraction - 1)["total"] == 78  # before A1.3.1
    # Replaying up to now gives exactly the live card.
    live = api.card(hd, "2022")
    replayed = api.card(hd, "2022", position=live["as_of_position"])
    assert replayed == live
