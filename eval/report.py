"""The eval report: one run (optionally its ablations and a baseline run to diff against) as Markdown and HTML,
with plots (PNG, matplotlib from the ``dev`` extra; without it the report is written without plots).

Sections: provenance, headline metrics, retrieval by language and cross-lingual group and by question type, tools,
stages (with the A/B/C confusion), answers and citation precision, abstention, zh/en parity, conversations,
latency, the worst items, the ablation table, and the comparison with the baseline.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.compare import compare_runs

logger = logging.getLogger(__name__)

GROUP_ORDER = ("zh", "en-en", "en-zh", "all")
RETRIEVAL_METRICS = ("recall@5", "mrr@10", "ndcg@10")


# -- blocks ---------------------------------------------------------------------------------------------------
@dataclass
class Block:
    kind: str  # h1 h2 h3 p table img list
    text: str = ""
    rows: list[list[Any]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def _md_cell(v: Any) -> str:
    return _fmt(v).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out.append("#" * int(b.kind[1]) + " " + b.text)
        elif b.kind == "p":
            out.append(b.text)
        elif b.kind == "list":
            out.append("\n".join(f"- {i}" for i in b.items))
        elif b.kind == "img":
            out.append(f"![{b.text}]({b.items[0]})")
        elif b.kind == "table":
            out.append("| " + " | ".join(b.header) + " |")
            out.append("| " + " | ".join("---" for _ in b.header) + " |")
            out.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows)
        out.append("")
    return "\n".join(out)


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:14px}th,td{border:1px solid #ccc;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#f0f0f0}img{max-width:100%;margin:.5em 0 1.5em}
code{background:#f4f4f4;padding:0 3px}h2{border-bottom:1px solid #ddd;padding-bottom:3px;margin-top:2em}"""


def _inline(text: str) -> str:
    """Escape, then turn `code` spans into <code>."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def to_html(blocks: Sequence[Block], title: str) -> str:
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"]
    out.append(f"<style>{_CSS}</style></head><body>")
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out.append(f"<{b.kind}>{_inline(b.text)}</{b.kind}>")
        elif b.kind == "p":
            out.append(f"<p>{_inline(b.text)}</p>")
        elif b.kind == "list":
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "img":
            out.append(f"<img src='{html.escape(b.items[0])}' alt='{html.escape(b.text)}'>")
        elif b.kind == "table":
            head = "".join(f"<th>{_inline(h)}</th>" for h in b.header)
            body = "".join("<tr>" + "".join(f"<td>{_inline(_fmt(c))}</td>" for c in row) + "</tr>" for row in b.rows)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out)


# -- plots ----------------------------------------------------------------------------------------------------
class _Plots:
    """Writes PNGs next to the report; ``add`` returns the file name, or None without matplotlib."""

    def __init__(self, out_dir: Path, prefix: str) -> None:
        self.out_dir, self.prefix = out_dir, prefix
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            self.plt: Any = plt
        except ImportError:
            logger.warning("report_without_plots reason=matplotlib_missing hint=\"pip install '.[dev]'\"")
            self.plt = None

    def bars(
        self, name: str, title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]]
    ) -> str | None:
        if self.plt is None or not labels or not series:
            return None
        plt = self.plt
        fig, ax = plt.subplots(figsize=(min(11.0, max(6.0, 0.45 * len(labels) * len(series) + 2)), 4.0))
        width = 0.8 / len(series)
        for i, (label, values) in enumerate(series.items()):
            xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(labels))]
            ax.bar(xs, [v or 0.0 for v in values], width, label=label)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=20 if len(labels) > 5 else 0, ha="right" if len(labels) > 5 else "center")
        ax.set_ylim(0, 1.2)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, ncol=min(4, len(series)), loc="upper center")
        return self._save(fig, name)

    def heatmap(
        self, name: str, title: str, rows: Sequence[str], cols: Sequence[str], values: list[list[int]]
    ) -> str | None:
        if self.plt is None:
            return None
        fig, ax = self.plt.subplots(figsize=(4.2, 3.2))
        ax.imshow(values, cmap="Blues")
        ax.set_xticks(range(len(cols)))
        ax.set_xticklabels(cols)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(rows)
        ax.set_xlabel("assessed")
        ax.set_ylabel("expected")
        for r, row in enumerate(values):
            for c, v in enumerate(row):
                ax.text(c, r, str(v), ha="center", va="center")
        ax.set_title(title)
        return self._save(fig, name)

    def boxes(self, name: str, title: str, data: dict[str, Sequence[float]]) -> str | None:
        if self.plt is None or not data:
            return None
        fig, ax = self.plt.subplots(figsize=(6, 3.2))
        ax.boxplot([[1000 * s for s in v] for v in data.values()], showfliers=True)
        ax.set_xticks(range(1, len(data) + 1))
        ax.set_xticklabels(list(data))
        ax.set_yscale("log")
        ax.set_ylabel("ms (log)")
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        return self._save(fig, name)

    def _save(self, fig: Any, name: str) -> str:
        file = f"{self.prefix}-{name}.png"
        fig.tight_layout()
        fig.savefig(self.out_dir / file, dpi=110)
        self.plt.close(fig)
        return file


# -- the report -----------------------------------------------------------------------------------------------
def _pick_set(sets: dict[str, Any]) -> str:
    return "all" if "all" in sets else next(iter(sets))


def _per_set_and_lang(summary: dict, keys: list[str], labels: list[str] | None = None) -> Block:
    """A table with a row per (set, language) of ``summary[set][lang]``: its ``keys`` under ``labels``."""
    rows = [[label, lang, *(v[k] for k in keys)] for label, langs in summary.items() for lang, v in langs.items()]
    return Block("table", header=["set", "lang", *(labels or keys)], rows=rows)


def build_report(
    run: dict[str, Any],
    out_dir: Path,
    *,
    name: str = "report",
    ablations: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    worst: int = 10,
) -> list[Block]:
    """The report's blocks; plots are written to ``out_dir`` as ``<name>-*.png``."""
    plots = _Plots(out_dir, name)
    s, items = run["summary"], run["items"]
    b: list[Block] = [Block("h1", "resnav evaluation report")]

    def img(file: str | None, alt: str) -> None:
        if file:
            b.append(Block("img", alt, items=[file]))

    git = run["git"]
    commit = (git.get("commit") or "unknown")[:12] + (" + uncommitted changes" if git.get("dirty") else "")
    b.append(
        Block(
            "table",
            header=["run", ""],
            rows=[
                ["created", run["created"]],
                ["git commit", commit],
                ["embedder", run["embedder"]["id"]],
                [
                    "index",
                    f"{run['index']['version']} (chunker {run['index']['chunker']}; "
                    + ", ".join(f"{v} {k}" for k, v in (run["index"]["counts"] or {}).items())
                    + ")",
                ],
                [
                    "retrieval settings",
                    ", ".join(
                        f"{k}={v}"
                        for k, v in run["settings"]["retrieval"].items()
                        if k in ("mode", "glossary", "dictionary", "gloss_field", "questions", "prf", "rrf_k")
                    ),
                ],
                ["run time", f"{run['seconds']} s (warm-up before timing: {run.get('warmup_ms', '–')} ms)"],
            ],
        )
    )
    b.append(
        Block(
            "table",
            header=["gold file", "set", "items", "sha256"],
            rows=[
                [d["kind"] + ": " + Path(d["path"]).name, d["set"], d["n"], d["sha256"][:12]] for d in run["datasets"]
            ],
        )
    )
    b.append(
        Block(
            "table",
            header=["document", "content sha256"],
            rows=[[src, h[:16]] for src, h in sorted(run["index"]["corpus"].items())],
        )
    )

    # headline
    b.append(Block("h2", "Headline"))
    head = []
    if "retrieval" in s:
        r = s["retrieval"][_pick_set(s["retrieval"])]
        for g in GROUP_ORDER:
            if g in r:
                head.append(
                    [
                        f"retrieval {g}: R@5 / MRR@10 / nDCG@10",
                        r[g]["n"],
                        f"{r[g]['recall@5']:.3f} / {r[g]['mrr@10']:.3f} / {r[g]['ndcg@10']:.3f}",
                    ]
                )
    if "tools" in s:
        t = s["tools"][_pick_set(s["tools"])]["all"]
        head.append(["tools: hit@3 / recall@5", t["n"], f"{t['hit@3']:.3f} / {t['recall@5']:.3f}"])
    if "stages" in s:
        st = s["stages"][_pick_set(s["stages"])]
        head.append(
            [
                "stages: accuracy (ambiguous acceptable)",
                st["n"],
                f"{_fmt(st['accuracy'])} ({_fmt(st['ambiguous_acceptable'])})",
            ]
        )
    if "answers" in s:
        a = s["answers"][_pick_set(s["answers"])]["all"]
        head.append(
            ["answers: answered / cites the gold passage", a["n"], f"{_fmt(a['answered'])} / {_fmt(a['cites_gold'])}"]
        )
    if "citations" in s:
        c = s["citations"]["all"]
        head.append(["citation precision (verbatim)", c["markers"], f"{_fmt(c['precision'])} ({_fmt(c['verbatim'])})"])
    if "abstention" in s:
        ab = s["abstention"][_pick_set(s["abstention"])]["all"]
        head.append(
            ["out of scope: correct abstention (declined)", ab["n"], f"{_fmt(ab['correct'])} ({_fmt(ab['declined'])})"]
        )
    if "parity" in s:
        p = s["parity"]
        if "stages" in p:
            head.append(
                [
                    "parity: same stage zh/en (accuracy)",
                    p["stages"]["n"],
                    f"{_fmt(p['stages']['agreement'])} ({_fmt(p['stages']['accuracy'])})",
                ]
            )
        if "recommend" in p:
            head.append(["parity: top-3 tool overlap zh/en", p["recommend"]["n"], _fmt(p["recommend"]["top3_overlap"])])
        for kind, what in (("search", "top-5 passages"), ("recommend", "top-3 tools"), ("stage", "stage")):
            if kind in p.get("script", {}):
                row = p["script"][kind]
                head.append([f"parity: traditional characters get the same {what}", row["n"], _fmt(row["same"])])
    if "chat" in s:
        ch = s["chat"][_pick_set(s["chat"])]
        head.append(
            [
                "conversations: success (turns ok, intents ok)",
                ch["n"],
                f"{_fmt(ch['success'])} ({_fmt(ch['turn_success'])}, {_fmt(ch['intent_accuracy'])})",
            ]
        )
    for op, lat in s.get("latency", {}).items():
        head.append([f"latency {op}: p50 / p95 ms", lat["n"], f"{lat['p50_ms']:.1f} / {lat['p95_ms']:.1f}"])
    b.append(Block("table", header=["metric", "n", "value"], rows=head))

    # retrieval
    if "retrieval" in s:
        b.append(Block("h2", "Retrieval by language"))
        b.append(
            Block(
                "p",
                "A chunk is relevant when it comes from the item's `doc` and contains one of its anchors. "
                "Groups: `zh` Chinese questions, `en-en` English questions on the English paper, `en-zh` "
                "English questions whose answer exists only in Chinese (cross-lingual).",
            )
        )
        rows = []
        for label, groups in s["retrieval"].items():
            for g in GROUP_ORDER:
                if g in groups:
                    v = groups[g]
                    rows.append([label, g, v["n"], v["recall@5"], v["mrr@10"], v["ndcg@10"]])
        b.append(Block("table", header=["set", "group", "n", "R@5", "MRR@10", "nDCG@10"], rows=rows))
        pooled = s["retrieval"][_pick_set(s["retrieval"])]
        groups = [g for g in GROUP_ORDER if g in pooled]
        img(
            plots.bars(
                "retrieval",
                "Retrieval by group (all sets)",
                groups,
                {m: [pooled[g][m] for g in groups] for m in RETRIEVAL_METRICS},
            ),
            "retrieval by group",
        )
        b.append(Block("h3", "By question type"))
        bt = s["retrieval_by_type"]
        types = [t for t in bt if t != "all"]
        b.append(
            Block(
                "table",
                header=["type", "n", "R@5", "MRR@10", "nDCG@10"],
                rows=[[t, bt[t]["n"], bt[t]["recall@5"], bt[t]["mrr@10"], bt[t]["ndcg@10"]] for t in [*types, "all"]],
            )
        )
        img(
            plots.bars(
                "types", "Retrieval by question type", types, {m: [bt[t][m] for t in types] for m in RETRIEVAL_METRICS}
            ),
            "retrieval by type",
        )

    if "tools" in s:
        b.append(Block("h2", "Tool recommendation"))
        b.append(_per_set_and_lang(s["tools"], ["n", "hit@3", "recall@5"]))

    if "stages" in s:
        b.append(Block("h2", "Roadmap stages"))
        for label, st in s["stages"].items():
            b.append(
                Block(
                    "p",
                    f"`{label}`: accuracy {_fmt(st['accuracy'])} on clear items, ambiguous items answered "
                    f"acceptably {_fmt(st['ambiguous_acceptable'])} (n={st['n']}).",
                )
            )
            conf = st["confusion"]
            cols = ["A", "B", "C", "undecided"]
            b.append(
                Block(
                    "table",
                    header=["expected \\ assessed", *cols],
                    rows=[[e, *[conf[e][g] for g in cols]] for e in conf],
                )
            )
            img(
                plots.heatmap(
                    f"stages-{label}",
                    f"Stage confusion ({label})",
                    list(conf),
                    cols,
                    [[conf[e][g] for g in cols] for e in conf],
                ),
                "stage confusion",
            )

    if "answers" in s or "citations" in s:
        b.append(Block("h2", "Answers and citations"))
        b.append(
            Block(
                "p",
                "Every qa question is asked through `Assistant.reply`. `answered`: the reply cites "
                "something; `cites_gold`: a citation overlaps the gold anchor in the gold document. Citation "
                "precision: share of `[n]` markers whose citation is verbatim at its offsets and whose "
                "sentence carries the quote (contains it, is contained in it, or overlaps its content terms "
                "by half or more, across languages through the lexicon); see `eval/answers.py`.",
            )
        )
        if "answers" in s:
            rows = [
                [label, g, v["n"], v["answered"], v["cites_gold"], v["citation_precision"]]
                for label, groups in s["answers"].items()
                for g, v in groups.items()
            ]
            b.append(
                Block("table", header=["set", "group", "n", "answered", "cites gold", "citation precision"], rows=rows)
            )
        if "citations" in s:
            cit = s["citations"]
            b.append(
                Block(
                    "table",
                    header=["reply intent", "replies", "markers", "precision", "verbatim"],
                    rows=[[i, v["replies"], v["markers"], v["precision"], v["verbatim"]] for i, v in cit.items()],
                )
            )
            intents = [i for i in cit if i != "all"]
            img(
                plots.bars(
                    "citations",
                    "Citation precision by reply intent",
                    intents,
                    {
                        "precision": [cit[i]["precision"] for i in intents],
                        "verbatim": [cit[i]["verbatim"] for i in intents],
                    },
                ),
                "citation precision",
            )

    if "abstention" in s:
        b.append(Block("h2", "Out-of-scope questions"))
        columns = ["n", "correct", "declined"]
        b.append(_per_set_and_lang(s["abstention"], columns, ["n", "correct abstention", "declined"]))
        bad = [i for i in items.get("abstention", []) if not i["correct"]]
        if bad:
            b.append(
                Block(
                    "table",
                    header=["id", "question", "intent", "citations"],
                    rows=[[i["id"], i["question"], i["intent"], i["n_citations"]] for i in bad],
                )
            )

    if "parity" in s:
        b.append(Block("h2", "zh/en parity"))
        if items.get("parity_stages"):
            b.append(
                Block(
                    "table",
                    header=["id", "expected", "zh", "en", "same"],
                    rows=[[i["id"], i["expected"], i["zh"], i["en"], i["agree"]] for i in items["parity_stages"]],
                )
            )
        if items.get("parity_recommend"):
            b.append(
                Block(
                    "table",
                    header=["id", "top 3 (zh)", "top 3 (en)", "overlap"],
                    rows=[
                        [i["id"], ", ".join(i["zh"]), ", ".join(i["en"]), i["top3_overlap"]]
                        for i in items["parity_recommend"]
                    ],
                )
            )

    if "chat" in s:
        b.append(Block("h2", "Conversations"))
        rows = []
        for conv in items["chat"]:
            failed = [
                f"turn {t['turn']}: {c['check']} saw {c['seen']}"
                for t in conv["turns"]
                for c in t["checks"]
                if not c["ok"]
            ]
            rows.append([conv["id"], conv["title"], conv["n_replies"], conv["ok"], "; ".join(failed) or "–"])
        b.append(Block("table", header=["id", "conversation", "replies", "ok", "failed checks"], rows=rows))

    if s.get("latency"):
        b.append(Block("h2", "Latency"))
        b.append(
            Block(
                "p",
                "In-process wall time per call after one warm-up query (the first English query builds the "
                "CC-CEDICT reverse index); absolute values depend on the machine and its load.",
            )
        )
        b.append(
            Block(
                "table",
                header=["operation", "calls", "p50 ms", "p95 ms", "mean ms"],
                rows=[
                    [op, v["n"], f"{v['p50_ms']:.1f}", f"{v['p95_ms']:.1f}", f"{v['mean_ms']:.1f}"]
                    for op, v in s["latency"].items()
                ],
            )
        )
        data = {
            op: [i["seconds"] for i in items.get(part, [])]
            for op, part in (("search", "retrieval"), ("recommend", "tools"), ("chat", "answers"))
        }
        img(plots.boxes("latency", "Latency per call", {k: v for k, v in data.items() if v}), "latency")

    _worst(b, items, worst)
    if ablations:
        _ablation_section(b, ablations, plots)
    if baseline is not None:
        _baseline_section(b, baseline, run)
    return b


def _worst(b: list[Block], items: dict[str, Any], n: int) -> None:
    b.append(Block("h2", "Worst items"))
    ret = sorted(items.get("retrieval", []), key=lambda i: (i["mrr@10"], i["ndcg@10"]))[:n]
    if ret:
        b.append(Block("h3", "Retrieval (lowest MRR@10)"))
        b.append(
            Block(
                "table",
                header=["set", "id", "group", "type", "first relevant rank", "question"],
                rows=[
                    [i["set"], i["id"], i["group"], i["type"], i["first_relevant_rank"] or "> 10", i["question"]]
                    for i in ret
                ],
            )
        )
    tools = [i for i in items.get("tools", []) if i["hit@3"] < 1 or i["recall@5"] < 1]
    tools.sort(key=lambda i: (i["hit@3"], i["recall@5"]))
    if tools:
        b.append(Block("h3", "Tools (misses)"))
        b.append(
            Block(
                "table",
                header=["set", "id", "hit@3", "recall@5", "top 5", "scenario"],
                rows=[
                    [i["set"], i["id"], i["hit@3"], i["recall@5"], ", ".join(i["top"]), i["scenario"]]
                    for i in tools[:n]
                ],
            )
        )
    unanswered = [i for i in items.get("answers", []) if not i["cites_gold"]]
    if unanswered:
        b.append(
            Block(
                "h3",
                f"Answers that do not cite the gold passage ({len(unanswered)}; the first {min(n, len(unanswered))})",
            )
        )
        b.append(
            Block(
                "table",
                header=["set", "id", "intent", "citations", "question"],
                rows=[[i["set"], i["id"], i["intent"], i["n_citations"], i["question"]] for i in unanswered[:n]],
            )
        )
    fails: list[tuple[str, str, dict[str, Any]]] = []
    for part in ("answers", "abstention"):
        for i in items.get(part, []):
            fails.extend((i["id"], i["intent"], f) for f in i["failures"])
    for conv in items.get("chat", []):
        for c in conv["citations"]:
            fails.extend((conv["id"], c["intent"], f) for f in c["failures"])
    if fails:
        b.append(Block("h3", f"Unsupported citation markers ({len(fails)}; the first {min(n, len(fails))})"))
        b.append(
            Block(
                "table",
                header=["item", "intent", "reason", "support", "claim", "quote"],
                rows=[
                    [i, intent, f["reason"], f.get("support"), f["claim"], f.get("quote", "")]
                    for i, intent, f in fails[:n]
                ],
            )
        )


def ablation_rows(ablations: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The ablation table: one row per configuration, pooled over the gold sets."""
    header = [
        "configuration",
        "embedder",
        "R@5 zh",
        "R@5 en-en",
        "R@5 en-zh",
        "MRR@10 all",
        "nDCG@10 all",
        "tools hit@3",
        "search p50 ms",
    ]
    rows = []
    for c in ablations["configs"]:
        m = c["metrics"]
        rset = "all" if any(k.startswith("retrieval.all.") for k in m) else _first_set(m, "retrieval.")
        tset = "all" if any(k.startswith("tools.all.") for k in m) else _first_set(m, "tools.")
        rows.append(
            [
                c["name"],
                c["embedder"],
                m.get(f"retrieval.{rset}.zh.recall@5"),
                m.get(f"retrieval.{rset}.en-en.recall@5"),
                m.get(f"retrieval.{rset}.en-zh.recall@5"),
                m.get(f"retrieval.{rset}.all.mrr@10"),
                m.get(f"retrieval.{rset}.all.ndcg@10"),
                m.get(f"tools.{tset}.all.hit@3"),
                None if m.get("latency.search.p50_ms") is None else f"{m['latency.search.p50_ms']:.1f}",
            ]
        )
    return header, rows


def _first_set(metrics: dict[str, float], prefix: str) -> str:
    for k in metrics:
        if k.startswith(prefix):
            return k.split(".")[1]
    return "all"


def _ablation_section(b: list[Block], ablations: dict[str, Any], plots: _Plots) -> None:
    b.append(Block("h2", "Ablations"))
    b.append(
        Block(
            "p",
            "Same index and gold sets; only the retrieval settings (or the embedder, with its own "
            "index) change. Tools are recommended over each variant's retriever.",
        )
    )
    header, rows = ablation_rows(ablations)
    b.append(Block("table", header=header, rows=rows))
    b.append(Block("list", items=[f"`{c['name']}`: {c['description']}" for c in ablations["configs"]]))
    if ablations.get("skipped"):
        b.append(Block("p", "Skipped (package not installed): " + ", ".join(ablations["skipped"]) + "."))
    names = [r[0] for r in rows]
    file = plots.bars(
        "ablations",
        "Ablations: Recall@5 by group, MRR@10 (all)",
        names,
        {
            "R@5 zh": [r[2] for r in rows],
            "R@5 en-en": [r[3] for r in rows],
            "R@5 en-zh": [r[4] for r in rows],
            "MRR@10 all": [r[5] for r in rows],
        },
    )
    if file:
        b.append(Block("img", "ablations", items=[file]))


def _baseline_section(b: list[Block], baseline: dict[str, Any], run: dict[str, Any]) -> None:
    diff = compare_runs(baseline, run)
    b.append(Block("h2", "Compared with the baseline run"))
    b.append(
        Block(
            "p",
            f"Baseline: {diff['a']['created']}, commit {(diff['a']['commit'] or '?')[:12]}, "
            f"embedder {diff['a']['embedder']}.",
        )
    )
    if diff["settings"]:
        b.append(
            Block(
                "table",
                header=["setting", "baseline", "now"],
                rows=[[x["setting"], x["a"], x["b"]] for x in diff["settings"]],
            )
        )
    changed = [m for m in diff["metrics"] if not m["metric"].startswith("latency.")]
    b.append(
        Block(
            "table",
            header=["metric", "baseline", "now", "delta"],
            rows=[[m["metric"], m["a"], m["b"], m["delta"]] for m in changed] or [["(no change)", "", "", ""]],
        )
    )
    if diff["flipped"]:
        b.append(
            Block(
                "table",
                header=["part", "set", "id", "now"],
                rows=[[f["part"], f["set"], f["id"], f["now"]] for f in diff["flipped"]],
            )
        )


def write_report(
    run: dict[str, Any],
    out_dir: Path,
    *,
    name: str = "report",
    ablations: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write ``<name>.md``, ``<name>.html`` and the plots into ``out_dir``; return the two report paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    blocks = build_report(run, out_dir, name=name, ablations=ablations, baseline=baseline)
    md, page = out_dir / f"{name}.md", out_dir / f"{name}.html"
    md.write_text(to_markdown(blocks), encoding="utf-8")
    page.write_text(to_html(blocks, "resnav evaluation report"), encoding="utf-8")
    return md, page
