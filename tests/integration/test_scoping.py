"""Scoping (#13 item 13 and the low item on PDF evidence): an evidence file is shown only to who
may read what it is attached to (its uploader and the office before that), and a unit cannot
attach another unit's photo; a unit administrator cannot read another unit's disputes, nor the
other units' places in the proposal or its revisions; the contact of an objection is the
office's to see, a nomination's the office's and its own unit's; a PDF is served as a download."""

from __future__ import annotations

from datetime import datetime

from tests.api import PNG, Api, account, as_user, nomination, upload


def county(api: Api):
    api.clock.set(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    hall = api.subject("hall", "县政务服务中心", "H", unit="县政管办")
    a = api.subject("window", "社保窗口", "WA", hall, unit="县人社局")
    b = api.subject("window", "医保窗口", "WB", hall, unit="县医保局")
    return hall, a, b


def test_an_evidence_file_is_shown_only_to_who_may_read_what_it_is_attached_to(client, clock):
    api = Api(client, clock)
    _, a, b = county(api)
    unit_a = as_user(api, account(api, "unit_admin", unit="县人社局"))
    unit_b = as_user(api, account(api, "unit_admin", unit="县医保局"))
    inspector = as_user(api, account(api, "inspector"))
    photo = upload(unit_a, PNG + b"unit A's photo")["id"]
    file = f"/api/evidence/{photo}/file"
    assert unit_a.client.get(file, headers=unit_a.headers).status_code == 200  # its uploader
    for stranger in (unit_b, inspector):  # attached to nothing yet: nobody else but the office
        assert stranger.client.get(file, headers=stranger.headers).status_code == 404
        assert stranger.client.get(f"/api/evidence/{photo}", headers=stranger.headers).status_code == 404
    assert api.client.get(file, headers=api.headers).status_code == 200

    unit_a.post("/api/nominations", nomination(a, "2022H1", "window", [photo]))
    assert inspector.client.get(file, headers=inspector.headers).status_code == 200  # may read the nomination
    assert unit_b.client.get(file, headers=unit_b.headers).status_code == 404  # another unit's
    stolen = unit_b.post("/api/nominations", nomination(b, "2022H1", "window", [photo]), expect=403)
    assert stolen["detail"][0]["field"] == "photos"
    taken = inspector.post("/api/records", {"subject_id": b, "rule_id": "A2.2.5", "source": "patrol",
                                            "occurred_at": "2022-06-01T09:00:00+08:00", "evidence": [photo]}, expect=403)
    assert taken["detail"][0]["field"] == "evidence"
    # Whoever has the same file and uploads it may use it: the file tells them nothing new.
    assert upload(unit_b, PNG + b"unit A's photo")["id"] == photo
    unit_b.post("/api/nominations", nomination(b, "2022H1", "window", [photo]))


def test_a_pdf_is_served_as_a_download_and_an_image_where_it_is_shown(client, clock):
    api = Api(client, clock)
    _, a, _ = county(api)
    pdf = upload(api, b"%PDF-1.4 the minutes of the patrol", "minutes.pdf")
    image = upload(api)
    api.record(a, "A2.2.5", "2022-06-01T09:00:00+08:00", evidence=[pdf["id"], image["id"]])
    served = api.client.get(f"/api/evidence/{pdf['id']}/file", headers=api.headers)
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment")
    shown = api.client.get(f"/api/evidence/{image['id']}/file", headers=api.headers)
    assert shown.headers["content-disposition"].startswith("inline")


def test_a_unit_reads_neither_another_units_disputes_nor_its_places_in_the_proposal(client, clock):
    api = Api(client, clock)
    _, a, b = county(api)
    unit_a = as_user(api, account(api, "unit_admin", unit="县人社局"))
    unit_b = as_user(api, account(api, "unit_admin", unit="县医保局"))
    finding = api.record(a, "A2.2.5", "2022-06-01T09:00:00+08:00")
    dispute = unit_a.post("/api/disputes", {"record_id": finding["id"], "grounds": "当天系统故障"})
    assert unit_a.get(f"/api/disputes/{dispute['id']}")["grounds"] == "当天系统故障"
    assert unit_b.get(f"/api/disputes/{dispute['id']}", expect=403)["detail"][0]["field"] == "dispute_id"
    for unit, window in ((unit_a, a), (unit_b, b)):
        unit.post("/api/nominations", nomination(window, "2022H1", "window", [upload(unit, PNG + window.encode())["id"]]))
    clock.set(datetime.fromisoformat("2022-07-01T09:00:00+08:00"))
    api.client.app.state.container.rounds.tick()
    everyone = api.get("/api/periods/2022H1/proposal", kind="window")["items"]
    assert [i["subject_id"] for i in everyone] == [b, a]
    seen = unit_a.get("/api/periods/2022H1/proposal", kind="window")["items"]
    assert [(i["subject_id"], i["rank"]) for i in seen] == [(a, 2)]  # its own place, ranked among all
    api.post(f"/api/disputes/{dispute['id']}/ruling", {"upheld": True, "note": "情况属实"})  # a revision
    for reader, shown in ((api, {a}), (unit_a, {a}), (unit_b, set())):  # a: 95 → 100, rank 2 → 1
        changes = reader.get("/api/periods/2022H1", kind="window")["revisions"][0]["changes"]
        assert {c["subject_id"] for c in changes} == shown


def test_contacts_are_the_offices_and_for_a_nomination_its_own_units_too(client, clock):
    api = Api(client, clock)
    _, a, _ = county(api)
    unit_a = as_user(api, account(api, "unit_admin", unit="县人社局"))
    auditor = as_user(api, account(api, "auditor"))
    inspector = as_user(api, account(api, "inspector"))
    made = unit_a.post("/api/nominations", nomination(a, "2022H1", "window", [upload(unit_a)["id"]],
                                                       contact="13800001111"))
    assert unit_a.get(f"/api/nominations/{made['id']}")["contact"] == "13800001111"
    assert api.get(f"/api/nominations/{made['id']}")["contact"] == "13800001111"
    assert auditor.get(f"/api/nominations/{made['id']}")["contact"] == "****"
    clock.set(datetime.fromisoformat("2022-07-01T09:00:00+08:00"))
    api.client.app.state.container.rounds.tick()
    api.post("/api/periods/2022H1/notice?kind=window", {})
    lodged = api.client.post("/api/objections", json={"period": "2022H1", "kind": "window", "subject_id": a,
                                                      "text": "该窗口曾多次推诿", "contact": "王先生 13900002222"})
    assert lodged.status_code == 201 and lodged.json()["contact"] is None
    objection = lodged.json()["id"]
    assert api.get(f"/api/objections/{objection}")["contact"] == "王先生 13900002222"
    for reader in (auditor, inspector, unit_a):
        assert reader.get(f"/api/objections/{objection}")["contact"] is None


def test_a_units_worklist_counts_only_its_own_subjects_disputes(client, clock):
    """The unit's 待办 read "待裁决的申诉 1" for another unit's dispute it could not see (review)."""
    api = Api(client, clock)
    _, a, b = county(api)
    finding = api.record(b, "A2.2.5", "2022-06-01T09:00:00+08:00")
    api.post("/api/disputes", {"record_id": finding["id"], "grounds": "另一个单位的申诉"})
    projection = client.app.state.container.ledger.projection
    assert projection.open_items("dispute", 50)["count"] == 1  # the office sees it
    assert projection.open_items("dispute", 50, "县人社局") == {"count": 0, "items": []}
    assert projection.open_items("dispute", 50, "县医保局")["count"] == 1
