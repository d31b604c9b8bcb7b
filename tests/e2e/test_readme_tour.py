"""The README's API tour, run as written (bash, curl, python3) against a real server."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def tour_script() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A tour of the API", 1)[1]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return blocks[1]  # the first block starts the server, the second is the tour


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_tour_works_as_written(tmp_path):
    port = free_port()
    env = {**os.environ, "EVAL_ADMIN_TOKEN": "change-me", "EVAL_NOW": "2022-06-25T10:00:00+08:00",
           "EVAL_DATABASE_URL": f"sqlite:///{tmp_path}/tour.sqlite3"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "service.http.app:create_app", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", tour_script()], env={**os.environ, "BASE": base},
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
        answers = [json.loads(line) for line in lines[:-1]]  # the last line is cut at 300 characters
        health, user, attendance, refused, retracted, card_now, card_then, figures, workers, halls = answers
        assert health["status"] == "ok" and health["store"] == "sqlite"
        assert user["role"] == "inspector" and user["initial_password"] and "token" not in user
        assert attendance["rule_id"] == "A1.5.2"
        assert refused["detail"][0]["field"] == "occurred_at"
        assert retracted["effective"] is False
        assert (card_now["total"], card_now["vetoed"], card_now["veto_reasons"]) == (100, True, ["A1.5.2"])
        assert (card_then["total"], card_then["as_of_position"]) == (90, attendance["position"])
        assert figures["satisfaction_rate"] == 0.985
        assert workers["items"][0]["rank"] is None
        assert halls["items"][0]["total"] == 100 - 2 - 2 - 5  # wrong elements, 首问责任制, satisfaction
    finally:
        server.terminate()
        server.wait(timeout=10)
