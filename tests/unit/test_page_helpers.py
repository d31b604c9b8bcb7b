"""What the pages keep and say apart from HTTP: the trail's actions in words, the progress of an
import and an upload waiting for its column mapping."""

from __future__ import annotations

from service.http.web.actions import describe, describe_detail
from service.http.web.uploads import ImportProgress, PendingUploads


def test_the_trail_names_each_action_in_words():
    assert describe("POST /ui/rounds/2022H1/final") == "确定最终名单(2022H1)"
    assert describe("POST /api/periods/2022/close") == "截止考评期(2022)"
    assert describe("POST /ui/patrol") == "记录考评事项"
    assert describe("POST /api/records/abc/retraction") == "撤销记录"
    assert describe("POST /notice/2022H1/objections") == "提出异议(公示页)"
    assert describe("POST /ui/queues/objection/abc") == "处理异议"
    assert describe("login") == "登录"
    assert describe("user.role_changed") == "角色已更改"  # the account's record, beside the request's 更改角色
    assert describe("refused") == "未登录的请求被拒绝"
    assert describe("POST /api/something-new") == "提交(其他)"
    assert describe_detail("wrong username or password") == "用户名或密码错误" and describe_detail("ok") == ""
    assert describe_detail("unitx:unit_admin → inspector(县人社局)") == "unitx:单位管理员 → 督查员(县人社局)"
    assert describe_detail("3 次未登录请求被拒绝(401 ×3),例如 POST /ui/login") == \
        "3 次未登录请求被拒绝(401 ×3),例如 登录(POST /ui/login)"


def test_an_import_reports_its_progress_until_it_finishes():
    progress = ImportProgress()
    assert progress.get("k") == {"running": False, "done": 0, "total": 0}
    progress.set("k", 1000, 5000)
    assert progress.get("k") == {"running": True, "done": 1000, "total": 5000}
    progress.finish("k")
    assert progress.get("k")["running"] is False


def test_an_upload_waiting_for_its_mapping_is_given_once_and_only_to_who_uploaded_it():
    pending = PendingUploads()
    token = pending.put("office1", b"data", "a.csv", "attendance", "")
    assert pending.take("office2", token) is None
    assert pending.take("office1", token) == (b"data", "a.csv", "attendance", "")
    assert pending.take("office1", token) is None
    tokens = [pending.put("office1", bytes([i]), f"{i}.csv", "roster", "") for i in range(10)]
    assert pending.take("office1", tokens[0]) is None and pending.take("office1", tokens[-1]) is not None
