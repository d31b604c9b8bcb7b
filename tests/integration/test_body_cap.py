"""The body cap holds however a body is sent (#13 item 5): a chunked upload, anonymous or not,
is refused with 413 once it passes EVAL_MAX_BODY_BYTES, and the service reads no more than that
(one chunk past it at most) instead of taking in the whole upload. Driven at the ASGI interface,
where the bytes the service pulls can be counted."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import anyio
import pytest

from service.application.services import Container
from service.bootstrap import bootstrap
from service.config.clock import SettableClock
from service.config.settings import Settings
from service.http.app import create_app
from tests.api import AUDIT_TOPICS
from tests.conftest import ADMIN_TOKEN

CAP = 1024 * 1024
CHUNK = 64 * 1024


@pytest.fixture
def capped(stores) -> Container:
    clock = SettableClock(datetime.fromisoformat("2022-06-10T10:00:00+08:00"))
    container = bootstrap(Settings(database_url=stores.url("sqlite"), admin_token=ADMIN_TOKEN, max_body_bytes=CAP,
                                   scheduler=False), clock)
    yield container
    container.close()


PART = (b'------x\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        b"Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n")


def send_chunked(app, path: str, headers: list[tuple[bytes, bytes]], total: int,
                 first: bytes = b"") -> tuple[int, dict, int]:
    """POSTs `total` bytes in chunks with Transfer-Encoding: chunked (no Content-Length), the first
    one starting with `first`; returns the status, the JSON answer and how many bytes the service pulled."""
    pulled = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal pulled
        if pulled >= total:
            return {"type": "http.disconnect"}
        chunk = (first + b"0" * CHUNK)[:CHUNK] if pulled == 0 else b"0" * CHUNK
        pulled += CHUNK
        return {"type": "http.request", "body": chunk, "more_body": pulled < total}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"ledger"), (b"transfer-encoding", b"chunked"), *headers],
             "client": ("10.0.0.9", 5000), "server": ("ledger", 80)}
    with ThreadPoolExecutor(1) as thread:  # an event loop of its own, whatever runs in this thread
        thread.submit(anyio.run, app, scope, receive, send).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), pulled


@pytest.mark.parametrize("who", ["anonymous", "office"])
def test_a_chunked_upload_past_the_cap_is_refused_without_reading_the_rest(capped, who):
    app = create_app(container=capped)
    auth = [] if who == "anonymous" else [(b"authorization", f"Bearer {ADMIN_TOKEN}".encode())]
    multipart = [(b"content-type", b"multipart/form-data; boundary=----x"), *auth]
    status, answer, pulled = send_chunked(app, "/api/evidence", multipart, total=300 * CAP, first=PART)
    assert status == 413 and answer["detail"][0]["field"] == "body"
    assert pulled <= CAP + CHUNK
    status, answer, pulled = send_chunked(app, "/api/records", [(b"content-type", b"application/json"), *auth],
                                          total=20 * CAP)
    assert status == 413 and pulled <= CAP + CHUNK
    assert capped.ledger.projection.count_events(AUDIT_TOPICS) == 0  # nothing but the operation log


def test_a_body_under_the_cap_still_goes_through(capped):
    app = create_app(container=capped)
    auth = [(b"authorization", f"Bearer {ADMIN_TOKEN}".encode()), (b"content-type", b"application/json")]
    status, answer, pulled = send_chunked(app, "/api/records", auth, total=CHUNK)
    assert status == 422 and pulled == CHUNK  # read whole, and refused for what it says, not for its size
