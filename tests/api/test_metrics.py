"""``/metrics``: Prometheus text with request counts and latency per route template and status, and index gauges."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from tests.api.conftest import make_settings


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _labels(**kv: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(kv.items()))


def test_requests_are_counted_per_route_template_and_status(client: TestClient) -> None:
    for _ in range(3):
        assert client.post("/v1/search", json={"query": "城市韧性", "k": 2}).status_code == 200
    assert client.post("/v1/search", json={"query": "城市韧性", "k": 0}).status_code == 422
    assert client.get("/no/such/route/12345").status_code == 404
    assert client.delete("/v1/search").status_code == 405
    s = _samples(client)
    ok = _labels(method="POST", route="/v1/search", status="200")
    assert s[("resnav_http_requests_total", ok)] == 3
    assert s[("resnav_http_requests_total", _labels(method="POST", route="/v1/search", status="422"))] == 1
    assert s[("resnav_http_requests_total", _labels(method="DELETE", route="/v1/search", status="405"))] == 1
    assert s[("resnav_http_requests_total", _labels(method="GET", route="<unmatched>", status="404"))] == 1
    assert not any("12345" in str(labels) for _, labels in s)  # raw paths never become labels
    assert s[("resnav_http_request_duration_seconds_count", ok)] == 3
    assert s[("resnav_http_request_duration_seconds_sum", ok)] > 0
    inf = _labels(method="POST", route="/v1/search", status="200", le="+Inf")
    assert s[("resnav_http_request_duration_seconds_bucket", inf)] == 3


def test_index_gauges_match_readiness(client: TestClient) -> None:
    ready = client.get("/readyz").json()
    s = _samples(client)
    assert s[("resnav_ready", ())] == 1
    assert s[("resnav_index_chunks", ())] == ready["chunks"]
    assert s[("resnav_index_documents", ())] == ready["documents"]
    assert s[("resnav_index_version", ())] == int(ready["index_version"][1:7])
    info = _labels(embedder=ready["embedder"], version=ready["index_version"])
    assert s[("resnav_index_info", info)] == 1
    assert s[("resnav_index_loaded_timestamp_seconds", ())] > 0


def test_not_ready_shows_in_gauges(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", tmp_path / "f.sqlite")
    with TestClient(create_app(settings)) as client:
        s = _samples(client)
        assert s[("resnav_ready", ())] == 0
        assert s[("resnav_index_chunks", ())] == 0
        assert ("resnav_index_version", ()) not in s


def test_each_app_has_its_own_registry(settings) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings)) as a, TestClient(create_app(settings)) as b:
        a.get("/healthz")
        a.get("/healthz")
        b.get("/healthz")
        key = ("resnav_http_requests_total", _labels(method="GET", route="/healthz", status="200"))
        assert _samples(a)[key] == 2
        assert _samples(b)[key] == 1


def test_feedback_is_counted(client: TestClient) -> None:
    client.post("/v1/feedback", json={"answer_id": "m1", "rating": -1, "issue": "wrong_answer"})
    client.post("/v1/feedback", json={"answer_id": "m2", "rating": 1})
    s = _samples(client)
    assert s[("resnav_feedback_total", _labels(issue="wrong_answer", rating="-1"))] == 1
    assert s[("resnav_feedback_total", _labels(issue="none", rating="1"))] == 1


def test_metrics_can_be_turned_off(hashing_index: Path, tmp_path: Path) -> None:
    settings = make_settings(hashing_index, tmp_path / "f.sqlite", metrics=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics").status_code == 404
