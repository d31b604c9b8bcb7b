"""The service in a process of its own, started as uvicorn runs it (scripts/serve, the Docker
image): for what only real processes show (kill -9, several processes on one store, sockets)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.conftest import ADMIN_TOKEN

ROOT = Path(__file__).resolve().parents[1]
NOW = "2022-06-30T18:00:00+08:00"
# How scripts/serve and the Docker image run uvicorn (never trusting X-Forwarded-For by default).
UVICORN = ["-m", "uvicorn", "--factory", "service.http.app:create_app", "--no-proxy-headers"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """The service in a process of its own, as uvicorn runs it; `env` adds settings."""

    def __init__(self, url: str, now: str = NOW, scheduler: bool = False, env: dict[str, str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, "EVAL_DATABASE_URL": url, "EVAL_NOW": now, "EVAL_ADMIN_TOKEN": ADMIN_TOKEN,
                       "EVAL_SCHEDULER": "true" if scheduler else "false", **(env or {})}
        # Its log goes to a file: an undrained pipe fills up and blocks the service mid-request.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen([sys.executable, *UVICORN, "--port", str(self.port)],
                                        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.log.seek(0)
        raise AssertionError("service did not start: " + self.log.read().decode()[-2000:])

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
