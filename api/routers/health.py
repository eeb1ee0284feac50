"""Liveness and readiness: ``/healthz`` answers at once; ``/readyz`` is 200 only while an index is served."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServedDep
from api.errors import responses
from api.schemas import HealthResponse, ReadyResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthResponse, summary="Liveness")
async def healthz() -> HealthResponse:
    """The process is up and answering. Does not look at the model or the index."""
    return HealthResponse()


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    summary="Readiness",
    responses=responses("not_ready", "index_not_built", "index_corrupt", "embedder_mismatch", "embedder_unavailable"),
)
async def readyz(served: ServedDep) -> ReadyResponse:
    """200 once the embedding model and an index version are loaded; 503 with the reason until then."""
    return ReadyResponse(
        index_version=served.version, documents=served.documents, chunks=served.chunks, embedder=served.embedder_id
    )
