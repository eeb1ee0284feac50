"""Sentence alignment of a text with its official translation: which sentences of one say what which sentences
of the other say, so a passage in one language can be shown in the other.

- :func:`split_sentences` (from :mod:`retriever.sentences`, the one rule of sentence ends) cuts a range of a text
  into sentence and list-item spans (Chinese and English end punctuation, never across a line break).
- :func:`language_halves` finds the two halves of a file holding a text followed by its translation.
- :func:`align` aligns two sequences of sentences into :class:`Bead` s: banded dynamic programming in the
  Gale-Church / vecalign family (semantic similarity of the beads' joined texts, a length model fitted on the
  data, shared numbers and acronyms), then a recovery pass for tables and figures placed elsewhere.
- :func:`align_texts` does all of it for a text and its translation (two files, or two ranges of one), with an
  embedder (:func:`embedding_similarity`); :func:`align_halves` for a bilingual file.

Method, parameters and the measured precision: docs/alignment.md. Nothing here reads files or knows a document.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ingest.normalize import normalize_for_matching
from retriever.language import HAN
from retriever.sentences import CITATION, CLOSERS, split_sentences

__all__ = [
    "AlignParams",
    "Bead",
    "Pair",
    "Similarity",
    "align",
    "align_halves",
    "align_texts",
    "embedding_similarity",
    "language_halves",
    "split_sentences",
]

logger = logging.getLogger(__name__)

Similarity = Callable[[Sequence[str], Sequence[str]], np.ndarray]
"""``similarity(src_texts, tgt_texts)``: a ``(len(src_texts), len(tgt_texts))`` matrix of cosine similarities."""

# -- the two halves of a bilingual file ---------------------------------------------------------------------------

_HAN = HAN
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u3000\u00a0]*\n")

HALF_MAJORITY = 0.8
"""Each half must be at least this share (by weight) of paragraphs in its script."""
HALF_MIN_SHARE = 0.15
"""Each half must hold at least this share of the file's weight."""
HALF_MIN_WEIGHT = 100.0
"""Each half must weigh at least this much (about 30 Chinese characters or 100 Latin letters)."""
LATIN_PER_HAN = 3.0
"""Latin letters that carry about as much as one Han character (weights for comparing the halves' sizes)."""


def language_halves(text: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """For a file holding a text followed by its translation (English then Chinese, or the reverse), the spans
    of the two halves in file order, whitespace trimmed; None when the majority script (Han vs Latin letters) of
    its paragraphs does not switch for good.

    Paragraphs are blocks between blank lines, each weighted by its letters (a Han character counts as
    :data:`LATIN_PER_HAN` Latin letters). The switch is the paragraph boundary that puts the most weight on the
    side of its majority script; it counts only when each side is at least :data:`HALF_MAJORITY` of one script
    and holds at least :data:`HALF_MIN_SHARE` of the weight. Short foreign passages (a Chinese title in an
    English report) never make a switch.
    """
    paragraphs: list[tuple[int, int, float, bool]] = []  # start, end, weight, Han majority
    pos = 0
    for m in [*_PARAGRAPH_BREAK.finditer(text), None]:
        stop = len(text) if m is None else m.start()
        block = text[pos:stop]
        han = len(_HAN.findall(block))
        latin = len(_LATIN.findall(block))
        if han + latin:
            a = pos + len(block) - len(block.lstrip())
            b = pos + len(block.rstrip())
            paragraphs.append((a, b, han * LATIN_PER_HAN + latin, han * LATIN_PER_HAN > latin))
        if m is not None:
            pos = m.end()
    if len(paragraphs) < 2:
        return None
    weights = np.array([p[2] for p in paragraphs])
    is_han = np.array([p[3] for p in paragraphs])
    han_w = np.concatenate([[0.0], np.cumsum(weights * is_han)])
    all_w = np.concatenate([[0.0], np.cumsum(weights)])
    total = all_w[-1]
    best: tuple[float, int] | None = None
    for k in range(1, len(paragraphs)):
        before, after = all_w[k], total - all_w[k]
        if min(before, after) < max(HALF_MIN_WEIGHT, HALF_MIN_SHARE * total):
            continue
        han_before = han_w[k] / before
        han_after = (han_w[-1] - han_w[k]) / after
        for first_han in (False, True):
            purity_before = han_before if first_han else 1 - han_before
            purity_after = 1 - han_after if first_han else han_after
            if min(purity_before, purity_after) < HALF_MAJORITY:
                continue
            agree = purity_before * before + purity_after * after
            if best is None or agree > best[0]:
                best = (agree, k)
    if best is None:
        return None
    k = best[1]
    return (paragraphs[0][0], paragraphs[k - 1][1]), (paragraphs[k][0], paragraphs[-1][1])


# -- alignment ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bead:
    """Units ``src`` of one side aligned with units ``tgt`` of the other: consecutive indices into the two
    sequences, one side empty for a unit left without counterpart. ``score`` is the match's margin over leaving
    its units unaligned, from 0 (barely worth aligning; always 0 for an unaligned unit) to 1 (sure)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Knobs of :func:`align`. Costs are in units of normalised dissimilarity: a bead's semantic cost is
    ``(1 - cos) / (mean 1 - cos of its sides against the other side's units nearby)``, about 1 for unrelated
    text, times the units on each side (vecalign)."""

    bead_types: tuple[tuple[int, int], ...] = ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1))
    """Matching beads allowed besides 1-0 and 0-1 (units on the src side, units on the tgt side)."""
    band: int = 30
    """Half-width, in units, of the search band around the path found at half resolution."""
    max_full_cells: int = 250_000
    """A problem with at most this many DP cells is searched whole, without a coarser pass."""
    block: int = 64
    """Source rows per call of ``similarity``."""
    skip_cost: float = 0.5
    """Cost of leaving one unit unaligned."""
    merge_cost: float = 0.35
    """Extra cost per unit beyond one on a side of a bead."""
    fragment_cost: float = 0.15
    """Cost of a bead boundary right after a unit that stops mid-sentence (a sentence cut by a page break)."""
    length_weight: float = 0.05
    """Weight of the length cost ``log(1 + delta**2 / 2)``: Gale-Church's ``delta`` (ratio and variance from the
    data) under a heavy tail, since names, numbers and headings keep their length in any language."""
    shared_weight: float = 0.2
    """Bonus per distinctive token (number, URL, e-mail, acronym) found on both sides, at most 3 counted."""
    missing_weight: float = 0.1
    """Cost per number found on one side only, at most 3 counted."""
    max_token_df: int = 3
    """A token found in more than this many units of a side is not distinctive."""
    min_score: float = 0.15
    """A bead of the monotone pass scoring below this is reported as unaligned units (the path had to go
    somewhere; a unit it was forced onto may find its counterpart in the recovery pass)."""
    recover_min_score: float = 0.5
    """Units left unaligned are aligned once more among themselves (a table or figure placed elsewhere in the
    translation); a bead found there is kept only with at least this score and contiguous sides."""


DEFAULT_PARAMS = AlignParams()
_COARSE_TYPES = ((1, 1), (1, 2), (2, 1))
"""Bead types of the half-resolution passes, which only place the band: fewer joined texts to embed."""
_RECOVERY_PARTNERS = 3
"""The recovery pass aligns each run of unaligned units with at most this many runs of the other side (the most
similar ones), and is skipped when the unaligned units make more than ``max_full_cells`` pairs."""

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_URL_OR_MAIL = re.compile(
    r"(?:https?://|www\.)[^\s<>()\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
_LATIN_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-&][A-Za-z0-9]+)*")
_CLAUSE_END = re.compile(r"[，、；,;]$")
_TRAILING_CLOSERS = re.compile(rf"(?:[{CLOSERS}]|{CITATION})+$")
_MIN_ZH_FRAGMENT = 12
"""A Chinese unit ending in a Han character continues in the next one only if it is at least this long (shorter
ones are headings, names and labels)."""


def _tokens(text: str) -> tuple[set[str], set[str]]:
    """(numbers, other distinctive tokens) of ``text``: numbers without thousands separators after NFKC folding
    (full-width and superscript digits), URLs and e-mail addresses, and acronyms (two capitals or more, or
    letters with digits), case-folded."""
    folded = unicodedata.normalize("NFKC", text)
    other = {m.group(0).rstrip(".,;:").casefold() for m in _URL_OR_MAIL.finditer(folded)}
    bare = _URL_OR_MAIL.sub(" ", folded)
    numbers = {m.group(0).replace(",", "") for m in _NUMBER.finditer(bare)}
    for tok in _LATIN_TOKEN.findall(bare):
        if sum(ch.isupper() for ch in tok) >= 2 or any(ch.isdigit() for ch in tok):
            other.add(tok.casefold())
    return numbers, other


def _weighted_length(text: str) -> float:
    """Length for the length model: Han characters count 1, other non-space characters 1 / :data:`LATIN_PER_HAN`,
    so a Chinese sentence quoting names, numbers or acronyms keeps the length ratio of the languages."""
    han = len(_HAN.findall(text))
    other = len(text) - han - sum(ch.isspace() for ch in text)
    return max(1.0 / LATIN_PER_HAN, han + other / LATIN_PER_HAN)


def _is_fragment(text: str, following: str | None) -> bool:
    """True when a unit stops mid-sentence and the next unit continues it (a sentence cut by a line or page
    break): it ends with a comma-like mark; or it ends in a letter or digit and the next unit starts with a
    lowercase Latin letter; or it is Chinese prose (a comma inside, :data:`_MIN_ZH_FRAGMENT` characters or more)
    ending in a Han character and the next unit starts with one. Table rows (with tabs) never are."""
    if following is None or "\t" in text or "\t" in following:
        return False
    body = _TRAILING_CLOSERS.sub("", text.rstrip())
    if not body:
        return False
    if _CLAUSE_END.search(body):
        return True
    last, first = body[-1], following.lstrip()[:1]
    if first.isascii() and first.isalpha() and first.islower():
        return last.isalnum()
    return bool(_HAN.match(last) and _HAN.match(first) and len(body) >= _MIN_ZH_FRAGMENT and re.search("[，、]", body))


@dataclass(slots=True)
class _Side:
    """One side at one resolution: unit texts, lengths, token ids, fragment flags."""

    texts: list[str]
    lengths: np.ndarray  # weighted characters per unit
    numbers: list[frozenset[int]]  # ids of the numbers of each unit
    distinct: list[frozenset[int]]  # ids of the distinctive tokens (numbers included) of each unit
    fragment: np.ndarray  # 1.0 where the unit stops mid-sentence

    @property
    def size(self) -> int:
        return len(self.texts)

    def text(self, end: int, k: int) -> str:
        return " ".join(self.texts[end - k : end])

    def slice(self, start: int, end: int) -> _Side:
        return _Side(
            self.texts[start:end],
            self.lengths[start:end],
            self.numbers[start:end],
            self.distinct[start:end],
            self.fragment[start:end],
        )

    def union(self, ids: list[frozenset[int]], end: int, k: int) -> frozenset[int]:
        return frozenset().union(*ids[end - k : end])


def _sides(src: Sequence[str], tgt: Sequence[str], max_df: int) -> tuple[_Side, _Side]:
    toks = [[_tokens(t) for t in side] for side in (src, tgt)]
    df: list[dict[str, int]] = [{}, {}]
    for s in (0, 1):
        for numbers, other in toks[s]:
            for tok in numbers | other:
                df[s][tok] = df[s].get(tok, 0) + 1
    vocabulary: dict[str, int] = {}
    sides = []
    for s, texts in enumerate((src, tgt)):
        unit_numbers, unit_distinct = [], []
        for numbers, other in toks[s]:
            unit_numbers.append(frozenset(vocabulary.setdefault(tok, len(vocabulary)) for tok in numbers))
            unit_distinct.append(
                frozenset(
                    vocabulary.setdefault(tok, len(vocabulary))
                    for tok in numbers | other
                    if df[0].get(tok, 0) <= max_df and df[1].get(tok, 0) <= max_df
                )
            )
        lengths = np.array([_weighted_length(t) for t in texts])
        fragment = np.array(
            [_is_fragment(t, texts[k + 1] if k + 1 < len(texts) else None) for k, t in enumerate(texts)], dtype=float
        )
        sides.append(_Side(list(texts), lengths, unit_numbers, unit_distinct, fragment))
    return sides[0], sides[1]


def align(
    src: Sequence[str],
    tgt: Sequence[str],
    similarity: Similarity | None = None,
    params: AlignParams = DEFAULT_PARAMS,
) -> list[Bead]:
    """The alignment of units ``src`` with units ``tgt`` (sentences of a text and of its translation): beads
    covering every unit of both sides once, in source order.

    Dynamic programming over beads (:attr:`AlignParams.bead_types`, plus 1-0 and 0-1) minimising the sum of bead
    costs, in the Gale-Church / vecalign family. A matching bead costs its normalised semantic dissimilarity
    (``similarity`` of the joined texts of its two sides, divided by how dissimilar each side is on average from
    the other side's units nearby, which tames sentences that resemble everything, times the units on each side
    as in vecalign), plus a Gale-Church length cost whose length ratio and variance are estimated from the data
    (a first pass without it gives the confident 1-1 beads to measure), minus a bonus for distinctive tokens on
    both sides (numbers, URLs, acronyms), plus a cost for numbers on one side only, plus small costs
    for merging units and for a bead boundary inside a sentence cut by a page break. Without ``similarity``
    only lengths and tokens count.

    The search runs inside a band of :attr:`AlignParams.band` units around the path found by aligning the two
    sides at half resolution (neighbouring units joined), recursively, so time and memory are
    O((n + m) * band) once a problem exceeds :attr:`AlignParams.max_full_cells`.

    Beads scoring below :attr:`AlignParams.min_score` are reported as unaligned units. With ``similarity``, the
    unaligned units are then matched among themselves regardless of order (a table or figure the translation
    places elsewhere breaks monotonicity): only beads of neighbouring units scoring at least
    :attr:`AlignParams.recover_min_score` are kept, so the result may cross. A recovered bead stands where its
    first source unit stood.
    """
    beads, model = _align_monotone(src, tgt, similarity, params)
    out: list[Bead] = []
    for bead in beads:
        if bead.src and bead.tgt and bead.score < params.min_score:
            out += [Bead((i,), (), 0.0) for i in bead.src] + [Bead((), (j,), 0.0) for j in bead.tgt]
        else:
            out.append(bead)
    if similarity is not None and model is not None:
        out = _recover(out, model, similarity)
    return out


def _align_monotone(
    src: Sequence[str], tgt: Sequence[str], similarity: Similarity | None, params: AlignParams
) -> tuple[list[Bead], _Model | None]:
    n, m = len(src), len(tgt)
    if n == 0 or m == 0:
        return [Bead((i,), (), 0.0) for i in range(n)] + [Bead((), (j,), 0.0) for j in range(m)], None
    lo, hi = _search_band(src, tgt, similarity, params)
    s_side, t_side = _sides(src, tgt, params.max_token_df)
    model = _Model(s_side, t_side, params)
    grid = _Grid(model, lo, hi)
    if similarity is not None:
        grid.add_similarity(similarity)
    model.use_length = similarity is None
    pairs = _dp(grid, grid.costs())
    fitted = _fit_length_model(grid, pairs)
    model.use_length = True
    if fitted:
        pairs = _dp(grid, grid.costs())
    costs = grid.costs()
    beads = []
    for (i0, i1), (j0, j1) in pairs:
        a, b = i1 - i0, j1 - j0
        score = model.score(a, b, i1, j1, costs[(a, b)][i1][j1 - lo[i1]]) if a and b else 0.0
        beads.append(Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), score))
    logger.debug(
        "aligned src=%d tgt=%d band_cells=%d ratio=%.3f variance=%.2f", n, m, grid.cells, model.ratio, model.variance
    )
    return beads, model


def _recover(beads: list[Bead], model: _Model, similarity: Similarity) -> list[Bead]:
    """Align the runs of unaligned units with each other, in any order: every pair of a source run and a target
    run is aligned by the same dynamic programming (with the whole problem's normalisers and length model),
    pairs with the largest gain over leaving their units unaligned first; beads scoring at least
    ``recover_min_score`` whose units are still free are kept. A new bead takes the place of its first source
    unit."""
    p = model.p
    free_s = {i for b in beads if not b.tgt for i in b.src}
    free_t = {j for b in beads if not b.src for j in b.tgt}
    runs_s, runs_t = _runs(free_s), _runs(free_t)
    if not runs_s or not runs_t:
        return beads
    if len(free_s) * len(free_t) > p.max_full_cells:
        logger.debug("recovery skipped: %d x %d unaligned units", len(free_s), len(free_t))
        return beads
    # Only the runs most similar to each other are aligned: the best few partners of every run, by the highest
    # cosine between their single units.
    free_s_list, free_t_list = sorted(free_s), sorted(free_t)
    unit_sims = np.asarray(
        similarity([model.s.texts[i] for i in free_s_list], [model.t.texts[j] for j in free_t_list]), float
    )
    pos_s = np.searchsorted(free_s_list, [r[0] for r in runs_s] + [free_s_list[-1] + 1])
    pos_t = np.searchsorted(free_t_list, [r[0] for r in runs_t] + [free_t_list[-1] + 1])
    best = np.array(
        [
            [unit_sims[pos_s[x] : pos_s[x + 1], pos_t[y] : pos_t[y + 1]].max() for y in range(len(runs_t))]
            for x in range(len(runs_s))
        ]
    )
    partners = _RECOVERY_PARTNERS
    chosen = {(x, int(y)) for x in range(len(runs_s)) for y in np.argsort(-best[x])[:partners]}
    chosen |= {(int(x), y) for y in range(len(runs_t)) for x in np.argsort(-best[:, y])[:partners]}
    candidates: list[tuple[float, list[Bead]]] = []
    for x, y in sorted(chosen):
        (s0, s1), (t0, t1) = runs_s[x], runs_t[y]
        sub = model.restricted(s0, s1, t0, t1)
        grid = _Grid(sub, [0] * (s1 - s0 + 1), [t1 - t0] * (s1 - s0 + 1))
        grid.add_similarity(similarity, normalise=False)
        costs = grid.costs()
        kept = []
        for (i0, i1), (j0, j1) in _dp(grid, costs):
            a, b = i1 - i0, j1 - j0
            if a and b:
                score = sub.score(a, b, i1, j1, costs[(a, b)][i1][j1])
                if score >= p.recover_min_score:
                    kept.append(Bead(tuple(range(s0 + i0, s0 + i1)), tuple(range(t0 + j0, t0 + j1)), score))
        if kept:
            candidates.append((sum(b.score * (len(b.src) + len(b.tgt)) for b in kept), kept))
    by_src: dict[int, Bead] = {}
    for _, kept in sorted(candidates, key=lambda c: -c[0]):
        for bead in kept:
            if free_s.issuperset(bead.src) and free_t.issuperset(bead.tgt):
                by_src[bead.src[0]] = bead
                free_s.difference_update(bead.src)
                free_t.difference_update(bead.tgt)
    if not by_src:
        return beads
    logger.debug("recovered %d beads outside the monotone path", len(by_src))
    out: list[Bead] = []
    for bead in beads:
        if bead.src and bead.tgt:
            out.append(bead)
        elif bead.src:
            if bead.src[0] in by_src:
                out.append(by_src[bead.src[0]])
            elif bead.src[0] in free_s:
                out.append(bead)
        elif bead.tgt[0] in free_t:
            out.append(bead)
    return out


def _runs(units: set[int]) -> list[tuple[int, int]]:
    """Maximal runs ``[start, end)`` of consecutive integers in ``units``."""
    runs: list[tuple[int, int]] = []
    for u in sorted(units):
        if runs and runs[-1][1] == u:
            runs[-1] = (runs[-1][0], u + 1)
        else:
            runs.append((u, u + 1))
    return runs


def _search_band(
    src: Sequence[str], tgt: Sequence[str], similarity: Similarity | None, params: AlignParams
) -> tuple[list[int], list[int]]:
    """Per source position ``i`` (0..n), the inclusive range ``lo[i]..hi[i]`` of target positions searched: all
    of them for a small problem, else a band around the path found at half resolution."""
    n, m = len(src), len(tgt)
    if (n + 1) * (m + 1) <= params.max_full_cells or n < 4 or m < 4:
        return [0] * (n + 1), [m] * (n + 1)
    coarse_src = [" ".join(src[k : k + 2]) for k in range(0, n, 2)]
    coarse_tgt = [" ".join(tgt[k : k + 2]) for k in range(0, m, 2)]
    coarse, _ = _align_monotone(coarse_src, coarse_tgt, similarity, replace(params, bead_types=_COARSE_TYPES))
    lo = [m + 1] * (n + 1)
    hi = [-1] * (n + 1)
    ci = cj = 0
    for bead in coarse:
        ni, nj = ci + len(bead.src), cj + len(bead.tgt)
        r0, r1 = min(2 * ci, n), min(2 * ni, n)
        c0, c1 = max(0, min(2 * cj, m) - params.band), min(m, min(2 * nj, m) + params.band)
        for r in range(max(0, r0 - params.band), min(n, r1 + params.band) + 1):
            lo[r] = min(lo[r], c0)
            hi[r] = max(hi[r], c1)
        ci, cj = ni, nj
    lo[0], hi[n] = 0, m
    lo_arr = np.minimum.accumulate(np.array(lo)[::-1])[::-1]
    hi_arr = np.maximum.accumulate(np.array(hi))
    return [int(v) for v in lo_arr], [int(v) for v in hi_arr]


class _Model:
    """The cost of a matching bead from its cosine, its units' normalisers, lengths, tokens and fragments."""

    def __init__(self, s: _Side, t: _Side, params: AlignParams) -> None:
        self.s, self.t, self.p = s, t, params
        self.sizes_s = sorted({a for a, _ in params.bead_types})
        self.sizes_t = sorted({b for _, b in params.bead_types})
        self.norm_s: dict[int, np.ndarray] = {a: np.ones(s.size + 1) for a in self.sizes_s}
        self.norm_t: dict[int, np.ndarray] = {b: np.ones(t.size + 1) for b in self.sizes_t}
        self.ratio = float(t.lengths.sum() / s.lengths.sum())
        self.variance = 6.8 * self.ratio  # Gale-Church's variance, scaled; refitted on the data
        self.use_length = True
        self.s_cum = np.concatenate([[0.0], np.cumsum(s.lengths)])
        self.t_cum = np.concatenate([[0.0], np.cumsum(t.lengths)])
        self._tables: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._column: dict[int, int] | None = None  # token id -> column of the target tables

    def restricted(self, s0: int, s1: int, t0: int, t1: int) -> _Model:
        """The model of the sub-problem ``src[s0:s1]`` x ``tgt[t0:t1]``, with this problem's normalisers and
        length model (a few leftover units are too few to estimate them)."""
        sub = _Model(self.s.slice(s0, s1), self.t.slice(t0, t1), self.p)
        sub.norm_s = {a: v[s0 : s1 + 1] for a, v in self.norm_s.items()}
        sub.norm_t = {b: v[t0 : t1 + 1] for b, v in self.norm_t.items()}
        sub.ratio, sub.variance, sub.use_length = self.ratio, self.variance, self.use_length
        return sub

    def bead_cost(self, a: int, b: int, i: int, js: np.ndarray, cos: np.ndarray | None) -> np.ndarray:
        """Costs of the beads ``src[i-a:i]`` x ``tgt[j-b:j]`` for the ends ``js`` (all >= b)."""
        s, t, p = self.s, self.t, self.p
        cost = p.merge_cost * (a + b - 2) + p.fragment_cost * (s.fragment[i - 1] + t.fragment[js - 1])
        cost = cost - self._tokens(a, b, i, js)
        if cos is not None:
            norm = (self.norm_s[a][i] + self.norm_t[b][js]) / 2
            cost = cost + (1 - np.nan_to_num(cos, nan=0.0)) / norm * (a + b) / 2
        if self.use_length:
            ls = self.s_cum[i] - self.s_cum[i - a]
            lt = self.t_cum[js] - self.t_cum[js - b]
            cost = cost + p.length_weight * np.log1p((lt - self.ratio * ls) ** 2 / (2 * self.variance * ls))
        return cost

    def score(self, a: int, b: int, i: int, j: int, cost: float) -> float:
        """A matching bead's margin over leaving its units unaligned, in [0, 1]. The boundary cost after a
        fragment is left out: it is paid whether or not the units are aligned."""
        cost -= self.p.fragment_cost * (self.s.fragment[i - 1] + self.t.fragment[j - 1])
        return float(min(1.0, max(0.0, 1.0 - cost / ((a + b) * self.p.skip_cost))))

    def _tokens(self, a: int, b: int, i: int, js: np.ndarray) -> np.ndarray:
        """Bonus for distinctive tokens on both sides minus cost of numbers on one side only, for the beads
        ``src[i-a:i]`` x ``tgt[j-b:j]``, ``j`` in ``js``: column lookups in per-size tables of the target
        side's tokens that also occur on the source side."""
        s, p = self.s, self.p
        s_num, s_dis = s.union(s.numbers, i, a), s.union(s.distinct, i, a)
        t_dis, t_num, t_num_count = self._target_tables(b)
        column = self._column or {}
        out = np.zeros(len(js))
        cols = [column[k] for k in s_dis if k in column]
        if cols:
            out += p.shared_weight * np.minimum(t_dis[js][:, cols].sum(axis=1), 3)
        inter = np.zeros(len(js))
        cols = [column[k] for k in s_num if k in column]
        if cols:
            inter = t_num[js][:, cols].sum(axis=1)
        missing = len(s_num) + t_num_count[js] - 2 * inter
        return out - p.missing_weight * np.minimum(missing, 3)

    def _target_tables(self, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For beads of ``b`` target units ending at each position: distinctive tokens and numbers as boolean
        rows over the tokens both sides have, and the count of all numbers."""
        if b not in self._tables:
            t = self.t
            if self._column is None:
                both = frozenset().union(*self.s.numbers, *self.s.distinct) & frozenset().union(*t.numbers, *t.distinct)
                self._column = {k: c for c, k in enumerate(sorted(both))}
            column = self._column
            width = len(column)
            dis = np.zeros((t.size + 1, width), dtype=bool)
            num = np.zeros((t.size + 1, width), dtype=bool)
            count = np.zeros(t.size + 1)
            for j in range(b, t.size + 1):
                numbers = t.union(t.numbers, j, b)
                count[j] = len(numbers)
                dis[j, [column[k] for k in t.union(t.distinct, j, b) if k in column]] = True
                num[j, [column[k] for k in numbers if k in column]] = True
            self._tables[b] = (dis, num, count)
        return self._tables[b]


class _Grid:
    """The banded DP grid: cosines per bead type, one array per source position ``i`` holding target positions
    ``lo[i]..hi[i]`` (a bead "ending at (i, j)" covers ``src[i-a:i]`` and ``tgt[j-b:j]``)."""

    def __init__(self, model: _Model, lo: list[int], hi: list[int]) -> None:
        self.model, self.lo, self.hi = model, lo, hi
        self.s, self.t, self.p = model.s, model.t, model.p
        self.types = model.p.bead_types
        self.cells = sum(h - low + 1 for low, h in zip(lo, hi, strict=True))
        self.sims: dict[tuple[int, int], list[np.ndarray]] | None = None

    def columns(self, i: int) -> np.ndarray:
        return np.arange(self.lo[i], self.hi[i] + 1)

    def add_similarity(self, similarity: Similarity, *, normalise: bool = True) -> None:
        """Cosines of every bead in the band, from ``similarity`` called once per block of source rows; then the
        normalisers (unless the model has them already)."""
        s, t, p, lo, hi = self.s, self.t, self.p, self.lo, self.hi
        sizes_a = sorted({*self.model.sizes_s, 1})
        sizes_b = sorted({*self.model.sizes_t, 1})
        pairs = sorted({*self.types, *((a, 1) for a in sizes_a), *((1, b) for b in sizes_b)})  # the normalisers'
        sims = {ab: [np.full(h - low + 1, np.nan) for low, h in zip(lo, hi, strict=True)] for ab in pairs}
        for r0 in range(1, s.size + 1, p.block):
            r1 = min(s.size + 1, r0 + p.block)
            c0, c1 = max(1, min(lo[r0:r1])), max(hi[r0:r1])
            skeys = [(a, i) for a in sizes_a for i in range(max(a, r0), r1)]
            tkeys = [(b, j) for b in sizes_b for j in range(max(b, c0), c1 + 1)]
            if not skeys or not tkeys:
                continue
            mat = np.asarray(similarity([s.text(i, a) for a, i in skeys], [t.text(j, b) for b, j in tkeys]), float)
            if mat.shape != (len(skeys), len(tkeys)):
                raise ValueError(f"similarity returned shape {mat.shape}, expected {(len(skeys), len(tkeys))}")
            srow = {key: r for r, key in enumerate(skeys)}
            tcol = {b: np.array([c for c, (bb, _) in enumerate(tkeys) if bb == b]) for b in sizes_b}
            for i in range(r0, r1):
                js = self.columns(i)
                for a, b in pairs:
                    if i < a or not len(tcol[b]):
                        continue
                    first = max(b, c0)
                    cols = tcol[b][np.clip(js - first, 0, len(tcol[b]) - 1)]
                    sims[(a, b)][i] = np.where(js >= first, mat[srow[(a, i)], cols], np.nan)
        self.sims = sims
        if normalise:
            self._normalisers()

    def _normalisers(self) -> None:
        """Mean dissimilarity of each bead side against the single units of the other side in the band (at
        least 4 of them; else the mean over all positions)."""
        assert self.sims is not None
        n, m = self.s.size, self.t.size
        for a in self.model.sizes_s:
            total, count = np.zeros(n + 1), np.zeros(n + 1)
            for i in range(a, n + 1):
                row = self.sims[(a, 1)][i]
                ok = np.isfinite(row)
                total[i], count[i] = np.sum(1 - row[ok]), ok.sum()
            self.model.norm_s[a] = _mean_or_fill(total, count)
        for b in self.model.sizes_t:
            total, count = np.zeros(m + 1), np.zeros(m + 1)
            for i in range(1, n + 1):
                row = self.sims[(1, b)][i]
                ok = np.isfinite(row)
                js = self.columns(i)[ok]
                total[js] += 1 - row[ok]
                count[js] += 1
            self.model.norm_t[b] = _mean_or_fill(total, count)

    def costs(self) -> dict[tuple[int, int], list[np.ndarray]]:
        """Cost of each matching bead ending at each cell (inf where the bead does not fit)."""
        out: dict[tuple[int, int], list[np.ndarray]] = {}
        for a, b in self.types:
            rows = []
            for i in range(self.s.size + 1):
                js = self.columns(i)
                row = np.full(len(js), np.inf)
                ok = js >= b
                if i >= a and ok.any():
                    cos = self.sims[(a, b)][i][ok] if self.sims is not None else None
                    row[ok] = self.model.bead_cost(a, b, i, js[ok], cos)
                rows.append(row)
            out[(a, b)] = rows
        return out


def _mean_or_fill(total: np.ndarray, count: np.ndarray, min_count: int = 4) -> np.ndarray:
    ok = count >= min_count
    out = np.full(len(total), float(total.sum() / count.sum()) if count.sum() else 1.0)
    out[ok] = total[ok] / count[ok]
    return np.maximum(out, 0.05)


def _fit_length_model(grid: _Grid, pairs: list[tuple[tuple[int, int], tuple[int, int]]]) -> bool:
    """Re-estimate the length ratio and variance from the 1-1 beads of a first alignment (the more similar half
    of them when there are similarities): the ratio of their summed lengths, and the variance from the median
    squared deviation, robust to a few wrong beads. False when there are too few beads to measure."""
    ones = [(i0, j0) for (i0, i1), (j0, j1) in pairs if i1 - i0 == 1 and j1 - j0 == 1]
    if grid.sims is not None and len(ones) >= 10:
        cos = np.array([grid.sims[(1, 1)][i + 1][j + 1 - grid.lo[i + 1]] for i, j in ones])
        ones = [pair for pair, c in zip(ones, cos, strict=True) if c >= np.median(cos)]
    if len(ones) < 5:
        return False
    ls = np.array([grid.s.lengths[i] for i, _ in ones])
    lt = np.array([grid.t.lengths[j] for _, j in ones])
    ratio = float(lt.sum() / ls.sum())
    variance = float(np.median((lt - ratio * ls) ** 2 / ls) / 0.455)  # median of chi-square(1) is 0.455
    if not (ratio > 0 and variance > 0):
        return False
    logger.debug("length model fitted on %d beads: ratio=%.3f variance=%.2f", len(ones), ratio, variance)
    grid.model.ratio, grid.model.variance = ratio, variance
    return True


def _dp(grid: _Grid, costs: dict[tuple[int, int], list[np.ndarray]]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The cheapest monotone path through the band: ``((i0, i1), (j0, j1))`` per bead, in order. Row by row,
    vectorised over the row's columns; 0-1 beads inside a row are a running minimum."""
    lo, p = grid.lo, grid.p
    n, m = grid.s.size, grid.t.size
    t_skip = p.skip_cost + p.fragment_cost * np.concatenate([[0.0], grid.t.fragment])  # 0-1 bead ending at j
    moves = [*grid.types, (1, 0)]
    total: list[np.ndarray] = []
    back: list[np.ndarray] = []
    for i in range(n + 1):
        js = grid.columns(i)
        best = np.full(len(js), np.inf)
        move = np.full(len(js), -1, dtype=np.int8)
        if i == 0 and lo[0] == 0:
            best[0] = 0.0
        for k, (a, b) in enumerate(moves):
            if i < a:
                continue
            prev = total[i - a]
            idx = js - b - lo[i - a]
            ok = (idx >= 0) & (idx < len(prev))
            step = costs[(a, b)][i] if b else p.skip_cost + p.fragment_cost * grid.s.fragment[i - 1]
            cand = np.where(ok, prev[np.clip(idx, 0, len(prev) - 1)] + step, np.inf)
            better = cand < best
            best[better] = cand[better]
            move[better] = k
        ramp = np.concatenate([[0.0], np.cumsum(t_skip[js[1:]])])
        chained = np.minimum.accumulate(best - ramp) + ramp
        chain = chained < best - 1e-9  # (a cell's own value can come back a rounding error lower)
        move[chain] = len(moves)
        total.append(np.where(chain, chained, best))
        back.append(move)
    moves.append((0, 1))
    path = []
    i, j = n, m
    while i > 0 or j > 0:
        k = int(back[i][j - lo[i]])
        if k < 0:
            raise RuntimeError(f"alignment band has no path through ({i}, {j})")
        a, b = moves[k]
        path.append(((i - a, i), (j - b, j)))
        i, j = i - a, j - b
    path.reverse()
    return path


# -- bilingual files ----------------------------------------------------------------------------------------------

_CITATION_RE = re.compile(CITATION)


def embedding_similarity(embed: Callable[[list[str]], np.ndarray]) -> Similarity:
    """A :data:`Similarity` from an embedder (``list[str] -> (n, dim)`` array of L2-normalised rows): the dot
    products of the texts' vectors. Each distinct text is embedded once, as the embedder should see it
    (:func:`ingest.normalize.normalize_for_matching`, citation superscripts removed)."""
    cache: dict[str, np.ndarray] = {}

    def vectors(texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            rows = np.asarray(embed([normalize_for_matching(_CITATION_RE.sub(" ", t)) for t in missing]), np.float32)
            cache.update(zip(missing, rows, strict=True))
        return np.stack([cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def similarity(src: Sequence[str], tgt: Sequence[str]) -> np.ndarray:
        if not src or not tgt:
            return np.zeros((len(src), len(tgt)))
        return vectors(src) @ vectors(tgt).T

    return similarity


Pair = tuple[tuple[int, int], tuple[int, int], float]
"""``(span in the source text, span in the target text, score)``: an aligned bead as offsets into the two texts."""


def align_texts(
    src_text: str,
    tgt_text: str,
    embed: Callable[[list[str]], np.ndarray],
    params: AlignParams = DEFAULT_PARAMS,
    *,
    src_range: tuple[int, int] | None = None,
    tgt_range: tuple[int, int] | None = None,
) -> list[Pair]:
    """A text and its translation aligned sentence by sentence: ``(span in src_text, span in tgt_text, score)``
    for every matched bead (a side of several sentences spans from its first to its last sentence), sorted by the
    source span. ``src_range``/``tgt_range`` restrict each side to a part of its text (the halves of one file);
    by default the whole text. ``embed`` maps texts to L2-normalised rows (``Embedder.embed_documents``).

    The one alignment path of ingest: two files declared as the same document in two languages, and the two
    halves of one file (:func:`align_halves`, which passes the same text twice), give identical pairs for
    identical sentences."""
    src = split_sentences(src_text, *(src_range or (0, len(src_text))))
    tgt = split_sentences(tgt_text, *(tgt_range or (0, len(tgt_text))))
    beads = align([src_text[a:b] for a, b in src], [tgt_text[a:b] for a, b in tgt], embedding_similarity(embed), params)
    pairs = [
        ((src[b.src[0]][0], src[b.src[-1]][1]), (tgt[b.tgt[0]][0], tgt[b.tgt[-1]][1]), b.score)
        for b in beads
        if b.src and b.tgt
    ]
    logger.info("aligned: %d + %d sentences, %d pairs", len(src), len(tgt), len(pairs))
    return sorted(pairs)


def align_halves(
    text: str, embed: Callable[[list[str]], np.ndarray], params: AlignParams = DEFAULT_PARAMS
) -> list[Pair]:
    """For a file holding a text followed by its translation: the aligned ``(span in the first half, span in the
    second half, score)`` pairs, spans as offsets into ``text`` (:func:`align_texts` on the two halves), in the
    order of the first half; empty when :func:`language_halves` finds no halves."""
    halves = language_halves(text)
    if halves is None:
        logger.info("no language switch: nothing to align")
        return []
    return align_texts(text, text, embed, params, src_range=halves[0], tgt_range=halves[1])
