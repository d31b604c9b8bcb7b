"""Browser tests: the service runs in a thread on a free port (a real SQLite file, a settable
clock), and Debian's Chromium, driven by Playwright, opens its pages. Chromium missing means a
skip on a developer's machine and a failure under CI=true (scripts/test installs it there).

Every browser context records the requests its pages make; a test fails if any went anywhere
but the service itself (government intranets reach nothing outside)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import uvicorn

from service.application.services import Container
from service.bootstrap import bootstrap
from service.config.clock import SettableClock
from service.config.settings import Settings
from service.http.app import create_app
from tests.api import Api, create_user, first_login
from tests.conftest import ADMIN, ADMIN_TOKEN, CHEAP_HASHER

CHROMIUM = Path("/usr/bin/chromium")
# design.md: without the background-networking flags the closed network refuses many connections.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--lang=zh-CN"]
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}
START = datetime.fromisoformat("2022-05-10T10:00:00+08:00")


@dataclass
class Live:
    """The running service: its address, its clock and an API client with the admin token."""

    base: str
    clock: SettableClock
    container: Container
    api: Api
    requests: list[str] = field(default_factory=list)

    def user(self, username: str, role: str, password: str, unit: str | None = None) -> None:
        """An account whose initial password has already been changed to `password` (made as the
        三员 rules allow: tests/api.py `create_user`)."""
        create_user(self.api, username, role, unit, password + "-first")
        first_login(self.api, username, password + "-first", password)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live(tmp_path) -> Iterator[Live]:
    clock = SettableClock(START)
    settings = Settings(database_url=f"sqlite:///{tmp_path}/ledger.sqlite3", admin_token=ADMIN_TOKEN, scheduler=False)
    container = bootstrap(settings, clock, password_hasher=CHEAP_HASHER)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(container=container), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=30) as client:
        yield Live(base, clock, container, Api(client, clock, ADMIN, container))
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but /usr/bin/chromium is missing: scripts/test installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; scripts/test does it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, live: Live):
    """open_page(viewport) → a page in a fresh context whose clock shows the service's time."""
    contexts = []

    def opened(viewport: dict = DESK):
        context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.clock.set_fixed_time(live.clock.now())
        context.on("request", lambda request: live.requests.append(request.url))
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield opened
    for context in contexts:
        context.close()
    outside = [u for u in live.requests if not u.startswith((live.base + "/", "data:", "blob:"))]
    assert outside == [], f"pages asked for something outside the service: {outside}"


def login(page, live: Live, username: str, password: str, target: str = "/ui/") -> None:
    page.goto(live.base + target)
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/ui/login" not in url)


def screenshot(page, name: str) -> None:
    """With EVAL_SCREENSHOTS set (scripts/screenshots), keep a picture of the page for the README."""
    folder = os.environ.get("EVAL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def accessible(page) -> None:
    """axe-core finds no violation on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    problems = [f"{v['id']}: {v['help']} ({len(v['nodes'])}×)" for v in results.response["violations"]]
    assert problems == [], f"{page.url}: {problems}"


# What a finger taps: controls, and links that stand alone (inline links in running text are exempt).
TAPPABLE = ("button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, summary, "
            "a.button, header a, .tiles a, .pager a, th a, .actions a, a.block, "
            "label:has(> input[type=checkbox]), label:has(> input[type=radio])")


def small_tap_targets(page) -> list[str]:
    """Visible controls less than 44 px high (WCAG 2.5.5), named for the failure message."""
    return page.evaluate("""(selector) => Array.from(document.querySelectorAll(selector))
        .filter(e => e.offsetParent !== null || e.getClientRects().length)
        .map(e => [e, e.getBoundingClientRect()])
        .filter(([e, r]) => r.width > 0 && r.height > 0 && r.height < 43.5)
        .map(([e, r]) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} "${(e.textContent || e.name || '')
                           .trim().slice(0, 20)}" ${Math.round(r.height)}px`)
    """, TAPPABLE)


def fits(page, width: int) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth") <= width
