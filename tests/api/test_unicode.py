"""Unicode at the edge: text that is not valid Unicode is a 422, any valid text is served.

A lone surrogate (JSON ``"\\ud800"``) parses as a Python str that cannot be encoded as UTF-8: it must be refused
where it comes in, not fail as a 500 when the reply is encoded. Full-width forms, compatibility ideographs,
zero-width characters, emoji and mixed scripts are ordinary input.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_error

JSON = {"Content-Type": "application/json"}
SURROGATE = "\\ud800"  # as written in the JSON text: parses to a lone high surrogate

# Every free-text field of the POST routes, with a lone surrogate in it (raw JSON text, not a Python str).
SURROGATE_BODIES = {
    "search.query": ("/v1/search", f'{{"query": "flood {SURROGATE}"}}'),
    "search.filters.docs": ("/v1/search", f'{{"query": "flood", "filters": {{"docs": ["{SURROGATE}"]}}}}'),
    "search.filters.sections": ("/v1/search", '{"query": "flood", "filters": {"sections": ["\\udfff"]}}'),
    "chat.content": ("/v1/chat", f'{{"messages": [{{"role": "user", "content": "韧性{SURROGATE}"}}]}}'),
    "chat.context.value": (
        "/v1/chat",
        f'{{"messages": [{{"role": "user", "content": "hi"}}], "context": {{"x": "{SURROGATE}"}}}}',
    ),
    "chat.context.key": (
        "/v1/chat",
        f'{{"messages": [{{"role": "user", "content": "hi"}}], "context": {{"{SURROGATE}": 1}}}}',
    ),
    "chat.context.nested": (
        "/v1/chat",
        '{"messages": [{"role": "user", "content": "推荐工具"}], '
        f'"context": {{"last_recommendations": ["{SURROGATE}"], "pending_question": 3}}}}',
    ),
    "recommend.situation": ("/v1/recommend", f'{{"situation": "{SURROGATE} flood"}}'),
    "stage.text": ("/v1/stage/assess", f'{{"text": "{SURROGATE}"}}'),
    "stage.answers.key": ("/v1/stage/assess", f'{{"answers": {{"{SURROGATE}": true}}}}'),
    "feedback.comment": ("/v1/feedback", f'{{"answer_id": "x", "rating": 1, "comment": "{SURROGATE}"}}'),
}


@pytest.mark.parametrize("case", sorted(SURROGATE_BODIES))
def test_lone_surrogate_is_invalid_request(shared_client: TestClient, case: str) -> None:
    path, body = SURROGATE_BODIES[case]
    json.loads(body)  # valid JSON: the problem is the Unicode, not the syntax
    r = shared_client.post(path, content=body.encode("utf-8"), headers=JSON)
    error = assert_error(r, 422, "invalid_request")
    error["message"].encode("utf-8")  # the error itself is encodable


@pytest.mark.parametrize("path", ["/v1/search", "/v1/recommend", "/v1/stage/assess", "/v1/chat"])
def test_invalid_utf8_bytes_are_invalid_request(shared_client: TestClient, path: str) -> None:
    field = {"/v1/search": "query", "/v1/recommend": "situation", "/v1/stage/assess": "text"}.get(path)
    body = b'{"%s": "\xff\xfe flood"}' % field.encode() if field else b'{"messages": [{"content": "\xed\xa0\x80"}]}'
    assert_error(shared_client.post(path, content=body, headers=JSON), 422, "invalid_request")


TEXTS = {
    "full_width": "ＭＣＲ２０３０　韧性路线图，ｆｌｏｏｄ　ｒｉｓｋ？",
    "compat_ideographs": "\U0002f852市\uf937线图",  # 城 and 路 as CJK compatibility ideographs
    "zero_width": "韧\u200b性\u200d规划\ufeff\u2060城市",
    "emoji": "🌊🔥 flood 洪水 🏙️ 👩🏽‍🚒 risk",
    "mixed_scripts": "Résilience 城市 resilience Устойчивость مدينة 회복력 ﷺ",
    "combining": "e\u0301 cafe\u0301 韧性 a\u20dd",
    "surrogate_pair": "\U0001f30a\U0001f3d9 韧性",  # astral characters, sent escaped as valid surrogate pairs
}


def _requests(text: str) -> list[tuple[str, dict]]:
    return [
        ("/v1/search", {"query": text}),
        ("/v1/recommend", {"situation": text}),
        ("/v1/stage/assess", {"text": text}),
        ("/v1/chat", {"messages": [{"role": "user", "content": text}]}),
    ]


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_unusual_but_valid_text_is_served(shared_client: TestClient, name: str) -> None:
    for path, body in _requests(TEXTS[name]):
        raw = json.dumps(body, ensure_ascii=True)  # astral characters as \\uXXXX surrogate pairs
        r = shared_client.post(path, content=raw, headers=JSON)
        assert r.status_code == 200, (path, r.text)
        r.json()


@pytest.mark.parametrize(
    ("plain", "variant"),
    [
        ("MCR2030 韧性路线图", "ＭＣＲ２０３０　韧性路线图"),
        ("城市路线图", "\U0002f852市\uf937线图"),
        ("韧性规划城市", "韧\u200b性\u200d规划\ufeff城\u2060市"),
    ],
)
def test_variant_forms_find_what_the_plain_text_finds(shared_client: TestClient, plain: str, variant: str) -> None:
    def ids(query: str) -> list[str]:
        r = shared_client.post("/v1/search", json={"query": query})
        assert r.status_code == 200, r.text
        return [h["chunk_id"] for h in r.json()["hits"]]

    assert ids(variant) == ids(plain)


def test_only_invisible_characters_is_an_empty_query(shared_client: TestClient) -> None:
    assert_error(shared_client.post("/v1/search", json={"query": "\u200b\ufeff"}), 422, "invalid_request")
