"""The README's "rehearse 2022" lines, run as written (evalctl from this checkout) on a fresh
store: the quick start, the samples and the clock agree on dates."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def rehearsal_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"```bash\n(.*?)```", quick_start, flags=re.S)[1]
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_readme_rehearsal_of_2022_imports_every_sample_and_makes_an_account_on_a_fresh_store(tmp_path):
    lines = rehearsal_lines()
    assert lines[0].startswith("export EVAL_NOW=2022-") and lines[-1] == "scripts/serve"
    env = dict(os.environ)
    for assignment in lines[0].removeprefix("export ").split():
        name, value = assignment.split("=", 1)
        env[name] = value
    env["EVAL_DATABASE_URL"] = f"sqlite:///{tmp_path}/rehearsal.sqlite3"  # a fresh store, not var/
    for line in lines[1:-1]:
        assert line.startswith("scripts/evalctl ")
        run = subprocess.run([sys.executable, "-m", "service.cli", *line.split()[1:]], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, f"{line}: {run.stderr}"
        assert ("写入" in run.stdout) if " import-" in line else ("initial password" in run.stdout), run.stdout
