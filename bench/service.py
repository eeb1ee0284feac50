"""Warm latency of search, recommend, stage and chat: in-process and over HTTP (uvicorn on 127.0.0.1).

    python -m bench.service [--repeat 3] [--http]

Builds the real index (USE model) in a temporary folder, then times each operation over the dev questions
(../shared/eval-dev when present, else a built-in list). Over HTTP, one uvicorn worker is started on a free
port in a subprocess and called sequentially with httpx (one request at a time: latency, not throughput).
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from bench.common import load_average, machine, summary, time_calls  # noqa: E402
from bench.search import ROOT, queries  # noqa: E402

SITUATIONS = [
    "We have a draft DRR strategy but no risk assessment",
    "我们有防灾减灾战略草案，但没有做过风险评估",
    "Our informal settlements lack data on land and housing",
    "我们想用基于自然的解决方案减少洪水风险",
]
STAGE_TEXTS = [
    "Our council approved the DRR strategy last month; we have a chief resilience officer but no committee.",
    "市议会上个月批准了防灾减灾战略；我们有首席抗灾官，但没有委员会。",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--http", action="store_true", help="also time the service over HTTP")
    args = ap.parse_args()

    import faiss

    faiss.omp_set_num_threads(1)
    from assistant.chat import Turn
    from assistant.roadmap import assess_stage
    from assistant.services import build_retriever, build_services
    from ingest.pipeline import ingest
    from retriever.embedders import make_embedder
    from retriever.settings import Settings

    out: dict = {"machine": machine(), "load_average_1m_start": load_average()}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings()
        settings.paths.corpus_dir = ROOT / "corpus"
        settings.paths.knowledge_dir = ROOT / "knowledge"
        settings.paths.index_dir = Path(tmp) / "index"
        embedder = make_embedder(settings.embedder)
        ingest([settings.paths.corpus_dir], settings, embedder)
        services = build_services(settings, build_retriever(settings, embedder))
        retriever, recommender, rules, assistant = (
            services.retriever,
            services.recommender,
            services.rules,
            services.assistant,
        )
        qs = queries()
        ops = {
            "search": (lambda q: retriever.search(q, 5), qs),
            "recommend": (lambda s: recommender.recommend(s, k=5), SITUATIONS),
            "stage": (lambda t: assess_stage(None, t, rules=rules), STAGE_TEXTS),
            "chat": (lambda q: assistant.reply([Turn("user", q)]), qs),
        }
        for name, (fn, inputs) in ops.items():
            for x in inputs:  # warm-up
                fn(x)
            out[f"in_process_{name}_ms"] = summary(time_calls(fn, inputs, args.repeat))

        if args.http:
            import httpx

            port = _free_port()
            env = {
                **os.environ,
                "RESNAV_PATHS__INDEX_DIR": str(settings.paths.index_dir),
                "RESNAV_PATHS__KNOWLEDGE_DIR": str(settings.paths.knowledge_dir),
                "RESNAV_API__LOAD_IN_BACKGROUND": "false",
                "RESNAV_API__RELOAD_CHECK_SECONDS": "0",
                "RESNAV_FEEDBACK__DATABASE_URL": f"sqlite:///{tmp}/feedback.sqlite",
                # One client IP sends hundreds of requests a minute: the per-IP rate limit would answer 429.
                "RESNAV_API__RATE_LIMIT_PER_MINUTE": "0",
            }
            proc = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--log-level", "warning"],
                cwd=ROOT,
                env=env,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                with httpx.Client(base_url=base, timeout=30) as client:
                    t0 = time.perf_counter()
                    while time.perf_counter() - t0 < 120:
                        try:
                            if client.get("/readyz").status_code == 200:
                                break
                        except httpx.TransportError:
                            pass
                        time.sleep(0.2)
                    out["http_start_to_ready_s"] = round(time.perf_counter() - t0, 2)
                    calls = {
                        "search": lambda q: client.post("/v1/search", json={"query": q, "k": 5}).raise_for_status(),
                        "chat": lambda q: client.post(
                            "/v1/chat", json={"messages": [{"role": "user", "content": q}]}
                        ).raise_for_status(),
                    }
                    for name, fn in calls.items():
                        for q in qs:
                            fn(q)
                        out[f"http_{name}_ms"] = summary(time_calls(fn, qs, args.repeat))
            finally:
                proc.terminate()
                proc.wait(10)
    out["load_average_1m_end"] = load_average()
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
