"""The protections of ``api.limits``: body cap (also for chunked bodies), rate limits, bounded queue and deadline.
Each test fails without its protection: the request would be read whole, answered 200, or hang."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import BodyLimitMiddleware, TokenBuckets
from tests.api.conftest import ADMIN, assert_error, make_settings

JSON = {"Content-Type": "application/json"}


def _chunks(total: int, size: int = 10_000) -> Iterator[bytes]:
    body = json.dumps({"query": "x" * total}).encode()
    for i in range(0, len(body), size):
        yield body[i : i + size]


# -- body cap ----------------------------------------------------------------------------------------------------
def test_chunked_body_without_content_length_is_413(shared_client: TestClient) -> None:
    r = shared_client.post("/v1/search", content=_chunks(70_000), headers=JSON)
    assert "content-length" not in r.request.headers and r.request.headers["transfer-encoding"] == "chunked"
    assert_error(r, 413, "payload_too_large")


def test_declared_content_length_over_the_cap_is_413(shared_client: TestClient) -> None:
    r = shared_client.post("/v1/chat", content=b"{" + b" " * 70_000 + b"}", headers=JSON)
    assert int(r.request.headers["content-length"]) > 65_536
    assert_error(r, 413, "payload_too_large")


def test_body_under_the_cap_is_served(shared_client: TestClient) -> None:
    r = shared_client.post("/v1/search", content=_chunks(1_000, size=100), headers=JSON)
    assert r.status_code == 200, r.text  # a chunked body under the cap is read whole and served


def test_body_cap_stops_reading_at_the_cap() -> None:
    """The app never gets more than the cap: the rest of a chunked body is not read at all."""
    pulled = 0
    app_read = 0

    async def receive() -> dict:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": pulled < 1000}

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        nonlocal app_read
        while True:
            message = await receive()
            app_read += len(message["body"])
            if not message["more_body"]:
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/search", "headers": [], "query_string": b""}
    asyncio.run(BodyLimitMiddleware(app, max_bytes=4096)(scope, receive, send))
    assert pulled == 5 and app_read == 4096
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "payload_too_large"


# -- rate limits -------------------------------------------------------------------------------------------------
def test_rate_limit_per_client_ip_answers_429_with_retry_after(hashing_index: Path, tmp_path: Path) -> None:
    settings = make_settings(hashing_index, tmp_path / "f.sqlite", rate_limit_per_minute=6, rate_limit_burst=3)
    app = create_app(settings)
    with TestClient(app, client=("10.0.0.1", 1)) as a, TestClient(app, client=("10.0.0.2", 1)) as b:
        for _ in range(3):
            assert a.post("/v1/search", json={"query": "韧性"}).status_code == 200
        r = a.post("/v1/search", json={"query": "韧性"})
        assert_error(r, 429, "rate_limited")
        assert 1 <= int(r.headers["retry-after"]) <= 10
        assert b.post("/v1/search", json={"query": "韧性"}).status_code == 200  # another IP has its own bucket
        for path in ("/healthz", "/readyz", "/metrics", "/widget.js"):
            assert a.get(path, follow_redirects=False).status_code in (200, 302), path  # exempt


def test_rate_limit_per_admin_key_across_ips(hashing_index: Path, tmp_path: Path) -> None:
    settings = make_settings(hashing_index, tmp_path / "f.sqlite", rate_limit_per_minute=6, rate_limit_burst=2)
    app = create_app(settings)
    clients = [TestClient(app, client=(f"10.0.1.{n}", 1)) for n in range(3)]
    with clients[0], clients[1], clients[2]:
        statuses = [c.get("/v1/admin/reindex", headers=ADMIN).status_code for c in clients]
    assert statuses[:2] == [405, 405]  # the route is POST only: cheap, and reached past the limiter
    assert statuses[2] == 429  # a third IP, same key: the key's bucket is empty


def test_token_buckets_refill_at_the_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=2, clock=lambda: now[0])
    assert buckets.take("a") == 0.0 and buckets.take("a") == 0.0
    assert buckets.take("a") == 1.0  # one token a second
    now[0] = 0.5
    assert buckets.take("a") == 0.5
    now[0] = 1.0
    assert buckets.take("a") == 0.0
    assert buckets.take("b", "a") > 0 and buckets.take("b") == 0.0  # refused takes nothing from "b"


# -- bounded queue and deadline --------------------------------------------------------------------------------
def _slow_app(hashing_index: Path, tmp_path: Path, **api: object) -> tuple[FastAPI, threading.Event, threading.Event]:
    app = create_app(make_settings(hashing_index, tmp_path / "f.sqlite", **api))
    entered, release = threading.Event(), threading.Event()

    def slow() -> dict[str, bool]:
        entered.set()
        release.wait(20)
        return {"done": True}

    app.add_api_route("/v1/_slow", slow)
    return app, entered, release


def test_full_queue_answers_503_quickly(hashing_index: Path, tmp_path: Path) -> None:
    app, entered, release = _slow_app(hashing_index, tmp_path, max_concurrent=1, queue_timeout_s=0.2)
    with TestClient(app) as client:
        first: list[int] = []
        worker = threading.Thread(target=lambda: first.append(client.get("/v1/_slow").status_code))
        worker.start()
        try:
            assert entered.wait(10)
            t0 = time.monotonic()
            r = client.post("/v1/search", json={"query": "韧性"})
            assert time.monotonic() - t0 < 3
            assert_error(r, 503, "overloaded")
            assert r.headers["retry-after"] == "1"
            assert client.get("/healthz").status_code == 200  # probes skip the queue
        finally:
            release.set()
            worker.join(10)
        assert first == [200]
        assert client.post("/v1/search", json={"query": "韧性"}).status_code == 200  # the slot was given back


def test_request_past_the_deadline_answers_503(hashing_index: Path, tmp_path: Path) -> None:
    app, entered, release = _slow_app(hashing_index, tmp_path, request_timeout_s=0.3, max_concurrent=1)
    with TestClient(app) as client:
        try:
            t0 = time.monotonic()
            r = client.get("/v1/_slow")
            assert time.monotonic() - t0 < 5
            assert_error(r, 503, "overloaded")
            assert r.headers["retry-after"]
            # The abandoned work still holds its slot until it really ends: the bound on work holds.
            assert_error(client.post("/v1/search", json={"query": "韧性"}), 503, "overloaded")
        finally:
            release.set()
        assert _eventually(lambda: client.post("/v1/search", json={"query": "韧性"}).status_code == 200)


def _eventually(check, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False
