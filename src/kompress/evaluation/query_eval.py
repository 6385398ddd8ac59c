"""Task-conditioned evaluation: does the line that answers the agent's query survive?

Cases come from a labelled split (:func:`query_cases`): every derived question of an item,
phrased as an agent would (:mod:`kompress.data.queries`), with its evidence lines, plus
distractor queries (questions about other outputs). Systems keep whole lines:

* ``kompress``: the query companion at its calibrated thresholds (the operating point);
* at the same word budget, case by case: ``bm25`` (rank_bm25 over lines, the query's
  words), ``bm25+guard`` (the guard's lines first: errors, the last line), ``embedding``
  (cosine of query and line under the base encoder), ``agnostic`` (the query-agnostic model's
  line scores, guard lines first), ``last_lines`` and ``random_lines``.

Per system and domain: answer survival (the answer string is in the output), evidence
recall (share of evidence lines kept), word keep (kept words / words) and line fidelity
(output lines that are whole input lines). Distractor cases report word keep only.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from kompress.decision.guards import guard_line_indices
from kompress.decision.options import CompressOptions
from kompress.rendering.render import MARKER_RE, marker
from kompress.structure.units import line_spans, word_spans, words_to_lines

# Log-spaced: a fused score is a probability of "evidence line", which is rare, so they sit low.
GRID = (0.002, 0.003, 0.005, 0.007, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.9)
BASELINES = ("bm25", "bm25+guard", "embedding", "agnostic", "last_lines", "random_lines")
_WORD = re.compile(r"\w+")


@dataclass
class QueryCase:
    """One (query, output) pair; ``answer`` None for a distractor."""

    id: str
    domain: str
    text: str
    query: str
    answer: str | None
    evidence: list[int]
    item: str  # id of the output (cases of one output share its line scores)
    lines: list[str] = field(default_factory=list, repr=False)
    line_words: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)


def query_cases(examples: Iterable[dict[str, Any]], seed: int = 0, per_item: int = 5,
                distractors: float = 0.5) -> list[QueryCase]:
    """Cases from labelled examples (dicts of :class:`kompress.data.schema.Example`)."""
    from kompress.data.queries import query_examples

    out = []
    for e in query_examples(examples, seed=seed, per_item=per_item, distractors=distractors):
        q = e["questions"][0]
        item = e["id"].split("?", 1)[0]
        c = QueryCase(e["id"], e["domain"], e["text"], e["query"], q["answer"] if q["evidence_lines"] else None,
                      q["evidence_lines"], item)
        l_starts, l_ends = line_spans(c.text)
        c.lines = [c.text[a:b] for a, b in zip(l_starts, l_ends)]
        c.line_words = np.bincount(words_to_lines(word_spans(c.text)[0], l_starts), minlength=len(l_starts))
        out.append(c)
    return out


def render_lines(lines: list[str], keep: np.ndarray) -> str:
    """Kept lines in order, each run of dropped lines as one marker (the compressor's grammar)."""
    out, run = [], 0
    for line, k in zip(lines, keep):
        if k:
            if run:
                out.append(marker(run))
                run = 0
            out.append(line)
        else:
            run += 1
    if run:
        out.append(marker(run))
    return "\n".join(out)


def case_metrics(case: QueryCase, keep: np.ndarray, text: str | None = None) -> dict[str, float]:
    """Metrics of one case given its kept lines (``text``: the system's own output, for fidelity)."""
    out_text = render_lines(case.lines, keep) if text is None else text
    total = int(case.line_words.sum()) or 1
    m = {"word_keep": float(case.line_words[keep].sum()) / total}
    if text is not None:
        inputs = set(case.lines)
        got = [ln for ln in text.split("\n") if not MARKER_RE.match(ln) and ln.strip()]
        m["fidelity"] = sum(ln in inputs for ln in got) / len(got) if got else 1.0
    else:
        m["fidelity"] = 1.0
    if case.answer is not None:
        m["answer"] = float(case.answer in out_text)
        m["evidence_recall"] = float(np.mean(keep[case.evidence])) if case.evidence else 1.0
    return m


def fill(order: np.ndarray, line_words: np.ndarray, budget: int, forced: np.ndarray | None = None) -> np.ndarray:
    """``forced`` lines, then lines in ``order`` while the kept words stay within ``budget``
    (a line that does not fit is skipped; the first line always fits)."""
    keep = np.zeros(len(line_words), dtype=bool) if forced is None else forced.copy()
    used = int(line_words[keep].sum())
    for li in order:
        if keep[li] or not line_words[li]:
            continue
        if used and used + line_words[li] > budget:
            continue
        keep[li] = True
        used += int(line_words[li])
        if used >= budget:
            break
    return keep


def guard_mask(text: str, has_words: np.ndarray, domain: str | None = None) -> np.ndarray:
    """The lines of ``text`` the guard keeps whole whatever the scores (critical lines, the last
    line with words), among those with words (``has_words``, one entry per line)."""
    forced = np.zeros(len(has_words), dtype=bool)
    forced[guard_line_indices(text, line_spans(text)[0], domain)] = True
    nz = np.flatnonzero(has_words)
    if len(nz):
        forced[nz[-1]] = True
    return forced & has_words


def guard_lines(case: QueryCase) -> np.ndarray:
    """:func:`guard_mask` of a case."""
    return guard_mask(case.text, case.line_words > 0, case.domain)


def _tokens(s: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(s)]


def baseline_keeps(case: QueryCase, budget: int, agnostic_scores: np.ndarray | None,
                   embed: Callable[[list[str]], np.ndarray] | None, seed: int = 0) -> dict[str, np.ndarray]:
    """Kept lines of every baseline at ``budget`` words."""
    from rank_bm25 import BM25Okapi

    n = len(case.lines)
    pos = np.arange(n)
    out: dict[str, np.ndarray] = {}
    toks = [_tokens(ln) or ["\u2205"] for ln in case.lines]
    bm = BM25Okapi(toks).get_scores(_tokens(case.query))
    order = np.lexsort((pos, -bm))
    out["bm25"] = fill(order, case.line_words, budget)
    forced = guard_lines(case)
    out["bm25+guard"] = fill(order, case.line_words, budget, forced)
    if embed is not None:
        vec = embed([case.query] + case.lines)
        sim = vec[1:] @ vec[0]
        out["embedding"] = fill(np.lexsort((pos, -sim)), case.line_words, budget)
    if agnostic_scores is not None:
        out["agnostic"] = fill(np.lexsort((pos, -agnostic_scores)), case.line_words, budget, forced)
    out["last_lines"] = fill(pos[::-1], case.line_words, budget)
    rng = np.random.default_rng([seed, zlib.crc32(case.id.encode())])
    out["random_lines"] = fill(rng.permutation(n), case.line_words, budget)
    return out


def line_keep_of(case: QueryCase, word_keep: np.ndarray) -> np.ndarray:
    """Kept lines from a result's per-word decision."""
    l_starts, _ = line_spans(case.text)
    w_line = words_to_lines(word_spans(case.text)[0], l_starts)
    return np.bincount(w_line, weights=word_keep.astype(np.float64), minlength=len(case.lines)) > 0


def summarize(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """Mean metrics per system and domain (and ``all``); distractor rows count in
    ``distractor_word_keep`` only."""
    acc: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        for dom in (r["domain"], "all"):
            a = acc[r["system"], dom]
            if r["answer"] is None:
                a["distractor_word_keep"].append(r["word_keep"])
                continue
            a["n"].append(1)
            for k in ("answer", "evidence_recall", "word_keep", "fidelity"):
                a[k].append(r[k])
    out: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for (system, dom), a in acc.items():
        out[system][dom] = {k: (len(v) if k == "n" else float(np.mean(v))) for k, v in a.items()}
    return dict(out)


def threshold_rows(companion, cases: list[QueryCase], grid: Iterable[float] = GRID,  # type: ignore[no-untyped-def]
                   progress: bool = False) -> list[dict[str, Any]]:
    """Metrics of the query companion at every threshold of ``grid`` (scored once per case)."""
    from tqdm import tqdm

    rows = []
    for c in tqdm(cases, desc="query cases", unit="case", disable=not progress):
        opts = CompressOptions(query=c.query, domain=c.domain)
        ws = companion.score_words(c.text, c.domain, opts)
        for t in grid:
            r = companion.decide(c.text, ws, c.domain, opts.replace(threshold=t))
            m = case_metrics(c, line_keep_of(c, r.word_keep), r.text)
            rows.append({"threshold": t, "domain": c.domain, "answer": m.get("answer"), **m})
    return rows


def fusion_data(companion, cases: list[QueryCase], progress: bool = False  # type: ignore[no-untyped-def]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Line features (:func:`kompress.decision.query.line_features`) and evidence labels of every
    line with words of the answerable ``cases``, for fitting the fusion."""
    from tqdm import tqdm

    from kompress.decision.query import line_features

    xs, ys = [], []
    for c in tqdm([c for c in cases if c.answer is not None], desc="fusion cases", unit="case", disable=not progress):
        ws = companion.score_words(c.text, c.domain, CompressOptions(query=c.query, domain=c.domain))
        l_starts, _ = line_spans(c.text)
        f = line_features(ws, words_to_lines(ws.starts, l_starts), c.lines, c.query, guard_lines(c))
        y = np.zeros(len(c.lines))
        y[c.evidence] = 1
        m = c.line_words > 0
        xs.append(f[m])
        ys.append(y[m])
    return np.concatenate(xs), np.concatenate(ys)


def choose_thresholds(rows: list[dict[str, Any]], min_answer: float) -> dict[str, float]:
    """Per domain, the highest threshold whose answer survival is at least ``min_answer``
    (the lowest of the grid when none is)."""
    by: dict[tuple[str, float], list[float]] = defaultdict(list)
    for r in rows:
        if r["answer"] is not None:
            by[r["domain"], r["threshold"]].append(r["answer"])
    out: dict[str, float] = {}
    for dom in sorted({d for d, _ in by}):
        ok = [t for (d, t), v in by.items() if d == dom and np.mean(v) >= min_answer]
        out[dom] = max(ok) if ok else min(t for (d, _t), _ in by.items() if d == dom for t in [_t])
    return out
