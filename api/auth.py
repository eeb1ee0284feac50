"""The admin key: a dependency that guards ``/v1/admin/*``.

Only the sha256 of the key is configured (``RESNAV_API__ADMIN_KEY_SHA256``); a request's key is hashed and
compared with ``hmac.compare_digest``. The key comes as ``Authorization: Bearer <key>`` or ``X-Admin-Key: <key>``.
No key sent: 401 ``unauthorized``. Wrong key: 403 ``forbidden``. No key configured: the admin API is off and
every admin call is 403 ``forbidden``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Forbidden, Unauthorized

logger = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="Admin key as a bearer token.")
_header = APIKeyHeader(name="X-Admin-Key", auto_error=False, description="Admin key.")


def key_digest(key: str) -> str:
    """The hex sha256 of an admin key, as configured in ``api.admin_key_sha256``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_admin_key(configured_sha256: str | None, presented: str | None, what: str = "admin") -> None:
    """Raise ``Forbidden``/``Unauthorized`` unless ``presented`` is the configured key (``what``: whose key it is,
    for the messages: ``admin``, or ``MCP`` for the key of /mcp)."""
    if not configured_sha256:
        raise Forbidden("the admin API is disabled: no admin key is configured (RESNAV_API__ADMIN_KEY_SHA256)")
    if not presented:
        raise Unauthorized(f"an {what} key is required: send 'Authorization: Bearer <key>' or 'X-Admin-Key: <key>'")
    if not hmac.compare_digest(key_digest(presented), configured_sha256):
        logger.warning("key_rejected what=%s", what)
        raise Forbidden(f"the {what} key is not valid")


async def require_admin(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_header)],
) -> None:
    """FastAPI dependency: passes only for the configured admin key."""
    presented = bearer.credentials if bearer is not None else header_key
    check_admin_key(request.app.state.runtime.api.admin_key_sha256, presented)
