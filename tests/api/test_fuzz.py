"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis, in-process over ASGI).

Every operation gets up to ``MAX_EXAMPLES`` generated requests (valid and invalid), with a fixed seed, against
the real app over the real corpus indexed with the hashing embedder. Every check of schemathesis runs: no 5xx
(the only documented 5xx are 503s, which a served index never gives here), status codes and bodies as documented,
invalid input refused with a 4xx, valid input accepted. The admin key is sent so that admin operations are
reached; the index is a writable copy, since ``/v1/admin/reindex`` may run.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, seed
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import positive_data_acceptance

from api.app import create_app
from tests.api.conftest import ADMIN, make_settings

MAX_EXAMPLES = 25
SEED = 20301

# Rules across fields that the OpenAPI document cannot state: a schema-valid body that breaks one is rightly a 422,
# so "schema-valid input is accepted" is not checked there (every other check is).
CROSS_FIELD_RULES = {
    "POST /v1/stage/assess": "answers and/or a text that is not blank",
    "POST /v1/chat": "the last user message is not blank",
}

CALLS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def fuzz_app(hashing_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The ``settings`` fixture's app (hashing index of the real corpus), over a writable copy of the index."""
    base = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(hashing_index, base / "index")
    yield create_app(make_settings(base / "index", base / "feedback.sqlite"))
    from schemathesis.python import asgi  # schemathesis keeps the lifespans it started: stop ours

    asgi.shutdown_lifespans()
    print(f"\nfuzz: {len(CALLS)} operations, {sum(CALLS.values())} requests: {dict(sorted(CALLS.items()))}")


@pytest.fixture(scope="module")
def api_schema(fuzz_app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@seed(SEED)
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    CALLS[operation] += 1
    excluded = [positive_data_acceptance] if operation in CROSS_FIELD_RULES else None
    case.call_and_validate(headers=ADMIN, excluded_checks=excluded)


# -- what the fuzzer found, kept fixed (fast, not `slow`) ------------------------------------------------------
FOUND = [
    ("post", "/v1/chat", {"json": {"messages": [{"role": "user", "content": "hi"}], "stream": 0}}, 422),
    ("post", "/v1/recommend", {"json": {"situation": "flood", "themes": [3, 7.0], "k": 3.0}}, 200),
    ("post", "/v1/recommend", {"json": {"situation": "flood", "themes": [0]}}, 422),
    ("post", "/v1/stage/assess", {"json": {"answers": {"x-other": None}, "text": "我们有战略"}}, 422),
    ("post", "/v1/stage/assess", {"json": {"answers": {"01": True}}}, 422),
    ("post", "/v1/stage/assess", {"json": {"answers": {"1": True, "15": False}}}, 200),
    ("get", "/v1/admin/knowledge-gaps", {"params": {"since": "0.5"}}, 422),
    ("get", "/v1/admin/knowledge-gaps", {"params": {"since": "2000-01-01T00:00:00Z"}}, 200),
    ("get", "/v1/admin/feedback", {"params": {"since": "1700000000"}}, 422),
    ("get", "/v1/admin/feedback", {"params": {"rating": 0}}, 422),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), FOUND)
def test_fuzz_findings_stay_fixed(shared_client, method: str, path: str, kwargs: dict, status: int) -> None:  # type: ignore[no-untyped-def]
    r = getattr(shared_client, method)(path, headers=ADMIN, **kwargs)
    assert r.status_code == status, r.text


def test_openapi_states_what_validation_enforces(shared_client) -> None:  # type: ignore[no-untyped-def]
    doc = shared_client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    k = next(o for o in schemas["SearchRequest"]["properties"]["k"]["anyOf"] if o.get("type") == "integer")
    assert k["maximum"] == 50  # retrieval.max_k, a setting: a fuzzer sending k=51 found it missing
    assert schemas["RecommendRequest"]["properties"]["themes"]["items"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 12,
    }
    rating = next(p for p in doc["paths"]["/v1/admin/feedback"]["get"]["parameters"] if p["name"] == "rating")
    assert rating["schema"]["enum"] == [1, -1]
    answers = schemas["StageAssessRequest"]["properties"]["answers"]["anyOf"][0]["oneOf"]
    by_number = next(s for s in answers if s["type"] == "object")
    assert by_number["additionalProperties"] is False and list(by_number["patternProperties"]) == ["^([1-9]|1[0-5])$"]
