"""What users typed never becomes a live formula, and never breaks a workbook (#13 items 6 and
7): names and notes starting with = + - @ are text in scores.xlsx and the dossier, usernames are
inert in the audit-log CSV, and a subject named with : \\ / ? * [ ] still exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.api import Api, account, bearer

FORMULAS = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(1,1)"]


@pytest.fixture
def api(sqlite_client, clock) -> Api:
    """What a workbook holds does not depend on the store: SQLite."""
    return Api(sqlite_client, clock)


def cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def assert_inert(data: bytes, texts: list[str]) -> None:
    found = cells(data)
    assert [c.coordinate for c in found if c.data_type == "f"] == []
    for text in texts:
        holding = [c for c in found if c.value == text]
        assert holding, f"{text!r} is missing"
        assert all(c.data_type == "s" and c.quotePrefix for c in holding), text


def test_names_and_notes_that_look_like_formulas_are_text_in_the_workbooks(api):
    hall = api.subject("hall", FORMULAS[0], "H1")
    window = api.subject("window", "社保窗口", "W1", hall)
    worker = api.subject("worker", FORMULAS[1], "G1", window, unit=FORMULAS[3])
    for note in FORMULAS:
        api.record(worker, "A1.1.2", "2022-06-01T09:00:00+08:00", note=note)
    scores = api.client.get("/api/periods/2022H1/scores.xlsx", params={"kind": "worker"}, headers=api.headers)
    assert scores.status_code == 200
    assert_inert(scores.content, [FORMULAS[1], FORMULAS[3]])
    halls = api.client.get("/api/periods/2022/scores.xlsx", params={"kind": "hall"}, headers=api.headers)
    assert_inert(halls.content, [FORMULAS[0]])
    dossier = api.client.get(f"/api/subjects/{worker}/dossier", params={"period": "2022H1"}, headers=api.headers)
    assert dossier.status_code == 200
    assert_inert(dossier.content, FORMULAS)


def test_a_username_that_looks_like_a_formula_is_inert_in_the_audit_log_csv(api):
    for name in ("=cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"):
        assert api.client.post("/api/auth/login", json={"username": name, "password": "x"}).status_code == 401
    auditor = bearer(account(api, "audit_admin")["token"])
    exported = api.client.get("/api/audit-log", params={"format": "csv"}, headers=auditor)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    actors = [row[2] for row in rows[1:]]
    assert {"'=cmd|' /C calc'!A0", "'@SUM(A1)", "'-2+3"} <= set(actors)
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row)


def test_a_subject_name_a_sheet_cannot_hold_still_exports(api):
    hall = api.subject("hall", "县政务服务中心", "H1")
    window = api.subject("window", "社保窗口", "W1", hall)
    api.subject("worker", "a/b:c?*[d]\\e 名字很长很长很长很长很长很长很长很长", "G1", window)
    api.subject("worker", "a/b:c?*[d]\\e 名字很长很长很长很长很长很长很长很长", "G2", window)  # the same name twice
    scores = api.client.get("/api/periods/2022H1/scores.xlsx", params={"kind": "worker"}, headers=api.headers)
    assert scores.status_code == 200, scores.text
    names = load_workbook(io.BytesIO(scores.content)).sheetnames
    assert names[1].startswith("001 a_b_c___d__e") and len(names) == len(set(names)) == 4
    assert all(len(n) <= 31 for n in names)
