"""A whole round rehearsed by restarting the service with EVAL_NOW at 10 June, 25 June, 1 July
and 7 July 2022 (2022H1 for workers and windows, 2022 for halls), on SQLite and PostgreSQL.

Workers w0…w11 lose i points each (A1.2.4 × i); w3 has an overdue case (A1.5.3 veto), which
also vetoes v3, the window w3 serves at (A2.6.3); w11 is nominated too late. Windows v0…v8 lose
i points (A2.3.3b × i); an objection against v2 is upheld. Halls h0…h5 lose 0, 5, 10, 15, 20,
20 points: h4 and h5 tie across the cut-off of 5 and the leading group chooses h5. Expected final lists:
  workers  w0 w1 w2 w4 w5 w6 w7 w8 w9 w10  (10; w3 vetoed, w11 not nominated)
  windows  v0 v1 v4 v5 v6 v7 v8            (8 proposed, v3 vetoed, v2 removed by the upheld objection)
  halls    h0 h1 h2 h3 h5                  (h5 chosen over h4)
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from service.config.settings import Settings
from service.http.app import create_app
from tests.api import Api, nomination, upload
from tests.conftest import ADMIN_TOKEN, STORES


@contextmanager
def service_at(url: str, now: str):
    """The service started with EVAL_NOW=now, as an office would restart it for a rehearsal."""
    settings = Settings(database_url=url, now=now, admin_token=ADMIN_TOKEN, scheduler=False)
    with TestClient(create_app(settings)) as client:
        yield Api(client, None)  # the service's own clock runs from EVAL_NOW


@pytest.mark.parametrize("store", STORES)
def test_a_2022_round_rehearsed_by_restarting_the_service(store, stores):
    url = stores.url(store)
    ids: dict[str, str] = {}

    with service_at(url, "2022-06-10T09:00:00+08:00") as api:
        for h in range(6):
            ids[f"h{h}"] = api.subject("hall", f"大厅{h}", f"H{h}", unit=f"乡镇{h}")
        for v in range(9):
            ids[f"v{v}"] = api.subject("window", f"窗口{v}", f"V{v}", ids[f"h{v % 6}"], unit=f"部门{v}")
        for w in range(12):
            ids[f"w{w}"] = api.subject("worker", f"人员{w}", f"W{w}", ids[f"v{w % 9}"], unit=f"部门{w % 9}")
        for w in range(12):
            if w:
                api.record(ids[f"w{w}"], "A1.2.4", "2022-05-10T10:00:00+08:00", quantity=w)
        api.record(ids["w3"], "A1.5.3", "2022-05-11T10:00:00+08:00", source="supervision")
        for v in range(9):
            if v:
                api.record(ids[f"v{v}"], "A2.3.3b", "2022-05-12T10:00:00+08:00", quantity=v)
        for h, (rule, n) in enumerate([(None, 0), ("A3.3.1", 1), ("A3.3.1", 2), ("A3.3.1", 3), ("A3.3.1", 4),
                                       ("A3.1.2", 4)]):
            for _ in range(n):
                api.record(ids[f"h{h}"], rule, "2022-05-13T10:00:00+08:00")
        photo = upload(api)["id"]
        for w in range(11):
            api.post("/api/nominations", nomination(ids[f"w{w}"], "2022H1", "worker", [photo]))
        for v in range(9):
            api.post("/api/nominations", nomination(ids[f"v{v}"], "2022H1", "window", [photo]))
        for h in range(5):
            api.post("/api/nominations", nomination(ids[f"h{h}"], "2022", "hall", [photo]))

    with service_at(url, "2022-06-25T09:00:00+08:00") as api:
        late = api.post("/api/nominations", nomination(ids["w11"], "2022H1", "worker", [photo]), expect=409)
        assert "2022年6月20日" in late["detail"][0]["message"]
        api.post("/api/nominations", nomination(ids["h5"], "2022", "hall", [photo]))  # halls: by 20 December
        assert api.get("/api/periods/2022H1", kind="worker")["status"] == "open"

    with service_at(url, "2022-07-01T09:00:00+08:00") as api:
        # The service closed 2022H1 before answering (it ended at 24:00 on 30 June).
        for kind in ("worker", "window"):
            assert api.get("/api/periods/2022H1", kind=kind)["status"] == "closed"
        api.record(ids["w1"], "A1.2.4", "2022-06-30T10:00:00+08:00", expect=409)
        # The office closes the halls' year by hand for the rehearsal.
        api.post("/api/periods/2022/close?kind=hall", {})
        hall_proposal = api.get("/api/periods/2022/proposal", kind="hall")
        assert hall_proposal["tie_at_cutoff"] and hall_proposal["tied"] == [ids["h4"], ids["h5"]]
        api.post("/api/periods/2022/tie-decision?kind=hall", {"chosen": [ids["h5"]], "note": "领导小组决定"})
        worker_proposal = api.get("/api/periods/2022H1/proposal", kind="worker")
        assert [i["name"] for i in worker_proposal["items"]] == [f"人员{w}" for w in (0, 1, 2, 4, 5, 6, 7, 8, 9, 10)]
        window_proposal = api.get("/api/periods/2022H1/proposal", kind="window")
        assert [i["name"] for i in window_proposal["items"]] == [f"窗口{v}" for v in (0, 1, 2, 4, 5, 6, 7, 8)]
        for period, kind in (("2022H1", "worker"), ("2022H1", "window"), ("2022", "hall")):
            api.post(f"/api/periods/{period}/notice?kind={kind}", {})
        objection = api.client.post("/api/objections", json={"period": "2022H1", "kind": "window",
                                                             "subject_id": ids["v2"], "text": "该窗口办事拖拉"})
        assert objection.status_code == 201
        assert "窗口2" in api.client.get("/notice/2022H1?kind=window").text

    with service_at(url, "2022-07-07T09:00:00+08:00") as api:
        # The notices ran 5 days: the service finalised those without open objections by itself.
        workers = api.get("/api/periods/2022H1", kind="worker")
        halls = api.get("/api/periods/2022", kind="hall")
        assert workers["status"] == "final" and halls["status"] == "final"
        assert api.get("/api/periods/2022H1", kind="window")["status"] == "notice"
        api.post("/api/periods/2022H1/final?kind=window", {}, expect=409)  # an objection is open
        api.post(f"/api/objections/{objection.json()['id']}/ruling", {"upheld": True, "note": "经核实属实"})
        windows = api.post("/api/periods/2022H1/final?kind=window", {})

        assert [i["name"] for i in workers["final_list"]] == [f"人员{w}" for w in (0, 1, 2, 4, 5, 6, 7, 8, 9, 10)]
        assert [i["total"] for i in workers["final_list"]][:3] == [100, 99, 98]
        assert [i["name"] for i in windows["final_list"]] == [f"窗口{v}" for v in (0, 1, 4, 5, 6, 7, 8)]
        assert windows["removed"][0]["name"] == "窗口2" and "经核实属实" in windows["removed"][0]["reason"]
        assert [i["name"] for i in halls["final_list"]] == ["大厅0", "大厅1", "大厅2", "大厅3", "大厅5"]
        page = api.client.get("/notice/2022H1?kind=window").text
        assert "窗口2" in page and "不列入最终名单" in page
