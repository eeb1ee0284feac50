"""A real Chroma server for tests: ``chroma run --path TMP --host 127.0.0.1 --port FREE``, once per session.

Registered as the ``chroma_server`` fixture by ``tests/retriever/conftest.py``. The fixture waits for the
heartbeat, yields a ``ChromaServer`` and kills the server at the end. Skipped (with the install hint) when
chromadb is not installed; CI installs the ``chroma`` extra and sets ``RESNAV_TEST_REQUIRE=chroma``, which turns
that skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from retriever.settings import StoreSettings

STARTUP_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chroma_command() -> list[str]:
    """The ``chroma`` CLI of this interpreter's environment (the venv's script, else the one on PATH)."""
    beside = Path(sys.executable).parent / "chroma"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("chroma")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from chromadb.cli.cli import app; sys.argv[0] = 'chroma'; app()"]


def require_chromadb() -> None:
    """Skip the test when chromadb is missing, or fail when ``RESNAV_TEST_REQUIRE`` names chroma."""
    try:
        import chromadb  # noqa: F401
    except ImportError:
        reason = "chromadb is not installed: pip install '.[chroma]'"
        if "chroma" in os.environ.get("RESNAV_TEST_REQUIRE", "").split(","):
            pytest.fail(f"{reason} (RESNAV_TEST_REQUIRE=chroma)")
        pytest.skip(reason)


@dataclass
class ChromaServer:
    host: str
    port: int
    path: Path
    process: subprocess.Popen
    log: Path

    def client(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        return chromadb.HttpClient(host=self.host, port=self.port, settings=ChromaSettings(anonymized_telemetry=False))

    def store_settings(self, **changes: object) -> StoreSettings:
        return StoreSettings(backend="chroma", chroma_host=self.host, chroma_port=self.port, **changes)  # type: ignore[arg-type]


def _heartbeat(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def start_chroma(folder: Path) -> ChromaServer:
    """Start ``chroma run`` on a free port with its data in ``folder``; returns once the heartbeat answers."""
    port = free_port()
    data, log = folder / "data", folder / "chroma.log"
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    cmd = [*chroma_command(), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    server = ChromaServer("127.0.0.1", port, data, process, log)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"chroma run exited with {process.returncode}: {tail}")
        if _heartbeat(f"http://127.0.0.1:{port}/api/v2/heartbeat"):
            return server
        time.sleep(0.2)
    stop_chroma(server)
    raise RuntimeError(f"chroma run did not answer within {STARTUP_TIMEOUT_S:.0f} s: {log.read_text()[-2000:]}")


def stop_chroma(server: ChromaServer) -> None:
    """Stop the server (its own process group only): SIGTERM, then SIGKILL after 10 s."""
    if server.process.poll() is not None:
        return
    os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    require_chromadb()
    server = start_chroma(tmp_path_factory.mktemp("chroma"))
    try:
        yield server
    finally:
        stop_chroma(server)
