"""Math threads on the query path: one per process.

Per-request work on this hardware is faster single-threaded (a second OpenMP thread made a FAISS search over
458 vectors take 8 ms instead of 0.05 ms under load: the threads spin-wait for a core), and throughput comes
from worker processes. Entry points call ``limit_threads`` once at start-up.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)


def limit_threads(n: int = 1) -> None:
    """Cap FAISS's OpenMP threads and the BLAS pools at ``n`` for this process (idempotent)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(n))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import faiss

    faiss.omp_set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: numpy then keeps its own default
        return
    threadpool_limits(n)
