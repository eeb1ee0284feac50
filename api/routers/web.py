"""The web pages and the embeddable widget: ``/`` (a sample city portal with the widget on it), ``/catalogue`` (the
catalogue for secretariat staff), the assets of ``api/web/`` and ``/widget.js``.

Every asset is served at a URL holding the first 8 hex digits of its sha256, ``/static/widget.3f2a9c1d.js``, with
a year-long immutable cache: a release that changes a file changes its URL. ``/widget.js`` redirects to the current
widget (cached for five minutes) for pages that cannot follow releases. HTML pages name their assets with
``{{asset:NAME}}`` placeholders, filled in when a page is served, and carry a strict Content-Security-Policy.

These routes are pages, not API resources: they are left out of the OpenAPI document.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from api.deps import RecommenderDep
from retriever.errors import NotFound

router = APIRouter(include_in_schema=False, tags=["web"])

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
IMMUTABLE = "public, max-age=31536000, immutable"
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# Pages load scripts, styles and data from this origin only; the widget's styles are constructed stylesheets.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
_PLACEHOLDER = re.compile(r"\{\{asset:([A-Za-z0-9_.-]+)\}\}")
_HASHED = re.compile(r"^(?P<stem>[A-Za-z0-9_-]+)\.(?P<hash>[0-9a-f]{8})(?P<ext>\.[a-z0-9]+)$")


@dataclass(frozen=True, slots=True)
class Asset:
    name: str
    body: bytes
    digest: str

    @property
    def url(self) -> str:
        stem, ext = self.name.rsplit(".", 1)
        return f"/static/{stem}.{self.digest}.{ext}"


@cache
def assets() -> dict[str, Asset]:
    """The static assets of ``api/web`` by file name, read once per process."""
    out: dict[str, Asset] = {}
    for path in sorted(WEB_DIR.iterdir()):
        if path.is_file() and path.suffix in TYPES:
            body = path.read_bytes()
            out[path.name] = Asset(path.name, body, hashlib.sha256(body).hexdigest()[:8])
    return out


def asset_url(name: str) -> str:
    """The content-hashed URL of an asset, e.g. ``asset_url('widget.js') == '/static/widget.3f2a9c1d.js'``."""
    return assets()[name].url


@cache
def _page(name: str) -> str:
    text = (WEB_DIR / name).read_text(encoding="utf-8")
    return _PLACEHOLDER.sub(lambda m: asset_url(m.group(1)), text)


def _html(name: str) -> Response:
    return Response(_page(name), media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@router.get("/")
def demo_page() -> Response:
    """A sample city portal with the widget and the recommendations snippet on it."""
    return _html("demo.html")


@router.get("/catalogue")
def catalogue_page() -> Response:
    """The catalogue for secretariat staff: search, facets, source text, CSV export and coverage."""
    return _html("catalogue.html")


@router.get("/catalogue/labels.json")
def catalogue_labels(recommender: RecommenderDep) -> dict[str, dict[str, dict[str, str]]]:
    """Titles of the stages, thematic areas and catalogue sections in both languages, for the facets."""
    taxonomy = recommender.taxonomy

    def both(entries: dict) -> dict[str, dict[str, str]]:
        return {str(k): {"zh": str(v.get("zh", "")), "en": str(v.get("en", ""))} for k, v in entries.items()}

    return {"stages": both(taxonomy.stages), "areas": both(taxonomy.areas), "sections": both(taxonomy.sections)}


@router.get("/widget.js")
def widget_redirect() -> Response:
    """The stable address of the widget: a redirect to the current content-hashed file."""
    return RedirectResponse(asset_url("widget.js"), status_code=302, headers={"Cache-Control": "public, max-age=300"})


@router.get("/static/{filename}")
def static_asset(filename: str) -> Response:
    """An asset at its content-hashed URL; any other hash (an older release) is 404."""
    m = _HASHED.match(filename)
    asset = assets().get(f"{m.group('stem')}{m.group('ext')}") if m else None
    if m is None or asset is None or asset.digest != m.group("hash"):
        raise NotFound(f"no asset {filename!r}")
    return Response(
        asset.body,
        media_type=TYPES[Path(asset.name).suffix],
        headers={
            "Cache-Control": IMMUTABLE,
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )
