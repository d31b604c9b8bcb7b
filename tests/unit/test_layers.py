"""The import layers: service → projections → domain, never upwards; domain/ is pure. Inside
service/, the application never imports the HTTP layer, documents or jobs; configuration imports
nothing else of the service; only the composition root and the entry points see everything."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {"domain": 0, "projections": 1, "service": 2}
# What the pure core may import beyond the standard library's pure parts.
DOMAIN_FORBIDDEN = {
    "os", "io", "pathlib", "socket", "sqlite3", "psycopg", "psycopg_pool", "fastapi", "starlette", "pydantic",
    "pydantic_settings", "apscheduler", "uvicorn", "subprocess", "time", "random", "requests", "httpx",
    "importlib", "service", "projections", "scripts", "tests", "eventsourcing.persistence",
    "eventsourcing.application", "eventsourcing.sqlite", "eventsourcing.postgres", "eventsourcing.system",
}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "getenv", "open"}


def imports_of(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_no_layer_imports_a_layer_above_it_nor_scripts_or_tests():
    problems = []
    for package, level in LAYERS.items():
        for path in python_files(package):
            for name in imports_of(path):
                top = name.split(".")[0]
                if top in ("scripts", "tests") or LAYERS.get(top, -1) > level:
                    problems.append(f"{path.relative_to(ROOT)} imports {name}")
    assert problems == []


# What each part of service/ may import of service/ (besides itself). bootstrap.py is the
# composition root; cli.py and http/ are entry points.
SERVICE_PARTS = {
    "config": set(),
    "application": {"config"},
    "documents": {"application", "config"},
    "jobs": {"application"},
    "http": {"application", "documents", "jobs", "config", "bootstrap"},
    "devtools": {"application", "documents", "config", "bootstrap", "http"},
    "bootstrap": {"application", "config"},
    "cli": {"application", "documents", "config", "bootstrap", "devtools"},
}


def test_inside_the_service_the_application_never_imports_the_http_layer():
    problems = []
    for path in python_files("service"):
        parts = path.relative_to(ROOT / "service").with_suffix("").parts
        if parts == ("__init__",):
            continue
        mine = parts[0]
        assert mine in SERVICE_PARTS, f"service/{mine} is not in the layer table: add it"
        for name in imports_of(path):
            pieces = name.split(".")
            if pieces[0] != "service" or len(pieces) < 2:
                continue
            if pieces[1] != mine and pieces[1] not in SERVICE_PARTS[mine]:
                problems.append(f"{path.relative_to(ROOT)} imports {name}")
    assert problems == []


def test_domain_does_no_io_reads_no_clock_or_environment():
    problems = []
    for path in python_files("domain"):
        for name in imports_of(path):
            if any(name == f or name.startswith(f + ".") for f in DOMAIN_FORBIDDEN):
                problems.append(f"{path.relative_to(ROOT)} imports {name}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in FORBIDDEN_CALLS:
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno} calls {called}()")
    assert problems == []


def test_only_the_clock_module_reads_the_machine_clock():
    readers = []
    for package in LAYERS:
        for path in python_files(package):
            text = path.read_text(encoding="utf-8")
            if "datetime.now(" in text or "utcnow(" in text or "date.today(" in text:
                readers.append(str(path.relative_to(ROOT)))
    assert readers == ["service/config/clock.py"]
