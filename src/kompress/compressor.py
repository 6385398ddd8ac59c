"""The compressor: text -> domain -> tokens -> scores -> word/line decisions -> kept text.

Long inputs are cut into blocks at newlines (bounded memory: only per-word sums are kept
for the whole text), each block into overlapping windows of the encoder's length; every
token takes its score from the window where it sits furthest from an edge.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .domains import detect, get_domain, resolve_granularity
from .labels import coverage_guard, frame_guard, guard_line_indices, has_polarity, must_keep_mask
from .options import check_options
from .render import marker, render
from .units import LineView, line_spans, word_spans, words_to_lines
from .windows import Window, Windower

DEFAULT_MODEL_DIR = Path(__file__).parent / "default_model"


class NoTrainedModel(RuntimeError):
    """No model folder was given and no trained default model is installed."""


@dataclass
class CompressResult:
    """What :meth:`Compressor.compress` returns."""

    text: str
    keep_rate: float  # kept / total model tokens
    domain: str
    tokens_in: int
    tokens_out: int
    kept_spans: list[tuple[int, int]] = field(default_factory=list)
    granularity: str = "word"
    word_keep: np.ndarray | None = field(default=None, repr=False)  # final decision per word
    word_keep_raw: np.ndarray | None = field(default=None, repr=False)  # model alone, no guard
    word_scores: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "keep_rate": round(self.keep_rate, 4),
            "domain": self.domain,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
        }


@dataclass
class WordScores:
    starts: np.ndarray
    ends: np.ndarray
    scores: np.ndarray  # mean final score of each word's tokens
    n_tokens: np.ndarray  # model tokens per word


class Compressor:
    """Load once, compress many tool outputs."""

    def __init__(self, backend, tokenizer, config, model_dir: Path | None = None, batch_size: int = 8,
                 max_length: int | None = None) -> None:
        self.backend = backend
        self.tokenizer = tokenizer
        self.config = config
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.max_length = min(max_length or config.max_length, config.max_length)
        self.windower = Windower(tokenizer, self.max_length, config.domain_prefixes)
        self.line_score = getattr(config, "line_score", "mean")
        self.backend_name = type(backend).__name__

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | os.PathLike | None = None, backend: str = "auto", **kwargs) -> "Compressor":
        """Load a model folder (default: the trained model shipped with the package).

        ``backend``: ``"onnx"`` / ``"onnx-int8"`` run ONNX Runtime on the folder's
        ``model.onnx`` or on an export made once on first use and cached
        (``~/.cache/kompress/onnx/<model hash>/``); ``"torch"`` runs the PyTorch model;
        ``"auto"`` (default) is ONNX, int8 when the folder's evaluation validated it.
        The choice depends on the installation only, so outputs never change between runs.
        """
        import json

        from .config import KompressConfig
        from .tokenizer import load_tokenizer

        if path is None:
            path = os.environ.get("KOMPRESS_MODEL") or DEFAULT_MODEL_DIR
            if not (Path(path) / "config.json").is_file():
                raise NoTrainedModel(
                    f"no trained default model found at {path}; train one with `kompress pipeline` "
                    "or pass a model folder (--model DIR / Compressor.load(path))"
                )
        path = Path(path)
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path} is not a Kompress model folder (no config.json)")
        config = KompressConfig.from_dict(json.loads((path / "config.json").read_text()))
        backend = resolve_backend(backend, config)
        if backend == "torch":
            from .backends import TorchBackend
            from .model import KompressModel

            model = KompressModel.from_pretrained(path, merge=True)
            config, be = model.config, TorchBackend(model)
        else:
            from .backends import OnnxBackend
            from .onnx_cache import onnx_for_folder

            be = OnnxBackend(onnx_for_folder(path, int8=backend == "onnx-int8"))
        comp = cls(be, load_tokenizer(config.backbone), config, model_dir=path, **kwargs)
        comp.backend_name = backend
        return comp

    @classmethod
    def from_model(cls, model, tokenizer=None, **kwargs) -> "Compressor":
        """Wrap an in-memory :class:`KompressModel` (tests, training-time evaluation)."""
        from .backends import TorchBackend
        from .model import load_tokenizer

        return cls(TorchBackend(model), tokenizer or load_tokenizer(model.config.backbone), model.config, **kwargs)

    # ------------------------------------------------------------------ scoring
    def prefix_ids(self, domain: str) -> list[int]:
        return self.windower.prefix_ids(domain)

    def count_tokens(self, text: str, stop_at: int | None = None) -> int:
        """Model tokens of ``text`` (no specials); stops early once ``stop_at`` is reached."""
        return self.windower.count_tokens(text, stop_at)

    def score_words(self, text: str, domain: str) -> WordScores:
        """Mean final score and token count of every word of ``text``."""
        starts, ends = word_spans(text)
        sums = np.zeros(len(starts), dtype=np.float64)
        counts = np.zeros(len(starts), dtype=np.int64)
        base = self.windower.content_offset(domain)

        def run(batch: list[Window]) -> None:
            # Longest first so padding stays small; the order depends on the input only.
            batch = sorted(batch, key=lambda w: -len(w.ids))
            ids, mask, types = self.windower.assemble([w.ids for w in batch], domain)
            scores = self.backend.scores(ids, mask, types)
            for row, w in enumerate(batch):
                a, b = w.use_from, w.use_to
                np.add.at(sums, w.word_of[a:b], scores[row, base + a : base + b])
                np.add.at(counts, w.word_of[a:b], 1)

        batch: list[Window] = []
        for win in self.windower.windows(text, domain, starts):
            batch.append(win)
            if len(batch) == self.batch_size:
                run(batch)
                batch = []
        if batch:
            run(batch)
        scores = np.divide(sums, np.maximum(counts, 1))
        # Words the tokenizer maps to nothing (e.g. U+FFFD, zero-width characters) follow
        # their left neighbour, so they are never silently lost from a kept phrase.
        for i in np.flatnonzero(counts == 0):
            scores[i] = scores[i - 1] if i > 0 else (scores[counts > 0][0] if (counts > 0).any() else 1.0)
        return WordScores(starts, ends, scores.astype(np.float32), counts)

    # ------------------------------------------------------------------ compress
    def compress(
        self,
        text: str,
        domain: str | None = None,
        threshold: float | None = None,
        rate: float | None = None,
        granularity: str = "auto",
        guard: bool = True,
        min_tokens: int = 0,
        markers: bool = True,
        coverage: float | None = None,
        novelty: float | None = None,
    ) -> CompressResult:
        """Compress one tool output.

        ``threshold`` keeps units scoring above it (default: the model's, per domain when
        the model folder has calibrated ones); ``rate`` keeps
        the top fraction of words (or of tokens, by whole lines) by score instead.
        ``guard`` never drops the last line or a critical line (an error, signal, exit
        status: kept whole in either granularity), nor a must-keep word (word granularity).
        ``coverage`` (line granularity with the guard on; default: the
        model's ``coverage_floor``, 0 = off) adds dropped lines until that share of the
        text's must-keep matches (numbers, ids, paths ...) survives; ``novelty`` (same
        conditions; default: the model's calibrated ``novelty``, 0 = off) adds every
        dropped line carrying at least that many not-yet-kept must-keep values per word,
        so a log line with a new request id stays while its repeats go. Inputs under
        ``min_tokens`` model tokens come back unchanged.
        """
        check_options(threshold, rate, coverage, novelty)
        domain = domain or detect(text)
        get_domain(domain)
        gran = resolve_granularity(granularity, domain, self.config.granularity)
        if not text.strip():
            return CompressResult(text="", keep_rate=1.0, domain=domain, tokens_in=0, tokens_out=0, granularity=gran)
        if min_tokens and self.count_tokens(text, stop_at=min_tokens) < min_tokens:
            n = self.count_tokens(text)
            return CompressResult(text, 1.0, domain, n, n, [(0, len(text))], gran)
        return self.decide(text, self.score_words(text, domain), domain, threshold, rate, gran, guard, markers, coverage,
                           novelty)

    def decide(
        self,
        text: str,
        ws: WordScores,
        domain: str,
        threshold: float | None = None,
        rate: float | None = None,
        granularity: str = "word",
        guard: bool = True,
        markers: bool = True,
        coverage: float | None = None,
        novelty: float | None = None,
    ) -> CompressResult:
        """Turn word scores into kept words/lines and render them (no encoder work).

        Separate from :meth:`compress` so a threshold sweep scores each text once.
        ``coverage`` overrides the model's ``coverage_floor``, ``novelty`` its ``novelty``
        (0 = off).
        """
        floor = self.config.coverage_floor if coverage is None else coverage
        nov = self.config.novelty if novelty is None else novelty
        thr = self.config.threshold_for(domain) if threshold is None else threshold
        gran = resolve_granularity(granularity, domain, self.config.granularity)
        l_starts, l_ends = line_spans(text)
        w_line = words_to_lines(ws.starts, l_starts)
        line_keep = None
        if guard:
            # A line that names the problem (signal report, error, exit status) stays
            # whole: "Illegal instruction" is the crash, though neither word is must-keep;
            # so does a test session's header (which Python, which checkout).
            critical = np.zeros(len(l_starts), dtype=bool)
            critical[guard_line_indices(text, l_starts)] = True
        if gran == "word":
            raw = _select(ws.scores, np.ones_like(ws.n_tokens), thr, rate, by_count=True)
            keep = raw.copy()
            if guard:
                keep |= must_keep_mask(text, ws.starts, ws.ends)
                keep |= critical[w_line]
                # The last line is the outcome (final message, summary, exit status).
                if len(w_line):
                    keep |= w_line == w_line[-1]
        else:
            tok_per_line = np.bincount(w_line, weights=ws.n_tokens, minlength=len(l_starts))
            line_score = line_scores(ws, w_line, len(l_starts), self.line_score)
            has_words = np.bincount(w_line, minlength=len(l_starts)) > 0
            line_raw = _select(line_score, tok_per_line, thr, rate, by_count=False) & has_words
            line_keep = line_raw.copy()
            if guard:
                if has_words.any():
                    line_keep[np.flatnonzero(has_words)[-1]] = True  # the outcome, as in word mode
                line_keep |= critical & has_words
                lines = LineView(text, l_starts, l_ends)
                # In line mode a polarity word ("not", "failed") makes a line critical too.
                for li in np.flatnonzero(~line_keep & has_words):
                    if has_polarity(lines[li]):
                        line_keep[li] = True
                if 'File "' in text:
                    line_keep |= frame_guard(lines, line_keep) & has_words
                if floor or nov:
                    line_keep |= coverage_guard(lines, line_keep, floor, nov)
            raw = line_raw[w_line]
            keep = line_keep[w_line]
        if markers:
            restored = _short_dropped_runs(keep, w_line, l_starts, l_ends)
            if restored.any():
                keep = keep | restored[w_line]
                if line_keep is not None:
                    line_keep = line_keep | restored
        out, spans = render(text, ws.starts, ws.ends, keep, l_starts, l_ends, w_line, line_keep, markers)
        tokens_in = int(ws.n_tokens.sum())
        tokens_out = int(ws.n_tokens[keep].sum())
        return CompressResult(
            text=out,
            keep_rate=tokens_out / tokens_in if tokens_in else 1.0,
            domain=domain,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            kept_spans=spans,
            granularity=gran,
            word_keep=keep,
            word_keep_raw=raw,
            word_scores=ws.scores,
        )


BACKENDS = ("auto", "torch", "onnx", "onnx-int8")


def resolve_backend(name: str, config) -> str:  # type: ignore[no-untyped-def]
    """Map ``auto`` to a concrete backend for this installation and model folder."""
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {name!r}")
    if name != "auto":
        return name
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return "torch"
    return "onnx-int8" if config.extra.get("int8_ok") else "onnx"


def line_scores(ws: WordScores, w_line: np.ndarray, n_lines: int, how: str = "mean") -> np.ndarray:
    """One score per line from its words' scores (``mean`` weighs words by their tokens)."""
    if how == "mean":
        tok = np.bincount(w_line, weights=ws.n_tokens, minlength=n_lines)
        return np.divide(np.bincount(w_line, weights=ws.scores * ws.n_tokens, minlength=n_lines), np.maximum(tok, 1))
    out = np.zeros(n_lines, dtype=np.float64)
    if how == "max":
        np.maximum.at(out, w_line, ws.scores)
        return out
    if how.startswith("top"):
        k = int(how[3:])
        order = np.lexsort((-ws.scores, w_line))
        sw, sl = ws.scores[order], w_line[order]
        first = np.searchsorted(sl, sl, side="left")
        rank = np.arange(len(sl)) - first
        sel = rank < k
        cnt = np.bincount(sl[sel], minlength=n_lines)
        return np.divide(np.bincount(sl[sel], weights=sw[sel], minlength=n_lines), np.maximum(cnt, 1))
    raise ValueError(f"line_score must be 'mean', 'max' or 'topK' (e.g. 'top2'), got {how!r}")


def _short_dropped_runs(keep: np.ndarray, w_line: np.ndarray, l_starts: np.ndarray, l_ends: np.ndarray) -> np.ndarray:
    """Lines of dropped runs shorter than the marker that would replace them.

    Eliding ``},`` behind ``[... 1 line omitted ...]`` costs more than it saves, so such
    runs are kept verbatim instead (they are real lines: still faithful).
    """
    n = len(l_starts)
    has_words = np.bincount(w_line, minlength=n) > 0
    dropped = has_words & ~(np.bincount(w_line, weights=keep.astype(np.float64), minlength=n) > 0)
    restore = np.zeros(n, dtype=bool)
    i = 0
    while i < n:
        if not dropped[i]:
            i += 1
            continue
        j = last = i
        while j + 1 < n and (dropped[j + 1] or not has_words[j + 1]):
            j += 1
            if dropped[j]:
                last = j
        if l_ends[last] - l_starts[i] <= len(marker(last - i + 1)):
            restore[i : last + 1] = True
        i = last + 1
    return restore


def _select(scores: np.ndarray, weights: np.ndarray, threshold: float, rate: float | None, by_count: bool) -> np.ndarray:
    """Threshold the scores, or keep the best ``rate`` share (of units or of weight)."""
    if rate is None:
        return scores > threshold
    keep = np.zeros(len(scores), dtype=bool)
    # Stable sort on -score: ties broken by position, so the choice is deterministic.
    order = np.argsort(-scores, kind="stable")
    if by_count:
        k = int(round(rate * len(scores)))
        keep[order[:k]] = True
    else:
        budget = rate * float(weights.sum())
        cum = np.cumsum(weights[order])
        keep[order[: int(np.searchsorted(cum, budget, side="right"))]] = True
    return keep

