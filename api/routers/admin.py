"""Admin operations (admin key required): ``POST /v1/admin/reindex``."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AdminDep, MetricsDep, ServingDep, SettingsDep
from api.errors import responses
from api.schemas import IngestReportModel, ReindexResponse
from retriever.errors import ResnavError

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post(
    "/reindex",
    response_model=ReindexResponse,
    summary="Re-ingest the corpus and serve the new index (admin)",
    responses=responses(
        "unauthorized", "forbidden", "ingest_locked", "not_ready", "index_corrupt", "embedder_unavailable"
    ),
)
def reindex(_admin: AdminDep, serving: ServingDep, settings: SettingsDep, metrics: MetricsDep) -> ReindexResponse:
    """Ingest the corpus folder (``paths.corpus_dir``) incrementally, then swap the served index atomically.

    Requests keep being answered from the previous version until the new one is loaded. 409 ``ingest_locked``
    while another reindex or ``resnav ingest`` runs. Answers when the new version serves.
    """
    try:
        report, previous, swapped = serving.reindex([settings.paths.corpus_dir])
    except ResnavError as e:
        metrics.reindex.labels(e.code).inc()
        raise
    metrics.reindex.labels("swapped" if swapped else "unchanged").inc()
    return ReindexResponse(
        previous_version=previous,
        version=serving.version,
        swapped=swapped,
        report=IngestReportModel.model_validate(report.to_dict()),
    )
