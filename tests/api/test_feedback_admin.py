"""Feedback (public POST, admin list in JSON and CSV), the admin key, and reindex with an atomic hot swap. The store
itself is tested once per database in test_feedback_postgres.py (``FeedbackStoreContract``)."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import key_digest
from api.feedback import CSV_COLUMNS
from tests.api.conftest import ADMIN, ADMIN_KEY, assert_error, make_settings

# -- POST /v1/feedback ------------------------------------------------------------------------------------------


def test_post_feedback_then_admin_lists_it(client: TestClient) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    runtime.feedback.log_question("ans_42", "What is stage B?", "en", "stage", True)
    r = client.post(
        "/v1/feedback",
        json={
            "answer_id": "ans_42",
            "rating": -1,
            "issue": "stage_misjudged",
            "comment": "We already have a DRR strategy.",
        },
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["answer_id"] == "ans_42" and created["id"] >= 1
    assert client.post("/v1/feedback", json={"answer_id": "ans_43", "rating": 1}).status_code == 201

    listed = client.get("/v1/admin/feedback", headers=ADMIN)
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 2 and body["limit"] == 100 and body["offset"] == 0
    item = body["items"][1]
    assert item["id"] == created["id"]
    assert (item["rating"], item["issue"], item["question"], item["grounded"]) == (
        -1,
        "stage_misjudged",
        "What is stage B?",
        True,
    )
    only_bad = client.get("/v1/admin/feedback?rating=-1", headers=ADMIN).json()
    assert [i["answer_id"] for i in only_bad["items"]] == ["ans_42"]
    page = client.get("/v1/admin/feedback?limit=1&offset=1", headers={"X-Admin-Key": ADMIN_KEY}).json()
    assert page["total"] == 2 and [i["answer_id"] for i in page["items"]] == ["ans_42"]

    exported = client.get("/v1/admin/feedback?format=csv", headers=ADMIN)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 3


@pytest.mark.parametrize(
    "body",
    [
        {"answer_id": "a", "rating": 0},
        {"answer_id": "a", "rating": 2},
        {"answer_id": "a", "rating": 5},
        {"answer_id": "a", "rating": True},
        {"answer_id": "a", "rating": "1"},
        {"answer_id": "a", "rating": 1.0},
        {"answer_id": "a"},
        {"rating": 1},
        {"answer_id": "", "rating": 1},
        {"answer_id": "has space", "rating": 1},
        {"answer_id": "a" * 129, "rating": 1},
        {"answer_id": "a", "rating": -1, "issue": "bad_mood"},
        {"answer_id": "a", "rating": -1, "comment": "c" * 2001},
        {"answer_id": "a", "rating": 1, "extra": "field"},
    ],
)
def test_post_feedback_validation(shared_client: TestClient, body: dict) -> None:
    assert_error(shared_client.post("/v1/feedback", json=body), 422, "invalid_request")


@pytest.mark.parametrize("issue", ["wrong_answer", "wrong_citation", "tool_outdated", "stage_misjudged", "other"])
def test_every_issue_is_accepted(shared_client: TestClient, issue: str) -> None:
    r = shared_client.post(
        "/v1/feedback", json={"answer_id": "ans.1:x-y_z", "rating": -1, "issue": issue, "comment": "c" * 2000}
    )
    assert r.status_code == 201


# -- the admin key ----------------------------------------------------------------------------------------------


def test_admin_key_checks(shared_client: TestClient) -> None:
    url = "/v1/admin/feedback"
    assert_error(shared_client.get(url), 401, "unauthorized")
    assert shared_client.get(url).headers["www-authenticate"] == "Bearer"
    assert_error(shared_client.get(url, headers={"Authorization": f"Basic {ADMIN_KEY}"}), 401, "unauthorized")
    assert_error(shared_client.get(url, headers={"Authorization": "Bearer wrong"}), 403, "forbidden")
    assert_error(shared_client.get(url, headers={"X-Admin-Key": ADMIN_KEY + "x"}), 403, "forbidden")
    assert_error(shared_client.get(url, headers={"X-Admin-Key": key_digest(ADMIN_KEY)}), 403, "forbidden")
    assert shared_client.get(url, headers=ADMIN).status_code == 200
    assert shared_client.get(url, headers={"X-Admin-Key": ADMIN_KEY}).status_code == 200


def test_settings_reject_a_plain_key_instead_of_its_hash(hashing_index: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sha256"):
        make_settings(hashing_index, tmp_path / "f.sqlite", admin_key_sha256="my-secret-key")


# -- reindex ----------------------------------------------------------------------------------------------------


@pytest.fixture
def reindex_client(corpus_copy: Path, tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path / "index", tmp_path / "f.sqlite", corpus_dir=corpus_copy)
    with TestClient(create_app(settings)) as client:
        yield client


NEW_DOC = """# Zanzibar mangrove pilot

The Zanzibar mangrove restoration pilot protects the coastal city from storm surge and flooding.
It pairs nature-based solutions with an early warning system run by the municipality.
"""


def test_reindex_builds_swaps_and_keeps_serving(reindex_client: TestClient, corpus_copy: Path) -> None:
    client = reindex_client
    assert_error(client.get("/readyz"), 503, "index_not_built")

    first = client.post("/v1/admin/reindex", headers=ADMIN)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["swapped"] is True and body["previous_version"] is None
    assert body["version"] == body["report"]["version"] and len(body["report"]["ingested"]) == 5
    # the corpus's curated questions are indexed and reported (each embedded once, here on the first build)
    assert body["report"]["questions"] >= 3292 and body["report"]["embedded_questions"] > 0
    v1 = body["version"]
    assert client.get("/readyz").json()["index_version"] == v1

    again = client.post("/v1/admin/reindex", headers=ADMIN).json()
    assert again["swapped"] is False and again["version"] == v1 and len(again["report"]["unchanged"]) == 5

    (corpus_copy / "zanzibar-mangrove-pilot.en.md").write_text(NEW_DOC, encoding="utf-8")
    seen: list[tuple[int, str | None]] = []
    stop = threading.Event()

    def search_all_along() -> None:
        while not stop.is_set():
            r = client.post("/v1/search", json={"query": "coastal flooding early warning", "k": 3})
            seen.append((r.status_code, r.json().get("index_version")))

    reader = threading.Thread(target=search_all_along)
    reader.start()
    try:
        swapped = client.post("/v1/admin/reindex", headers=ADMIN)
    finally:
        stop.set()
        reader.join()
    assert swapped.status_code == 200, swapped.text
    body = swapped.json()
    v2 = body["version"]
    assert body["swapped"] is True and body["previous_version"] == v1 and v2 != v1
    assert body["report"]["ingested"] == ["zanzibar-mangrove-pilot.en.md"]
    assert seen and all(status == 200 for status, _ in seen)  # never a gap while swapping
    assert {v for _, v in seen} <= {v1, v2}
    hits = client.post("/v1/search", json={"query": "Zanzibar mangrove restoration pilot", "k": 1}).json()
    assert hits["index_version"] == v2 and hits["hits"][0]["source"] == "zanzibar-mangrove-pilot.en.md"

    metrics = client.get("/metrics").text
    assert 'resnav_reindex_total{outcome="swapped"} 2.0' in metrics
    assert 'resnav_reindex_total{outcome="unchanged"} 1.0' in metrics


def test_reindex_while_one_runs_is_409(reindex_client: TestClient) -> None:
    serving = reindex_client.app.state.runtime.serving  # type: ignore[attr-defined]
    with serving._reindex_lock:  # a reindex is running in this server
        error = assert_error(reindex_client.post("/v1/admin/reindex", headers=ADMIN), 409, "ingest_locked")
    assert "already running" in error["message"]
    assert 'resnav_reindex_total{outcome="ingest_locked"} 1.0' in reindex_client.get("/metrics").text


def test_reindex_needs_the_admin_key(reindex_client: TestClient) -> None:
    assert_error(reindex_client.post("/v1/admin/reindex"), 401, "unauthorized")
    assert_error(reindex_client.post("/v1/admin/reindex", headers={"X-Admin-Key": "no"}), 403, "forbidden")
    assert_error(reindex_client.get("/v1/admin/reindex", headers=ADMIN), 405, "method_not_allowed")
