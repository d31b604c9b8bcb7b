"""`evalctl --help` speaks Chinese: the panels, the --help line and every command's description."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from service.cli import app

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_evalctl_help_is_in_chinese():
    runner = CliRunner()
    main = runner.invoke(app, ["--help"], terminal_width=200)
    assert main.exit_code == 0
    assert "选项" in main.output and "命令" in main.output and "显示此帮助并退出" in main.output
    commands = re.findall(r"^│ ([a-z][a-z-]+) +(.+?) *│$", main.output, flags=re.M)
    assert len(commands) >= 10
    assert [name for name, text in commands if not CJK.search(text)] == []
    described = 0
    for name, _ in commands:
        page = runner.invoke(app, [name, "--help"], terminal_width=200)
        options = re.findall(r"^│ +[*]? *(--[a-z-]+|[a-z]+) +<\w+> +(.*?) *│$", page.output, flags=re.M)
        assert [o for o, text in options if text and not CJK.search(text)] == [], name
        described += len(options)
    assert described > 15
