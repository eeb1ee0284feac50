"""What the routers depend on: the objects built once per app, handed out through ``Annotated`` aliases.

``Runtime`` holds everything an app builds in its lifespan: the settings, the ``ServingIndex`` (the embedding
model, the lexicon and the index version being served), the feedback store and the metrics. Routers never reach
into ``app.state``; they declare e.g. ``served: ServedDep`` or ``store: FeedbackStoreDep``.

``ServingIndex`` swaps the served version atomically: a request takes a reference to one ``Served`` (retriever
over one loaded version, with the ``Recommender`` over that retriever and the roadmap rules read with it) and keeps
it to the end, while a reindex or a reload builds the next one aside and replaces the reference in one assignment.
Readers never wait for a load and never see half of one.

A broken curated file (``catalogue_en.json``, ``roadmap.json``) does not take search down: the version is served,
and only the routes that need the broken part answer 503 ``invalid_knowledge_file`` until the next load.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from api.auth import require_admin
from api.errors import NotReady
from api.feedback import FeedbackStore
from api.metrics import IndexSnapshot, Metrics
from assistant.chat import Assistant
from assistant.exemplars import IntentExemplars, load_exemplars
from assistant.llm import make_llm
from assistant.recommend import Recommender, Taxonomy
from assistant.roadmap import RoadmapRules, load_rules
from ingest.pipeline import IngestReport, ingest, load_lexicon
from retriever.bilingual import Lexicon
from retriever.chroma import load_configured_index
from retriever.embedders import Embedder, make_embedder
from retriever.errors import IngestLocked, InvalidKnowledgeFile, ResnavError
from retriever.index import current_version_dir
from retriever.search import HybridRetriever
from retriever.settings import ApiSettings, FeedbackSettings, Settings
from retriever.threads import limit_threads

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


# One question per language through every path a request takes, so lazy state (jieba's dictionary, the encoder's
# buffers, the recommender's record tokens) is built before /readyz says 200.
WARM_UP_QUERIES = ("Which tool measures a city's disaster resilience?", "哪个工具可以衡量城市的抗灾能力？")


def _warm(served: Served) -> None:
    try:
        for query in WARM_UP_QUERIES:
            served.retriever.search(query, 5)
            if isinstance(served.recommender_or_error, Recommender):
                served.recommender_or_error.recommend(query, k=3)
    except Exception:  # a slow first request is better than a service that never says ready
        logger.exception("warm_up_failed")


@dataclass(frozen=True, slots=True)
class Served:
    """One loaded index version with the retriever over it, and what was built with it: the ``Recommender`` over
    that retriever and the roadmap rules (each, or the error that kept it from loading)."""

    retriever: HybridRetriever
    loaded_at: float
    recommender_or_error: Recommender | ResnavError | None = None
    rules_or_error: RoadmapRules | ResnavError | None = None
    llm: Any = None
    exemplars: IntentExemplars | None = None
    # built once with the version (its record names and their lookups are shared by every request)
    _assistant: Assistant | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.recommender_or_error, Recommender) and isinstance(self.rules_or_error, RoadmapRules):
            object.__setattr__(self, "_assistant", self._new_assistant())

    def _new_assistant(self) -> Assistant:
        return Assistant(self.retriever, self.recommender, self.rules, llm=self.llm, exemplars=self.exemplars)

    @property
    def recommender(self) -> Recommender:
        """The recommender of this version; raises ``invalid_knowledge_file`` when it could not be built."""
        return _built(self.recommender_or_error, "the recommender")

    @property
    def rules(self) -> RoadmapRules:
        """The roadmap rules loaded with this version; raises ``invalid_knowledge_file`` when they failed to load."""
        return _built(self.rules_or_error, "the roadmap rules")

    @property
    def assistant(self) -> Assistant:
        """The conversation over this version, built once with it; raises ``invalid_knowledge_file`` when the
        recommender or the rules could not be built."""
        return self._assistant if self._assistant is not None else self._new_assistant()

    @property
    def version(self) -> str:
        return self.retriever.index.version

    @property
    def folder(self) -> Path:
        return self.retriever.index.folder

    @property
    def chunks(self) -> int:
        return len(self.retriever.index.chunks)

    @property
    def documents(self) -> int:
        return len(self.retriever.index.documents)

    @property
    def embedder_id(self) -> str:
        return self.retriever.embedder.id


def _fresh(error: ResnavError) -> ResnavError:
    """A new exception like ``error`` (a stored exception object is not raised from several threads)."""
    return type(error)(error.message, code=error.code)


def _built(value: _T | ResnavError | None, what: str) -> _T:
    if isinstance(value, ResnavError):
        raise _fresh(value)
    if value is None:
        raise NotReady(f"{what} is not loaded")
    return value


def _build_knowledge(
    retriever: HybridRetriever, knowledge_dir: Path, corpus_dir: Path
) -> tuple[Recommender | ResnavError, RoadmapRules | ResnavError, IntentExemplars | None]:
    """The recommender over ``retriever`` and the roadmap rules, each replaced by its error when it fails, and the
    intent exemplars (None when they fail: the intent table then routes by its patterns alone)."""
    recommender: Recommender | ResnavError
    rules: RoadmapRules | ResnavError
    try:
        recommender = Recommender(retriever, Taxonomy.load(knowledge_dir))
    except ResnavError as e:
        logger.error("recommender_not_built code=%s message=%s", e.code, e.message)
        recommender = _knowledge_error(e)
    try:
        rules = load_rules(knowledge_dir, corpus_dir, embedder=retriever.embedder)  # the same reader as everywhere
    except ResnavError as e:
        logger.error("roadmap_rules_not_loaded code=%s message=%s", e.code, e.message)
        rules = _knowledge_error(e)
    try:
        exemplars = load_exemplars(knowledge_dir, retriever.embedder)
    except ResnavError as e:
        logger.error("intent_exemplars_not_loaded code=%s message=%s", e.code, e.message)
        exemplars = None
    return recommender, rules, exemplars


def _knowledge_error(error: ResnavError) -> ResnavError:
    """A curated file that is missing is a server-side problem (503), not a missing resource (404)."""
    if isinstance(error, InvalidKnowledgeFile):
        return error
    return InvalidKnowledgeFile(error.message)


class ServingIndex:
    """The embedder, the lexicon and the served index version, loaded once and swapped atomically."""

    def __init__(self, settings: Settings, api: ApiSettings) -> None:
        self.settings = settings
        self.api = api
        self.root = settings.paths.index_dir
        self._served: Served | None = None
        self._error: ResnavError | None = None
        self._embedder: Embedder | None = None
        self._lexicon: Lexicon | None = None
        self._glossary_mtime: float | None = None
        self._load_lock = threading.Lock()  # one load at a time
        self._reindex_lock = threading.Lock()  # one reindex at a time in this process
        self._failed_version: str | None = None
        self._last_check = 0.0
        self._thread: threading.Thread | None = None
        self._llm = make_llm(settings.llm)  # None unless RESNAV_LLM__ENABLED

    # -- start -----------------------------------------------------------------------------------------------
    def start(self, *, background: bool) -> None:
        """Build the model and load the index, in a thread when ``background`` (readiness says when done)."""
        if background:
            self._thread = threading.Thread(target=self._start, name="resnav-load", daemon=True)
            self._thread.start()
        else:
            self._start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background start to finish; True when it has (loaded or failed)."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _start(self) -> None:
        t0 = time.perf_counter()
        try:
            self._embedder = make_embedder(self.settings.embedder)
            self._lexicon = self._fresh_lexicon()
            # CC-CEDICT's reverse index takes ~3 s and ~60 MB to build: before ready, not in the first English query.
            self._lexicon.warm_up()
            with self._load_lock:
                served = self._load_current()
            _warm(served)
            logger.info("serving_ready version=%s seconds=%.2f", self.version, time.perf_counter() - t0)
        except ResnavError as e:
            self._error = e
            logger.warning("serving_not_ready code=%s message=%s", e.code, e.message)
        except Exception as e:  # keep the server up and saying why it is not ready
            logger.exception("serving_load_failed")
            self._error = NotReady(f"the model or the index failed to load ({type(e).__name__}); see the server log")

    # -- reading ---------------------------------------------------------------------------------------------
    @property
    def version(self) -> str | None:
        served = self._served
        return served.version if served is not None else None

    def current(self) -> Served:
        """The served version; raises ``not_ready``, ``index_not_built``, ... while there is none."""
        self.refresh_if_stale()
        served = self._served
        if served is not None:
            return served
        if self._error is not None:
            raise _fresh(self._error)
        raise NotReady("the model and the index are loading")

    def snapshot(self) -> IndexSnapshot:
        served = self._served
        if served is None:
            return IndexSnapshot(ready=False)
        return IndexSnapshot(
            ready=True,
            version=served.version,
            embedder=served.embedder_id,
            documents=served.documents,
            chunks=served.chunks,
            loaded_at=served.loaded_at,
        )

    # -- swapping --------------------------------------------------------------------------------------------
    def _fresh_lexicon(self) -> Lexicon:
        glossary = self.settings.paths.knowledge_dir / "glossary.tsv"
        mtime = glossary.stat().st_mtime if glossary.is_file() else None
        if self._lexicon is None or mtime != self._glossary_mtime:
            self._lexicon = load_lexicon(self.settings)
            self._glossary_mtime = mtime
        return self._lexicon

    def _load_current(self) -> Served:
        """Load the published version and swap it in. The caller holds ``_load_lock``."""
        if self._embedder is None:
            raise NotReady("the embedding model is not loaded")
        t0 = time.perf_counter()
        try:
            index = load_configured_index(self.settings)
            retriever = HybridRetriever(index, self._embedder, self._fresh_lexicon(), self.settings.retrieval)
        except ResnavError:
            folder = current_version_dir(self.root)
            self._failed_version = folder.name if folder is not None else None
            raise
        paths = self.settings.paths
        recommender, rules, exemplars = _build_knowledge(retriever, paths.knowledge_dir, paths.corpus_dir)
        served = Served(retriever, time.time(), recommender, rules, self._llm, exemplars)
        previous = self.version
        self._served = served  # the swap: one reference assignment
        self._error = None
        self._failed_version = None
        logger.info(
            "index_swapped previous=%s version=%s chunks=%s seconds=%.2f",
            previous,
            served.version,
            served.chunks,
            time.perf_counter() - t0,
        )
        return served

    def refresh_if_stale(self) -> None:
        """At most every ``reload_check_seconds``: if another version was published, load it in the background."""
        interval = self.api.reload_check_seconds
        if interval <= 0 or self._embedder is None or self._reindex_lock.locked():
            return
        now = time.monotonic()
        if now - self._last_check < interval:
            return
        self._last_check = now
        folder = current_version_dir(self.root)
        if folder is None or folder.name in (self.version, self._failed_version):
            return
        if not self._load_lock.acquire(blocking=False):
            return  # a load is already running
        threading.Thread(target=self._reload_in_background, name="resnav-reload", daemon=True).start()

    def _reload_in_background(self) -> None:
        try:
            self._load_current()
        except ResnavError as e:
            logger.error("index_reload_failed code=%s message=%s", e.code, e.message)
            if self._served is None:
                self._error = e
        except Exception:
            logger.exception("index_reload_failed")
        finally:
            self._load_lock.release()

    def reindex(self, paths: Sequence[Path]) -> tuple[IngestReport, str | None, bool]:
        """Ingest ``paths``, then serve the new version. Returns (report, previous version, swapped).

        Raises ``IngestLocked`` at once when a reindex runs in this server or an ingest holds the index lock.
        Until the new version is loaded, requests keep being answered from the previous one.
        """
        if not self._reindex_lock.acquire(blocking=False):
            raise IngestLocked("a reindex is already running in this server")
        try:
            if self._embedder is None:
                raise _fresh(self._error) if self._error is not None else NotReady("the model is loading")
            previous = self.version
            report = ingest(list(paths), self.settings, self._embedder)
            if report.version is not None:
                with self._load_lock:
                    if self.version != report.version:
                        self._load_current()
            return report, previous, self.version != previous
        finally:
            self._reindex_lock.release()


class Runtime:
    """Everything one app builds once: made cheaply in ``create_app``, loaded in the lifespan."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.api: ApiSettings = settings.api
        self.feedback_settings: FeedbackSettings = settings.feedback
        self.serving = ServingIndex(settings, self.api)
        self.metrics = Metrics(self.serving.snapshot)
        self.feedback: FeedbackStore | None = None

    def startup(self) -> None:
        limit_threads(self.settings.embedder.threads)
        store = FeedbackStore(self.feedback_settings.database_url)
        store.create()
        self.feedback = store
        self.serving.start(background=self.api.load_in_background)

    def shutdown(self) -> None:
        if self.feedback is not None:
            self.feedback.close()
            self.feedback = None


# -- dependencies -----------------------------------------------------------------------------------------------
# All ``async def``: they only read references (and ``current`` at most stats a file). FastAPI runs a plain ``def``
# dependency in the thread pool, one thread hop each; with five of them a search spent ~5 ms of its HTTP time
# hopping threads (bench/service.py: HTTP search p50 15 ms against 5.8 ms in-process).
async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


async def get_serving(runtime: RuntimeDep) -> ServingIndex:
    return runtime.serving


async def get_served(runtime: RuntimeDep) -> Served:
    return runtime.serving.current()


async def get_feedback_store(runtime: RuntimeDep) -> FeedbackStore:
    if runtime.feedback is None:
        raise NotReady("the feedback store is not open")
    return runtime.feedback


async def get_metrics(runtime: RuntimeDep) -> Metrics:
    return runtime.metrics


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServingDep = Annotated[ServingIndex, Depends(get_serving)]
ServedDep = Annotated[Served, Depends(get_served)]
FeedbackStoreDep = Annotated[FeedbackStore, Depends(get_feedback_store)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
AdminDep = Annotated[None, Depends(require_admin)]


async def get_recommender(served: ServedDep) -> Recommender:
    return served.recommender


async def get_roadmap_rules(served: ServedDep) -> RoadmapRules:
    return served.rules


async def get_assistant(served: ServedDep) -> Assistant:
    return served.assistant


RecommenderDep = Annotated[Recommender, Depends(get_recommender)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]
RoadmapRulesDep = Annotated[RoadmapRules, Depends(get_roadmap_rules)]
