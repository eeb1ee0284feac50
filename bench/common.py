"""Helpers shared by the benchmarks: machine description, timing summaries."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            mem = f.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def time_calls(fn: Callable[[str], object], inputs: list[str], repeat: int = 1) -> list[float]:
    """Milliseconds per call, each input called ``repeat`` times, in order."""
    out = []
    for _ in range(repeat):
        for x in inputs:
            t = time.perf_counter()
            fn(x)
            out.append((time.perf_counter() - t) * 1000)
    return out


def summary(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)

    def pct(q: float) -> float:
        return s[min(len(s) - 1, max(0, int(round(q / 100 * len(s) + 0.5)) - 1))]

    return {"n": len(s), "p50": round(pct(50), 3), "p95": round(pct(95), 3), "mean": round(statistics.fmean(s), 3)}
