"""HTTP error mapping: one table error code -> HTTP status, one JSON body for every error.

Every error the API answers with, whatever raised it (a ``ResnavError`` from the packages, a request that fails
validation, an unknown route, a wrong method, an unexpected exception), has the body

    {"error": {"code": "<stable snake_case code>", "message": "<text safe to show>"}}

and validation errors (``invalid_request``) add ``"details": [{"loc": [...], "msg": "...", "type": "..."}]``.
``ERRORS`` is the table; ``install_error_handlers`` wires it into an app. Unexpected exceptions answer 500
``internal_error`` with a fixed message; the traceback goes to the log only. Every 429 and 503 carries
``Retry-After``. ``responses`` (on a route) and ``document_errors`` (on a generated OpenAPI operation) state the
codes in the OpenAPI document, with that one body and that header.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.schemas import ErrorResponse
from retriever import errors as core

logger = logging.getLogger(__name__)


# -- errors that only the HTTP layer raises ---------------------------------------------------------------------
class ApiError(core.ResnavError):
    """Base of the errors raised by the HTTP layer itself."""

    code = "api_error"


class Unauthorized(ApiError):
    """No admin credentials were sent."""

    code = "unauthorized"


class Forbidden(ApiError):
    """Wrong admin credentials, or the admin API is disabled (no key configured)."""

    code = "forbidden"


class MethodNotAllowed(ApiError):
    code = "method_not_allowed"


class NotReady(ApiError):
    """The model or the index is still loading, or failed to load."""

    code = "not_ready"


class PayloadTooLarge(ApiError):
    """The request body is larger than ``api.max_body_bytes``."""

    code = "payload_too_large"


class RateLimited(ApiError):
    code = "rate_limited"


class Overloaded(ApiError):
    """No slot freed within ``api.queue_timeout_s``, or the request passed ``api.request_timeout_s``."""

    code = "overloaded"


class InternalError(ApiError):
    code = "internal_error"


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """One row of the table: the HTTP status of a code, the class that carries it, when it happens."""

    status: int
    exc: type[core.ResnavError]
    when: str


# The one table. Keep it in step with retriever/errors.py (a test checks that every code there is here).
ERRORS: dict[str, ErrorSpec] = {
    "invalid_request": ErrorSpec(422, core.InvalidRequest, "a field is missing, malformed or out of range"),
    "unauthorized": ErrorSpec(401, Unauthorized, "an admin route was called without a key"),
    "forbidden": ErrorSpec(403, Forbidden, "wrong admin key, or no admin key configured"),
    "not_found": ErrorSpec(404, core.NotFound, "no such route or resource"),
    "method_not_allowed": ErrorSpec(405, MethodNotAllowed, "the route exists, the method does not"),
    "ingest_locked": ErrorSpec(409, core.IngestLocked, "another ingest or reindex is running"),
    "document_too_large": ErrorSpec(413, core.DocumentTooLarge, "an uploaded document is too large"),
    "payload_too_large": ErrorSpec(413, PayloadTooLarge, "the request body is larger than `api.max_body_bytes`"),
    "unsupported_format": ErrorSpec(415, core.UnsupportedFormat, "an uploaded document has an unknown format"),
    "empty_document": ErrorSpec(422, core.EmptyDocument, "an uploaded document has no text"),
    "unreadable_document": ErrorSpec(422, core.UnreadableDocument, "an uploaded document cannot be read"),
    "encrypted_document": ErrorSpec(422, core.EncryptedDocument, "an uploaded PDF is encrypted"),
    "rate_limited": ErrorSpec(
        429, RateLimited, "too many requests from one client IP or admin key (`api.rate_limit_per_minute`)"
    ),
    "internal_error": ErrorSpec(500, InternalError, "an unexpected failure; details are in the server log"),
    "overloaded": ErrorSpec(
        503,
        Overloaded,
        "no slot freed within `api.queue_timeout_s`, or no answer began within `api.request_timeout_s` "
        "(admin routes have no deadline)",
    ),
    "not_ready": ErrorSpec(503, NotReady, "the model or the index is still loading, or failed to load"),
    "index_not_built": ErrorSpec(503, core.IndexNotBuilt, "no index was published yet: run `resnav ingest`"),
    "index_corrupt": ErrorSpec(503, core.IndexCorrupt, "the published index fails its checksums"),
    "embedder_mismatch": ErrorSpec(503, core.EmbedderMismatch, "the index was built with another embedder"),
    "embedder_unavailable": ErrorSpec(503, core.EmbedderUnavailable, "the embedding model cannot be loaded"),
    "store_unavailable": ErrorSpec(503, core.StoreUnavailable, "the vector store does not answer"),
    "llm_unavailable": ErrorSpec(503, core.LLMUnavailable, "the configured LLM endpoint failed or timed out"),
    "ungrounded_answer": ErrorSpec(502, core.UngroundedAnswer, "the LLM answer did not cite the passages"),
    "migration_mismatch": ErrorSpec(502, core.MigrationMismatch, "a migrated vector store disagrees with the index"),
    "invalid_knowledge_file": ErrorSpec(
        503, core.InvalidKnowledgeFile, "a curated knowledge file is broken (glossary, roadmap rules)"
    ),
    "invalid_rendering": ErrorSpec(
        503, core.InvalidRendering, "an English rendering in corpus/renderings does not fit its original"
    ),
    "invalid_questions": ErrorSpec(
        503, core.InvalidQuestions, "a curated questions file in corpus/questions does not fit its original"
    ),
}

INTERNAL_MESSAGE = "internal server error"

# The one error body in a generated OpenAPI document (FastAPI names the component after the model).
ERROR_BODY_REF = f"#/components/schemas/{ErrorResponse.__name__}"

# Every answer with one of these statuses carries ``Retry-After`` (whole seconds): the limiters set their own,
# ``error_response`` adds one where none was given. The OpenAPI document states the header on each of them.
RETRY_AFTER_STATUSES = frozenset({429, 503})
RETRY_AFTER_HEADER: dict[str, Any] = {
    "description": "Seconds to wait before retrying.",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}

# The code of a bare HTTP status raised by Starlette/FastAPI (unknown route, wrong method, ...).
_CODE_OF_STATUS: dict[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "invalid_request",
    429: "rate_limited",
    503: "not_ready",
}


def status_of(code: str) -> int:
    spec = ERRORS.get(code)
    return spec.status if spec is not None else 500


def error_body(code: str, message: str, details: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = list(details)
    return {"error": body}


def error_response(
    code: str,
    message: str,
    *,
    details: Sequence[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    status = status_of(code)
    extra = dict(headers or {})
    if status == 401:
        extra.setdefault("WWW-Authenticate", "Bearer")
    if status in RETRY_AFTER_STATUSES:
        extra.setdefault("Retry-After", "5")
    return JSONResponse(error_body(code, message, details), status_code=status, headers=extra or None)


def validation_details(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Field details of pydantic errors, without the rejected input (it may be long or sensitive)."""
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in errors
    ]


def validation_message(details: Sequence[dict[str, Any]]) -> str:
    """One line naming the first invalid fields and why (the ``message`` of an ``invalid_request`` body)."""
    parts = []
    for d in details[:5]:
        loc = ".".join(p for p in d["loc"] if p not in ("body", "query", "path", "header"))
        parts.append(f"{loc}: {d['msg']}" if loc else d["msg"])
    more = f" (+{len(details) - 5} more)" if len(details) > 5 else ""
    return "invalid request: " + "; ".join(parts) + more if parts else "invalid request"


# -- handlers ---------------------------------------------------------------------------------------------------
async def _on_resnav_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, core.ResnavError)
    if exc.code not in ERRORS:
        logger.error("unmapped_error code=%s path=%s", exc.code, request.url.path, exc_info=exc)
        return error_response("internal_error", INTERNAL_MESSAGE)
    if exc.code == "internal_error":
        logger.error("internal_error path=%s", request.url.path, exc_info=exc)
        return error_response("internal_error", INTERNAL_MESSAGE)
    if status_of(exc.code) >= 500:
        logger.info("error_response code=%s path=%s", exc.code, request.url.path)
    return error_response(exc.code, exc.message)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = validation_details(exc.errors())
    return error_response("invalid_request", validation_message(details), details=details)


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODE_OF_STATUS.get(exc.status_code)
    if code is None:
        code = "internal_error" if exc.status_code >= 500 else "invalid_request"
    if code == "not_found":
        message = f"no route {request.url.path}" if exc.detail in (None, "Not Found") else str(exc.detail)
    elif code == "method_not_allowed":
        message = f"method {request.method} is not allowed on {request.url.path}"
    elif code == "internal_error":
        message = INTERNAL_MESSAGE
    else:
        message = str(exc.detail) if exc.detail else code.replace("_", " ")
    headers = dict(exc.headers or {})
    return error_response(code, message, headers=headers)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled_error method=%s path=%s", request.method, request.url.path, exc_info=exc)
    return error_response("internal_error", INTERNAL_MESSAGE)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` answer with the one body."""
    app.add_exception_handler(core.ResnavError, _on_resnav_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unexpected)


def _describe(description: str, code: str) -> str:
    """``description`` with ``code`` and when it happens added (once)."""
    line = f"`{code}`: {ERRORS[code].when}"
    return description if line in description else ", ".join(filter(None, [description, line]))


def responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for the given error codes, all with the one error body model."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        status = status_of(code)
        entry = out.setdefault(status, {"model": ErrorResponse, "description": ""})
        entry["description"] = _describe(entry["description"], code)
        if status in RETRY_AFTER_STATUSES:
            entry["headers"] = {"Retry-After": copy.deepcopy(RETRY_AFTER_HEADER)}
    return out


def document_errors(operation: dict[str, Any], codes: Iterable[str]) -> None:
    """Add ``codes`` to the responses of one operation of a generated OpenAPI document, as ``responses`` states
    them: the one error body (the ``ErrorResponse`` component), each code and when it happens in the description,
    ``Retry-After`` on 429 and 503. For errors that no route declares: the refusals of ``api.limits``."""
    for code in codes:
        status = status_of(code)
        entry = operation["responses"].setdefault(
            str(status),
            {"description": "", "content": {"application/json": {"schema": {"$ref": ERROR_BODY_REF}}}},
        )
        entry["description"] = _describe(entry["description"], code)
        if status in RETRY_AFTER_STATUSES:
            entry.setdefault("headers", {})["Retry-After"] = copy.deepcopy(RETRY_AFTER_HEADER)
