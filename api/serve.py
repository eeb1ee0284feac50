"""Run the API under uvicorn with the app factory (``resnav serve``).

uvicorn imports ``api.app:create_app`` and calls it in every worker process, and a factory call reads its settings
from the environment. So that every worker serves exactly the ``settings`` given here (including changes the CLI
made after reading the environment), ``serve`` first writes each settings section to the environment as JSON
(``RESNAV_PATHS='{"index_dir": ...}'``) and removes the per-field variables of that section that would
override it.
"""

from __future__ import annotations

import logging
import os

from pydantic import BaseModel

from retriever.chroma import check_store_workers
from retriever.settings import Settings

logger = logging.getLogger(__name__)

FACTORY = "api.app:create_app"
ENV_PREFIX = "RESNAV_"


def export_settings(settings: Settings, environ: dict[str, str] | None = None) -> dict[str, str]:
    """Write ``settings`` into ``environ`` (default ``os.environ``) so ``Settings()`` rebuilds it; returns what
    was set."""
    env = os.environ if environ is None else environ
    written: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        key = f"{ENV_PREFIX}{name.upper()}"
        for stale in [k for k in env if k.upper().startswith(f"{key}__")]:
            del env[stale]
        text = value.model_dump_json() if isinstance(value, BaseModel) else str(value)
        env[key] = text
        written[key] = text
    return written


def serve(
    settings: Settings,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    *,
    log_level: str = "info",
) -> None:
    """Serve the API until interrupted. ``host``/``port``/``workers`` default to the ``api`` settings."""
    import uvicorn

    api = settings.api
    export_settings(settings)
    host = host or api.host
    port = port or api.port
    workers = workers or api.workers
    check_store_workers(settings, workers)  # several workers on one embedded Chroma folder would corrupt it
    logger.info("serve host=%s port=%s workers=%s", host, port, workers)
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, log_level=log_level)
