"""A throwaway PostgreSQL cluster for tests: the ``postgres`` fixture, once per test module that imports it.

``initdb`` in a temporary folder, ``pg_ctl start`` on a free 127.0.0.1 port with its unix socket in that folder,
``fsync=off``; as root it runs the server as the ``postgres`` user through ``runuser`` (PostgreSQL refuses to run
as root). ``fresh_database`` makes one database per test. The tests skip, saying why, only when the PostgreSQL
binaries are absent (Debian: ``apt-get install postgresql``) or the driver is (``pip install '.[postgres]'``); CI
installs both and sets ``RESNAV_TEST_REQUIRE=postgres``, which turns those skips into failures.

Used by ``tests/api/test_feedback_postgres.py`` and ``tests/api/test_limits_shared.py``: import ``postgres`` (the
fixture) into the test module.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.chroma_server import free_port


def _skip_or_fail(reason: str) -> None:
    if "postgres" in os.environ.get("RESNAV_TEST_REQUIRE", "").split(","):
        pytest.fail(f"{reason} (RESNAV_TEST_REQUIRE=postgres)")
    pytest.skip(reason)


def postgres_bin() -> Path | None:
    """The folder of ``initdb``/``pg_ctl``: on PATH, else the newest ``/usr/lib/postgresql/*/bin`` (Debian)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


@dataclass
class PostgresCluster:
    bin: Path
    folder: Path
    port: int
    run_as: list[str]  # e.g. ["runuser", "-u", "postgres", "--"] when running as root

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        cmd = [*self.run_as, str(self.bin / tool), *args]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-o", options, "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


@contextlib.contextmanager
def fresh_database(cluster: PostgresCluster, prefix: str = "test") -> Iterator[str]:
    """Create an empty database on ``cluster``, yield its URL, drop it (with its connections) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as con:
            con.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield cluster.url(name)
        finally:
            with admin.connect() as con:
                con.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresCluster]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        _skip_or_fail("PostgreSQL binaries (initdb, pg_ctl) are absent: apt-get install postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _skip_or_fail("the PostgreSQL driver is absent: pip install '.[postgres]'")
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="resnav-pg-"))  # /tmp: the postgres user must reach it
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")  # created by the Debian package
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    cluster = PostgresCluster(bin_dir, folder, free_port(), run_as)  # type: ignore[arg-type]
    try:
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
