"""Rate limits shared through PostgreSQL (``api.rate_limit_store_url``): one limit for all replicas, not one each.

The store runs against a throwaway PostgreSQL (``tests/postgres_server.py``; skipped without the binaries or the
driver, a failure under ``RESNAV_TEST_REQUIRE=postgres``), a fresh database per test. The replica test starts two
real ``resnav serve`` processes on free ports over the same index and database and sends requests to them in
turn: together they allow one burst, where two in-process limiters would allow two. The outage tests point the
store at a port nothing listens on, or drop its table under it: requests keep being served, limited by the
process's own buckets, and the failures are counted in ``resnav_rate_limit_store_errors_total``.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from api.limits import STORE_TABLE, FailoverRateLimitStore, PostgresRateLimitStore, TokenBuckets
from retriever.settings import ApiSettings
from tests.api.conftest import CORPUS, KNOWLEDGE, assert_error, make_settings, wait_for
from tests.chroma_server import free_port
from tests.postgres_server import PostgresCluster, fresh_database, postgres  # noqa: F401 - postgres is a fixture

SEARCH = {"query": "韧性"}


@pytest.fixture
def store_url(postgres: PostgresCluster) -> Iterator[str]:  # noqa: F811
    with fresh_database(postgres, "limits") as url:
        yield url


def _store(url: str, per_minute: int, burst: int) -> PostgresRateLimitStore:
    return PostgresRateLimitStore(url, per_minute=per_minute, burst=burst)


# -- the store ---------------------------------------------------------------------------------------------------
def test_takes_the_burst_then_refuses_with_the_wait(store_url: str) -> None:
    store = _store(store_url, per_minute=6, burst=5)  # one token every 10 s
    try:
        assert [store.take("ip:a") for _ in range(5)] == [0.0] * 5
        wait = store.take("ip:a")
        assert 9.0 < wait <= 10.0
        assert store.take("ip:b") == 0.0  # another key has its own bucket
        assert store.count() == 2
    finally:
        store.close()


def test_a_refused_take_takes_nothing(store_url: str) -> None:
    store = _store(store_url, per_minute=6, burst=2)
    try:
        assert store.take("a") == 0.0
        assert store.take("b", "a") == 0.0  # a: 0 left, b: 1 left
        assert store.take("b", "a") > 0  # a is empty: refused, and b keeps its token
        assert store.take("b") == 0.0
        assert store.take("b") > 0
    finally:
        store.close()


def test_refills_at_the_rate(store_url: str) -> None:
    store = _store(store_url, per_minute=600, burst=1)  # ten tokens a second
    try:
        assert store.take("a") == 0.0
        assert 0.0 < store.take("a") <= 0.1
        time.sleep(0.15)
        assert store.take("a") == 0.0
    finally:
        store.close()


def test_concurrent_takes_never_over_grant(store_url: str) -> None:
    """Two stores (two processes' engines), four threads each, racing on one client IP and one shared admin key:
    exactly the burst is granted (the rate adds one token a minute, none during the test), and no take fails."""
    stores = [_store(store_url, per_minute=1, burst=20) for _ in range(2)]
    granted: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(store: PostgresRateLimitStore, ip: str) -> None:
        try:
            for _ in range(15):
                if store.take(f"ip:{ip}", "key:shared") == 0.0:
                    with lock:
                        granted.append(ip)
        except BaseException as e:  # surfaced by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s, f"10.0.0.{n % 2}")) for s in stores for n in range(4)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    for s in stores:
        s.close()
    assert errors == []
    assert elapsed < 60
    assert len(granted) == 20, (len(granted), elapsed)  # the shared key's bucket: 20, never more


def test_every_wait_on_the_database_is_bounded(store_url: str) -> None:
    store = _store(store_url, per_minute=6, burst=5)
    try:
        store.take("a")
        with store.engine.connect() as con:
            assert con.execute(sa.text("SHOW statement_timeout")).scalar_one() == "2s"
            assert con.execute(sa.text("SHOW lock_timeout")).scalar_one() == "2s"
        assert store.engine.pool.timeout() == 2.0
    finally:
        store.close()


def test_idle_buckets_are_swept(store_url: str) -> None:
    store = _store(store_url, per_minute=600, burst=5)  # full again 0.5 s after the last take
    try:
        store.take("old")
        time.sleep(0.8)
        store.take("new")
        assert store.count() == 2
        assert store.sweep() == 1
        assert store.count() == 1
        for _ in range(4):
            assert store.take("new") == 0.0  # "new" was kept: 5 - 1 - 4 = 0 left
        assert store.take("new") > 0
    finally:
        store.close()


# -- failing open ------------------------------------------------------------------------------------------------
@pytest.mark.usefixtures("postgres")  # skips (or fails) like the others without the driver
def test_an_unreachable_store_fails_open_to_the_process_buckets(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    errors: list[int] = []
    dead = _store(f"postgresql+psycopg://resnav@127.0.0.1:{free_port()}/nothing", per_minute=6, burst=2)
    store = FailoverRateLimitStore(
        dead, TokenBuckets(6, 2), on_error=lambda: errors.append(1), retry_s=5.0, clock=lambda: now[0]
    )
    with caplog.at_level(logging.WARNING, logger="api.limits"):
        assert store.take("ip:a") == 0.0 and store.failing  # refused connection: served by the local bucket
        assert store.take("ip:a") == 0.0  # within retry_s: the store is not asked again
        assert store.take("ip:a") > 0  # the local bucket still limits
        now[0] = 6.0
        store.take("ip:b")  # retried after retry_s, failed again
    store.close()
    assert len(errors) == 2
    assert [r.getMessage() for r in caplog.records].count(
        "rate_limit_store_unavailable error=OperationalError fallback=in_process retry_s=5.0"
    ) == 1  # one warning per outage, not per request


def test_the_store_recovers_after_its_table_is_dropped(store_url: str) -> None:
    now = [0.0]
    errors: list[int] = []
    shared = _store(store_url, per_minute=6, burst=3)
    store = FailoverRateLimitStore(
        shared, TokenBuckets(6, 3), on_error=lambda: errors.append(1), retry_s=5.0, clock=lambda: now[0]
    )
    try:
        assert store.take("ip:a") == 0.0
        with shared.engine.begin() as con:
            con.execute(sa.text(f"DROP TABLE {STORE_TABLE}"))
        assert store.take("ip:a") == 0.0 and store.failing and errors == [1]
        now[0] = 6.0
        assert store.take("ip:a") == 0.0 and not store.failing  # the table was created again
        assert shared.count() == 1
    finally:
        store.close()


@pytest.mark.usefixtures("postgres")  # skips (or fails) like the others without the driver
def test_the_api_serves_through_a_store_outage(hashing_index: Path, tmp_path: Path) -> None:
    url = f"postgresql+psycopg://resnav@127.0.0.1:{free_port()}/nothing"
    settings = make_settings(
        hashing_index, tmp_path / "f.sqlite", rate_limit_per_minute=6, rate_limit_burst=2, rate_limit_store_url=url
    )
    with TestClient(create_app(settings)) as client:
        assert [client.post("/v1/search", json=SEARCH).status_code for _ in range(2)] == [200, 200]
        r = client.post("/v1/search", json=SEARCH)
        assert_error(r, 429, "rate_limited")  # the process's own bucket (burst 2) still limits
        metrics = client.get("/metrics").text
    counted = [line for line in metrics.splitlines() if line.startswith("resnav_rate_limit_store_errors_total ")]
    assert len(counted) == 1 and float(counted[0].split()[1]) >= 1.0, counted  # one per 5 s of outage, not per request


# -- settings ----------------------------------------------------------------------------------------------------
def test_the_store_url_setting_is_validated() -> None:
    assert ApiSettings(rate_limit_store_url="").rate_limit_store_url is None
    assert ApiSettings(rate_limit_store_url="  ").rate_limit_store_url is None
    good = "postgresql+psycopg://resnav:s3cret@db.internal:5432/resnav"
    assert ApiSettings(rate_limit_store_url=f" {good} ").rate_limit_store_url == good
    for bad in ("redis://cache:6379/0", "sqlite:///var/limits.sqlite", "db.internal:5432"):
        with pytest.raises(ValidationError, match="postgresql\\+psycopg://user:password@host"):
            ApiSettings(rate_limit_store_url=bad)


# -- two replicas ------------------------------------------------------------------------------------------------
class Replica:
    """``resnav serve`` in its own process group on a free port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        command = [str(Path(sys.executable).parent / "resnav"), "serve", "--port", str(self.port)]
        if not Path(command[0]).is_file():
            command[:1] = [sys.executable, "-m", "cli.main"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"resnav serve exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def replicas(hashing_index: Path, store_url: str, tmp_path: Path) -> Iterator[list[Replica]]:
    """Two replicas with the same settings: the same index, the same rate-limit database, burst 5, 6 a minute."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESNAV_")}
    env.update(
        RESNAV_PATHS__INDEX_DIR=str(hashing_index),
        RESNAV_PATHS__CORPUS_DIR=str(CORPUS),
        RESNAV_PATHS__KNOWLEDGE_DIR=str(KNOWLEDGE),
        RESNAV_EMBEDDER__BACKEND="hashing",
        RESNAV_API__RELOAD_CHECK_SECONDS="0",
        RESNAV_API__RATE_LIMIT_PER_MINUTE="6",
        RESNAV_API__RATE_LIMIT_BURST="5",
        RESNAV_API__RATE_LIMIT_STORE_URL=store_url,
    )
    # Each its own feedback file (replicas on two hosts would not share a SQLite file).
    feedback = [f"sqlite:///{tmp_path / f'feedback-{n}.sqlite'}" for n in range(2)]
    started = [
        Replica({**env, "RESNAV_FEEDBACK__DATABASE_URL": feedback[n]}, tmp_path / f"replica-{n}.log") for n in range(2)
    ]
    try:
        for replica in started:
            assert wait_for(replica.ready, timeout=180, interval=0.5), replica.log.read_text()[-2000:]
        yield started
    finally:
        for replica in started:
            replica.stop()


@pytest.mark.e2e
@pytest.mark.slow
def test_two_replicas_share_one_limit(replicas: list[Replica], store_url: str) -> None:
    t0 = time.monotonic()
    answers = []
    with httpx.Client(timeout=30) as http:
        for n in range(16):
            replica = replicas[n % 2]  # in turn, as a round-robin load balancer would
            answers.append((n % 2, http.post(f"{replica.url}/v1/search", json=SEARCH)))
        elapsed = time.monotonic() - t0
        metrics = [http.get(f"{r.url}/metrics").text for r in replicas]
    allowed = [(i, r) for i, r in answers if r.status_code == 200]
    refused = [(i, r) for i, r in answers if r.status_code != 200]
    # One burst of 5 for the client (127.0.0.1) across both, plus what 6/min refills while the requests run
    # (less than one token unless they take 10 s). Two in-process limiters would have allowed 10.
    assert 5 <= len(allowed) <= 5 + elapsed / 10, ([r.status_code for _, r in answers], elapsed)
    assert [i for i, _ in allowed[:5]] == [0, 1, 0, 1, 0]  # both replicas granted from the one bucket
    assert {i for i, _ in refused} == {0, 1}  # and both refuse once it is empty
    for _, r in refused:
        assert_error(r, 429, "rate_limited")
        assert 1 <= int(r.headers["retry-after"]) <= 10
    for text in metrics:
        assert "resnav_rate_limit_store_errors_total 0.0" in text
    store = _store(store_url, per_minute=6, burst=5)
    try:
        assert store.count() == 1  # one bucket: ip:127.0.0.1
    finally:
        store.close()


def test_the_app_closes_the_store_at_shutdown(
    store_url: str, hashing_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shared store's connection pool is released when the app stops, not left to the process's exit."""
    closed: list[object] = []
    real_close = PostgresRateLimitStore.close
    monkeypatch.setattr(PostgresRateLimitStore, "close", lambda self: (closed.append(self), real_close(self)))
    settings = make_settings(
        hashing_index,
        tmp_path / "f.sqlite",
        rate_limit_per_minute=60,
        rate_limit_burst=5,
        rate_limit_store_url=store_url,
    )
    with TestClient(create_app(settings)) as client:
        assert client.post("/v1/search", json=SEARCH).status_code == 200
        assert not closed
    assert len(closed) == 1
