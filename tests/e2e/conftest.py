"""Fixtures of the browser tests: the real app served by uvicorn on 127.0.0.1 (over the real index with the real
model, and over a tiny hostile corpus), a second static server on another port (another origin) serving portal
pages that embed the widget, and real headless Chromium (Debian's, driven by Playwright for Python).

Screenshots go to ``var/screenshots/`` (``shoot``), small on purpose: 1000x700 desktop or 375x700 phone.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from ingest.pipeline import ingest
from retriever.embedders import make_embedder
from tests.api.conftest import ADMIN, make_settings, use_index  # noqa: F401 - use_index is a fixture used here

ROOT = Path(__file__).resolve().parents[2]
# Tests write their screenshots under var/ (never into tracked files); the ones in docs/screenshots/ are copied
# from there by hand when the pages change.
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1000, "height": 700}
PHONE = {"width": 375, "height": 700}

# A tiny catalogue whose text is hostile: markup, event handlers, javascript: links. Everything must show literally.
PWN = "window.__pwned=1"
XSS_MANIFEST = {
    "documents": [
        {
            "file": "xss-catalogue.zh.txt",
            "lang": "zh",
            "publisher": "test",
            "title": f"XSS <b>probe</b> catalogue <script>{PWN}</script>",
            "kind": "service catalogue",
        }
    ]
}
XSS_TEXT = f"""服务目录（测试）

第二章

A. 城市数据<script>{PWN}</script>

A.1. 恶意脚本服务<img src=x onerror="{PWN}">

概述：这项服务用于测试安全性<script>{PWN}</script>，内容包含图片标签<img src=x onerror="{PWN}">
以及链接[点击这里](javascript:{PWN})和 <a href="javascript:{PWN}">恶意链接</a>。详情见 https://example.org/safe-page 。

应对的挑战：城市缺乏防洪预警数据，需要建立社区洪水预警系统<script>{PWN}</script>。

联合国人居署提供的服务：提供洪水预警系统设计和培训。

提供支持的时间：防洪预警系统的建设需要 6 个月<img src=x onerror="{PWN}">。

A.9. 洪水预警服务<svg onload="{PWN}">

概述：帮助城市建立洪水预警系统，提高社区的防洪韧性。

提供支持的时间：洪水预警项目通常需要 3-4 个月。
"""


# -- servers ----------------------------------------------------------------------------------------------------
class LiveApp:
    """The real app under uvicorn on 127.0.0.1, in a thread."""

    def __init__(self, app: Any) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveApp:
        self.thread.start()
        for _ in range(600):
            if self.server.started:
                break
            self.thread.join(0.1)
            if not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
        assert httpx.get(f"{self.url}/readyz", timeout=30).status_code == 200
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Portal:
    """A static web server on its own port: another origin than the app. ``write`` adds a page."""

    root: Path
    server: http.server.ThreadingHTTPServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def write(self, name: str, html: str) -> str:
        (self.root / name).write_text(html, encoding="utf-8")
        return f"{self.url}/{name}"


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    root = tmp_path_factory.mktemp("portal")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="portal", daemon=True)
    thread.start()
    yield Portal(root, server)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def live_app(use_index: Path, portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:  # noqa: F811
    """The real app over the real index and model; the portal's origin may call it (CORS)."""
    settings = make_settings(
        use_index, tmp_path_factory.mktemp("e2e-db") / "f.sqlite", backend="use", cors_origins=[portal.url]
    )
    with LiveApp(create_app(settings)) as server:
        yield server


@pytest.fixture(scope="session")
def xss_app(portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The app over an index of the hostile corpus (hashing embedder: this is plumbing, not quality)."""
    base = tmp_path_factory.mktemp("xss")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "MANIFEST.json").write_text(json.dumps(XSS_MANIFEST, ensure_ascii=False), encoding="utf-8")
    (corpus / "xss-catalogue.zh.txt").write_text(XSS_TEXT, encoding="utf-8")
    # paths.corpus_dir stays the real corpus: the roadmap rules quote its MCR2030 overview (the chat needs them).
    settings = make_settings(base / "index", base / "f.sqlite", cors_origins=[portal.url])
    report = ingest([corpus], settings, make_embedder(settings.embedder))
    assert report.version is not None and not report.skipped, report.to_dict()
    with LiveApp(create_app(settings)) as server:
        yield server


def widget_src(app: LiveApp) -> str:
    """The content-hashed widget URL, as the stable /widget.js redirects to it."""
    r = httpx.get(f"{app.url}/widget.js", follow_redirects=False)
    assert r.status_code == 302, r.text
    return app.url + r.headers["location"]


def admin_get(app: LiveApp, path: str) -> Any:
    return httpx.get(app.url + path, headers=ADMIN, timeout=30).json()


# -- the browser ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright. Missing, the tests skip, or fail when ``RESNAV_TEST_REQUIRE``
    names chromium (CI sets it). One per module: Playwright's sync API keeps an event loop running in the main
    thread while it is open, which would break later tests that call ``asyncio.run``."""
    required = "chromium" in os.environ.get("RESNAV_TEST_REQUIRE", "").split(",")
    missing = None if CHROMIUM.exists() else "no /usr/bin/chromium: apt-get install chromium (.ci/run does)"
    try:
        from playwright import sync_api
    except ImportError:
        missing = missing or "playwright is not installed: pip install -e '.[dev]'"
    if missing:
        if required:
            pytest.fail(f"{missing} (RESNAV_TEST_REQUIRE=chromium)")
        pytest.skip(missing)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Tab:
    """A page in a fresh browser context, with the page's errors and console errors collected."""

    page: Any
    errors: list[str]

    def shoot(self, name: str, *, full_page: bool = False) -> Path:
        """A screenshot of the viewport (or the whole page) into var/screenshots/NAME.png, reduced to 256 colours
        (small enough to copy into docs/screenshots/)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        try:
            from PIL import Image
        except ImportError:  # Pillow comes with reportlab (dev extra); without it the PNG stays full colour
            return path
        with Image.open(path) as image:
            small = image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)
        return path


@pytest.fixture
def new_tab(browser: Any) -> Iterator[Callable[..., Tab]]:
    contexts: list[Any] = []

    def make(viewport: dict[str, int] = DESKTOP, **options: Any) -> Tab:
        context = browser.new_context(viewport=viewport, accept_downloads=True, locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
        return Tab(page, errors)

    yield make
    for context in contexts:
        context.close()
