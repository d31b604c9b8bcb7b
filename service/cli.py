"""`evalctl`: the command line, on the same store (EVAL_DATABASE_URL) and clock (EVAL_NOW) as
the service. Each command exits non-zero with a one-line reason on failure."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer import rich_utils

from domain.errors import Refused
from domain.periods import SHANGHAI, check_moment, check_period_kind, parse_period
from domain.subjects import Subject
from projections.replay import replay_scorecard
from projections.verify import verify as verify_read_model
from service.application.principal import OPERATOR
from service.application.services import Container
from service.application.verifications import verify_and_record
from service.bootstrap import bootstrap
from service.config.clock import Clock, SettableClock
from service.devtools.demo import load_demo
from service.devtools.synthetic import generate
from service.documents.exports import score_workbook
from service.documents.importers import ImportRefused, import_attendance, import_figures, import_roster

app = typer.Typer(help="评优台账命令行:在 EVAL_DATABASE_URL 指定的数据库上工作(与服务相同),时钟同 EVAL_NOW。",
                  no_args_is_help=True, add_completion=False, options_metavar="[选项]", subcommand_metavar="命令 [参数]...")
_CHINESE_HELP = {"ARGUMENTS_PANEL_TITLE": "参数", "OPTIONS_PANEL_TITLE": "选项", "COMMANDS_PANEL_TITLE": "命令",
                 "ERRORS_PANEL_TITLE": "错误", "DEFAULT_STRING": "[默认:{}]", "REQUIRED_LONG_STRING": "[必填]",
                 "ABORTED_TEXT": "已中止。", "RICH_HELP": "用 [blue]'{command_path} {help_option}'[/] 查看帮助。"}
for _name, _text in _CHINESE_HELP.items():  # typer's own words around the help (its strings are module constants)
    setattr(rich_utils, _name, _text)


def _chinese_help_option(get_help_option):
    """--help's own line ("Show this message and exit.") is fixed text in typer: say it in Chinese."""
    def wrapped(self, ctx):
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = "显示此帮助并退出。"
        return option

    return wrapped


with suppress(ImportError, AttributeError):  # a later typer may change this; the help then stays English
    from typer._click.core import Command as _Command

    _Command.get_help_option = _chinese_help_option(_Command.get_help_option)
console = Console(soft_wrap=True)
err = Console(stderr=True)


@contextmanager
def opened(catch_up: bool = True) -> Iterator[Container]:
    try:
        container = bootstrap(catch_up=catch_up)
    except Exception as exc:  # noqa: BLE001 - one line, not a stack trace
        fail(f"cannot open the store: {exc}")
    try:
        yield container
    except Refused as refused:
        fail(f"{refused.field}: {refused.message}")
    finally:
        container.close()


def fail(reason: str) -> None:
    err.print(f"evalctl: {reason}", markup=False)
    raise typer.Exit(1)


def progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.fields[rate]}"), console=err, transient=False)


@app.command()
def demo(counties: Annotated[int, typer.Option(help="合成数据的县数,每县一年(0:小型演示数据)")] = 0,
         seed: Annotated[int, typer.Option(help="随机种子:同一种子生成同样的历史")] = 1,
         year: Annotated[int, typer.Option(help="合成历史所在的年份")] = 2022) -> None:
    """载入演示数据(当期的记录、申报,上一期走完的评选流程和演示账号),或生成 N 个县一年的合成数据(每县约 30 万条事件)。"""
    if counties <= 0:
        from service.config.settings import Settings

        settings = Settings()
        clock = SettableClock(Clock(settings.now).now())  # set back to play the previous half-year, then now
        try:
            container = bootstrap(settings, clock)
        except Exception as exc:  # noqa: BLE001 - one line, not a stack trace
            fail(f"无法打开数据库:{exc}")
        try:
            load_demo(container, clock, lambda line: console.print(line, markup=False))
        except Refused as refused:
            fail(f"{refused.field}: {refused.message}")
        finally:
            container.close()
        return
    clock = SettableClock(datetime(year, 1, 1, tzinfo=SHANGHAI))
    try:
        container = bootstrap(clock=clock)
    except Exception as exc:  # noqa: BLE001 - one line, not a stack trace
        fail(f"cannot open the store: {exc}")
    try:
        if container.ledger.projection.log_end() > 0:
            fail("the store already holds events; generate into an empty store (a new EVAL_DATABASE_URL)")
        started = time.perf_counter()
        with progress() as bar:
            task = bar.add_task("generate", total=365, rate="")
            stats = generate(container, clock, counties, seed, year,
                             on_day=lambda d: bar.update(task, completed=d.timetuple().tm_yday,
                                                         rate=f"{container.ledger.projection.log_end():,} events"))
        written = container.ledger.projection.log_end()
        generated = time.perf_counter() - started
        console.print(f"generated {stats.subjects} subjects and {written:,} events in {generated:.1f} s "
                      f"({written / generated:,.0f} events/s; {stats.refused} writes refused as users' would be)")
        _catch_up_with_progress(container, "catch-up")
    finally:
        container.close()


def _catch_up_with_progress(container: Container, label: str, rebuild: bool = False) -> None:
    """Catches up (or rebuilds: from position 0) with a progress bar, in one transaction."""
    projection = container.ledger.projection
    end = projection.log_end()
    first = 0 if rebuild else projection.position()
    started = time.perf_counter()
    with progress() as bar:
        task = bar.add_task(label, total=end, completed=first, rate="")

        def show(position: int, _target: int) -> None:
            elapsed = time.perf_counter() - started
            done = position - first
            bar.update(task, completed=position, rate=f"{done / elapsed:,.0f} events/s" if elapsed else "")

        if rebuild:
            projection.rebuild(on_batch=show)
        else:
            projection.catch_up(until=end, on_batch=show)
    elapsed = time.perf_counter() - started
    rate = (end - first) / elapsed if elapsed else 0
    console.print(f"{label}: {end - first:,} events in {elapsed:.1f} s ({rate:,.0f} events/s)")


def _import(kind: str, path: Path, run) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    with opened() as c:
        with progress() as bar:
            task = bar.add_task(f"import {kind}", total=None, rate="")
            try:
                report = run(c, data, lambda done, total: bar.update(task, completed=done, total=total))
            except ImportRefused as refused:
                bar.stop()
                for problem in refused.problems:
                    err.print(str(problem), markup=False)
                fail(f"{path.name}: {len(refused.problems)} problem(s); nothing was written")
        console.print(f"{path.name}: {report.summary()}")


@app.command("import-attendance")
def import_attendance_command(file: Annotated[Path, typer.Argument(help="CSV(UTF-8 或 GBK)或 XLSX 文件")]) -> None:
    """导入考勤异常:工号、日期、类型(迟到/早退/旷工)、分钟、请假(是/否);也认考勤机导出的格式。"""
    _import("attendance", file, lambda c, data, p: import_attendance(c, data, "import", p))


@app.command("import-figures")
def import_figures_command(file: Annotated[Path, typer.Argument(help="CSV(UTF-8 或 GBK)或 XLSX 文件")]) -> None:
    """导入大厅年度数据:大厅编码、年度、办件量、错误要素数、缺少制度、满意率。"""
    _import("figures", file, lambda c, data, p: import_figures(c, data, "import", p))


@app.command("import-roster")
def import_roster_command(file: Annotated[Path, typer.Argument(help="CSV(UTF-8 或 GBK)或 XLSX 文件")],
                          effective_date: Annotated[str, typer.Option(help="生效日期 YYYY-MM-DD:调动自此日起生效")]) -> None:
    """导入人员名册:类型(大厅/窗口/工作人员)、编码、名称、单位、上级编码;再次导入只应用变化。"""
    try:
        effective = date.fromisoformat(effective_date)
    except ValueError:
        fail(f"--effective-date {effective_date!r} is not a date (YYYY-MM-DD)")
    _import("roster", file, lambda c, data, p: import_roster(c, data, "import", effective, p))


@app.command("export-scores")
def export_scores_command(period: Annotated[str, typer.Option(help="考评期:2022H1、2022H2 或 2022")],
                          kind: Annotated[str, typer.Option(help="类别:worker(工作人员)、window(窗口)或 hall(大厅)")],
                          out: Annotated[Path, typer.Option(help="写入的 .xlsx 文件")]) -> None:
    """导出一期的考评得分表:汇总表,以及按附件1-3格式每个对象一张表。"""
    if kind not in ("worker", "window", "hall"):
        fail(f"--kind must be worker, window or hall, not {kind!r}")
    with opened() as c:
        _, data = score_workbook(c, kind, period)
        out.write_bytes(data)
        console.print(f"wrote {out}")


@app.command()
def bench(quick: Annotated[bool, typer.Option("--quick", help="十分之一的数据量(CI 用)")] = False,
          json_file: Annotated[Path | None, typer.Option("--json", help="同时把结果写成 JSON 文件")] = None,
          counties: Annotated[int, typer.Option(help="日志中的县数:1,或 10(十县)")] = 1
          ) -> None:
    """性能测试:每项指标与同一次运行中的基线对比(在所配置的数据库上)。"""
    import json

    from service.config.settings import Settings
    from service.devtools.bench import as_json
    from service.devtools.bench import run as run_bench

    started = time.perf_counter()
    figures = run_bench(Settings(), quick, lambda line: err.print(line, markup=False), counties)
    table = Table("figure", "value", "baseline", "ratio", "goal", "met")
    for f in figures:
        table.add_row(f.name, f"{f.value:,.2f} {f.unit}", f"{f.baseline_value:,.2f} ({f.baseline})", f"{f.ratio:.3f}",
                      f.goal, "yes" if f.met else "no")
    console.print(table)
    console.print(f"bench took {time.perf_counter() - started:.0f} s")
    if json_file is not None:
        json_file.write_text(json.dumps(as_json(figures), ensure_ascii=False, indent=2), encoding="utf-8")


@app.command()
def replay(subject: Annotated[str, typer.Option(help="对象编号")],
           period: Annotated[str, typer.Option(help="考评期:2022H1、2022H2 或 2022")],
           as_of: Annotated[datetime | None, typer.Option("--as-of", help="某一时刻,须带时区偏移")] = None,
           position: Annotated[int | None, typer.Option(help="日志位置")] = None) -> None:
    """打印某一对象在某一时刻(默认现在)的考评表及每条明细。"""
    if as_of is not None and position is not None:
        fail("give --as-of or --position, not both")
    with opened() as c:
        found = c.ledger.get(Subject, subject, "subject")
        check_period_kind(parse_period(period), found.kind)
        if as_of is not None:
            if as_of.tzinfo is None:
                fail("--as-of needs an offset, e.g. 2022-06-01T12:00:00+08:00")
            check_moment(as_of, "--as-of")
            position = c.ledger.projection.position_at(as_of)
        if position is None:
            position = c.ledger.projection.position()
        ledger = c.ledger  # a true replay: read from the log itself, not from any read-model table
        card = replay_scorecard(ledger.recorder, ledger.mapper, ledger.rulebooks, str(found.id), period, position)
        if card is None:
            fail(f"subject {subject} did not exist at position {position}")
        data = card.as_dict()
        console.print(f"[bold]{found.name}[/] {period} @ position {position}: total {data['total']}, "
                      f"bonus {data['bonus']}, vetoed {data['vetoed']} {' '.join(data['veto_reasons'])}")
        sections = Table("section", "title", "max", "deducted", "score")
        for s in data["sections"]:
            sections.add_row(s["id"], s["title"], str(s["max"]), str(s["deducted"]), str(s["score"]))
        console.print(sections)
        entries = Table("rule", "occurred", "recorded", "delta", "effective", "actor", "note", "record")
        for e in data["entries"]:
            entries.add_row(e["rule_id"], e["occurred_at"] or "", e["recorded_at"] or "", str(e["delta"]),
                            "yes" if e["effective"] else "no", e["actor"], e["note"], e["record_id"] or "")
        console.print(entries)


@app.command()
def rebuild() -> None:
    """从日志在旁重建读模型后换入(保留哈希链);重建期间原读模型照常应答,写入只在最后一段等待。"""
    with opened(catch_up=False) as c:
        _catch_up_with_progress(c, "rebuilt", rebuild=True)


@app.command()
def verify() -> None:
    """重放整个日志并与读模型比对;有任何差异则以非零状态退出。"""
    with opened() as c:
        with progress() as bar:
            task = bar.add_task("verify", total=c.ledger.projection.log_end(), rate="")
            position, differences = verify_read_model(c.ledger.projection,
                                                      on_page=lambda p: bar.update(task, completed=p))
        for difference in differences:
            console.print(str(difference), markup=False)
        if differences:
            fail(f"{len(differences)} difference(s) between the read models and a replay at position {position}")
        console.print(f"read models equal a replay of the log up to position {position}")


def _password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("no password on standard input")
    return password


@app.command("create-user")
def create_user(username: Annotated[str, typer.Argument(help="账号名(字母、数字和 _ . @ -)")],
                role: Annotated[str, typer.Option(help="角色:inspector 督查员、unit_admin 单位管理员、office_admin 考评办、"
                                                       "auditor 审计员、system_admin 系统管理员、security_admin 安全管理员、"
                                                       "audit_admin 审计管理员")],
                unit: Annotated[str | None, typer.Option(help="单位管理员所属的单位")] = None,
                password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                             help="从标准输入读取初始密码")] = False
                ) -> None:
    """不需任何令牌建立账号(首次安装用;三个管理员账号只能这样建立)。显示初始密码(从标准输入读取的除外),首次登录须修改。"""
    password = _password_from_stdin() if password_stdin else None
    with opened() as c:
        saved, initial = c.accounts.create_user(OPERATOR, username, role, unit, password)
        console.print(f"created {username} ({role}{', ' + unit if unit else ''}), id {saved.id}", markup=False)
        if initial is not None:
            console.print(f"initial password (shown once, to be changed at first login): {initial}", markup=False)


@app.command("reset-password")
def reset_password(username: Annotated[str, typer.Argument(help="账号名")]) -> None:
    """给账号一个新的初始密码(只显示一次):管理员账号的找回办法;该账号的会话和接口令牌全部失效。"""
    with opened() as c:
        user = c.accounts.find_user(username)
        if user is None:
            fail(f"no account named {username}")
        password = c.accounts.reset_password(OPERATOR, str(user.id))
        console.print(f"initial password of {user.username} (shown once, to be changed at first login): {password}",
                      markup=False)


@app.command("grant-service-role")
def grant_service_role(role: Annotated[str, typer.Argument(help="服务运行时使用的 PostgreSQL 角色")]) -> None:
    """以数据库所有者身份(EVAL_DATABASE_URL)建立各表和保证日志只增不改的触发器,只授予 ROLE 服务所需的权限;升级后再运行一次。"""
    from projections.grants import grant

    with opened() as c:
        try:
            statements = grant(c.ledger.projection.store, c.ledger.recorder, role)
        except ValueError as error:
            fail(str(error))
        for statement in statements:
            console.print(statement, markup=False)
        console.print(f"granted; run the service as {role} with EVAL_CREATE_TABLES=false", markup=False)


@app.command("verify-chain")
def verify_chain() -> None:
    """校验日志的哈希链;指出第一个被修改、删除或调换的位置。"""
    with opened() as c:
        check = verify_and_record(c.ledger, "evalctl", c.checkpoints)
        if not check.intact:
            fail(check.description)
        console.print(check.description)


@app.callback()
def _root() -> None:
    """在所配置的数据库上工作的命令。"""


def main() -> None:
    app()


if __name__ == "__main__":  # python -m service.cli, as the tests run it
    main()
