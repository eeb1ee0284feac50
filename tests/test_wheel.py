"""The wheel is self-contained: built from the packages alone and installed into a fresh venv, its ``resnav``
ingests a folder, searches it and serves the API, the widget and the pages without any file of the checkout.

Fast and offline: the wheel is built without build isolation when this environment's setuptools can build it, and
installed with ``--no-deps --no-index``. The new venv reaches the dependencies through one ``.pth`` line naming
this environment's site-packages; a folder named by a ``.pth`` line is only appended to ``sys.path``, its own
``.pth`` files are not run, so the editable install of resnav found there stays inert. Every command runs in a
temporary folder with a minimal environment, and the test asserts that each resnav package, the templates and the
curated knowledge files are the installed copies. The real bundled model embeds one document (the MCR2030
overview, which the roadmap rules quote, so stage assessment and chat work too).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS, ROOT

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

DOCUMENT = "mcr2030-overview.zh.txt"
QUERY = "城市韧性路线图的阶段评估"
KNOWLEDGE_FILES = {"catalogue_en.json", "glossary.tsv", "roadmap.json"}
# The first setuptools that reads the PEP 639 ``license = "Apache-2.0"`` of pyproject.toml.
SETUPTOOLS_FOR_LICENSE = (77,)


@dataclass(frozen=True, slots=True)
class Installed:
    venv: Path
    site: Path
    work: Path
    env: dict[str, str]

    def resnav(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / "resnav"), *args],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _packages() -> list[str]:
    """The top-level packages the wheel ships, from ``[tool.setuptools.packages.find]``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [name.rstrip("*") for name in config["tool"]["setuptools"]["packages"]["find"]["include"]]


def _can_build_in_place() -> bool:
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    return tuple(int(p) for p in version.split(".")[:1] if p.isdigit()) >= SETUPTOOLS_FOR_LICENSE


def _build_wheel(tmp: Path) -> Path:
    """Build the wheel from a copy of pyproject.toml, README.md and the packages: nothing else can leak in, and
    the checkout gets no build/ folder."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for package in _packages():
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp / "dist"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(dist), str(src)]
    if _can_build_in_place():
        cmd[4:4] = ["--no-build-isolation", "--no-index"]
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=300)
    (wheel,) = dist.glob("resnav-*.whl")
    return wheel


def _site_packages(venv: Path) -> Path:
    (site,) = (venv / "lib").glob("python3.*/site-packages")
    return site


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(tmp)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = _site_packages(venv)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "project-dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(ours)), encoding="utf-8")
    install = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet"]
    subprocess.run([*install, "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True, timeout=300)
    work = tmp / "work"
    (work / "docs").mkdir(parents=True)
    shutil.copy(CORPUS / DOCUMENT, work / "docs" / DOCUMENT)
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin",
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "OMP_WAIT_POLICY": "PASSIVE",
        "RESNAV_PATHS__INDEX_DIR": str(work / "index"),
        "RESNAV_PATHS__CORPUS_DIR": str(work / "docs"),
        "RESNAV_FEEDBACK__DATABASE_URL": f"sqlite:///{work / 'feedback.sqlite'}",
    }
    return Installed(venv, site, work, env)


def test_every_resnav_file_comes_from_the_installed_wheel(installed: Installed) -> None:
    probe = (
        "import importlib, json, prompts\n"
        "from eval.gate import FLOORS\n"
        "from eval.run import GoldFiles\n"
        "from retriever.settings import Settings\n"
        f"mods = {{name: importlib.import_module(name).__path__[0] for name in {_packages()!r}}}\n"
        "k = Settings().paths.knowledge_dir\n"
        "print(json.dumps({'mods': mods, 'templates': str(prompts.TEMPLATES), 'knowledge': str(k),"
        " 'files': sorted(p.name for p in k.iterdir()),"
        " 'gold': [str(p) for g in GoldFiles.defaults().__dict__.values() for p in g], 'floors': str(FLOORS)}))\n"
    )
    out = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", probe],
        cwd=installed.work,
        env=installed.env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(out.stdout)
    site = installed.site.resolve()
    for name, path in found["mods"].items():
        assert Path(path).resolve().is_relative_to(site), (name, path)
    assert Path(found["templates"]).is_relative_to(site) and any(Path(found["templates"]).glob("*.zh.txt"))
    assert Path(found["knowledge"]) == site / "knowledge"
    assert set(found["files"]) >= KNOWLEDGE_FILES
    # `resnav eval` and its gate: our gold sets and the floors ship too (the dev set is outside any install)
    assert found["gold"] and all(Path(p).is_relative_to(site) and Path(p).is_file() for p in found["gold"])
    assert Path(found["floors"]).is_relative_to(site) and Path(found["floors"]).is_file()


def test_ingest_search_and_serve_from_the_wheel(installed: Installed) -> None:
    ingested = installed.resnav("ingest", "--json", "--quiet", str(installed.work / "docs"))
    assert ingested.returncode == 0, ingested.stderr
    report = json.loads(ingested.stdout)
    assert report["ingested"] == [DOCUMENT] and not report["skipped"], report

    searched = installed.resnav("search", QUERY, "--k", "3", "--json")
    assert searched.returncode == 0, searched.stderr
    hits = json.loads(searched.stdout)["hits"]
    assert hits and hits[0]["source"] == DOCUMENT

    with _served(installed) as base, httpx.Client(base_url=base, timeout=60) as client:
        r = client.post("/v1/search", json={"query": QUERY, "k": 3})
        assert r.status_code == 200 and r.json()["hits"][0]["source"] == DOCUMENT
        r = client.post("/v1/chat", json={"messages": [{"role": "user", "content": "我们处于路线图的哪个阶段？"}]})
        assert r.status_code == 200 and r.json()["answer"]
        assert client.get("/v1/stage/questions").status_code == 200  # roadmap.json from the package
        for page in ("/", "/catalogue", "/widget.js"):
            r = client.get(page, follow_redirects=True)
            assert r.status_code == 200 and r.content, page


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _served:
    """``resnav serve`` from the venv on a free port, until ``/readyz`` answers 200; stopped on exit."""

    def __init__(self, installed: Installed) -> None:
        self.installed = installed
        self.port = _free_port()

    def __enter__(self) -> str:
        env = {**self.installed.env, "RESNAV_API__PORT": str(self.port), "RESNAV_API__RELOAD_CHECK_SECONDS": "0"}
        self.log = self.installed.work / "serve.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [str(self.installed.venv / "bin" / "resnav"), "serve"],
                cwd=self.installed.work,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    return base
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        self.__exit__()
        raise AssertionError(f"resnav serve did not get ready: {self.log.read_text(errors='replace')[-2000:]}")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
