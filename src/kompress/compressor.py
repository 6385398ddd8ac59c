"""The compressor: text -> domain -> tokens -> scores -> word/line decisions -> kept text.

Long inputs are cut into blocks at newlines (bounded memory: only per-word sums are kept
for the whole text), each block into overlapping windows of the encoder's length; every
token takes its score from the window where it sits furthest from an edge.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kompress.decision.decide import decide
from kompress.decision.frame import Frame, build_frame, describe_run
from kompress.decision.options import CompressOptions
from kompress.decision.policy import DecisionPolicy
from kompress.rendering.render import render
from kompress.scoring.scores import WordScores
from kompress.scoring.windows import Window, Windower
from kompress.structure.binary import is_binary
from kompress.structure.domains import detect
from kompress.structure.prefixes import job_prefixes, strip_prefixes
from kompress.structure.prose import prose_share
from kompress.structure.units import LineView, line_spans, word_spans, words_to_lines

DEFAULT_MODEL_DIR = Path(__file__).parent / "default_model"
QUERY_DIR = "query"  # a model folder's companion that reads queries
MAX_SCORED_TOKENS = 2048  # a word's tokens the encoder scores; longer words are scored from these
SEEN_WINDOWS = 4096  # encoder rows remembered per call for repeated windows (bounded memory)
LINE_SCORED_TOKENS = 512  # a huge one-line input kept whole by the guard: tokens scored (for word_keep_raw)
LINE_LIMIT_CHARS = 32_000  # "huge": smaller ones are scored in full, as the evaluation's raw decisions expect
#: Tokens of one input the encoder reads at most (beyond a frame's unscored repeats): whole
#: lines from the start (3/4 of it) and from the end (1/4). The lines between are decided by the
#: frame and the guard alone (errors, signals, exit status stay; markers announce the rest), so
#: any input costs at most about this many tokens of encoder time (~0.5 s on 2 cores).
MAX_INPUT_TOKENS = 8192
#: A line holding more than 1/GIANT_LINE_SHARE of the budget is the first left unread (see :func:`unread_lines`).
GIANT_LINE_SHARE = 8
#: The same budget, halved, for running text (most of its characters in prose sentences, as
#: :func:`~kompress.structure.prose.prose_share` reads it), so that any input costs at most about
#: twice a log of its size (issue #21): what a long page of sentences loses is its middle (the
#: guard's lines in it stay, markers say what went, the original is retrievable), not a report's
#: findings or a log's records, which keep the full budget.
PROSE_INPUT_TOKENS = 4096
#: Share of characters in prose lines from which an input is running text (a --help page, its
#: option lines wrapped into sentences, reads about 0.6: its options are answers, read them).
PROSE_SHARE = 0.8
_log = logging.getLogger("kompress")


class NoTrainedModel(RuntimeError):
    """No model folder was given and no trained default model is installed."""


@dataclass
class CompressResult:
    """What :meth:`Compressor.compress` returns."""

    text: str
    keep_rate: float  # tokens_out / tokens_in
    # tokens_out: the kept tokens plus those of the markers' descriptions (a listing marker names its
    # entries); the short plain markers are not counted.
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


class Compressor:
    """Load once, compress many tool outputs."""

    def __init__(self, backend, tokenizer, config, model_dir: Path | None = None, batch_size: int = 8,
                 max_length: int | None = None, policy: DecisionPolicy | None = None) -> None:
        self.backend = backend
        self.tokenizer = tokenizer
        self.config = config
        # What the model folder says about keeping and dropping (thresholds, granularity, guards).
        self.policy = policy or DecisionPolicy.from_dict(vars(config))
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.max_length = min(max_length or config.max_length, config.max_length)
        self.windower = Windower(tokenizer, self.max_length, config.domain_prefixes,
                                 getattr(config, "max_query_tokens", 48))
        self.backend_name = type(backend).__name__
        self._companion: Compressor | None | bool = False  # False: not looked for yet

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

        from kompress.modeling.config import KompressConfig
        from kompress.scoring.tokenizer import load_tokenizer

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
        raw = json.loads((path / "config.json").read_text())
        config = KompressConfig.from_dict(raw)
        backend = resolve_backend(backend, config)
        if backend == "torch":
            from kompress.scoring.backends import TorchBackend
            from kompress.modeling.model import KompressModel

            model = KompressModel.from_pretrained(path, merge=True)
            config, be = model.config, TorchBackend(model)
        else:
            from kompress.scoring.backends import OnnxBackend
            from kompress.scoring.onnx_cache import onnx_for_folder

            be = OnnxBackend(onnx_for_folder(path, int8=backend == "onnx-int8"))
        comp = cls(be, load_tokenizer(config.backbone), config, model_dir=path,
                   policy=DecisionPolicy.from_folder(path, raw), **kwargs)
        comp.backend_name = backend
        return comp

    @classmethod
    def from_model(cls, model, tokenizer=None, **kwargs) -> "Compressor":
        """Wrap an in-memory :class:`KompressModel` (tests, training-time evaluation)."""
        from kompress.scoring.backends import TorchBackend
        from kompress.modeling.model import load_tokenizer

        return cls(TorchBackend(model), tokenizer or load_tokenizer(model.config.backbone), model.config, **kwargs)

    # ------------------------------------------------------------------ scoring
    def prefix_ids(self, domain: str) -> list[int]:
        return self.windower.prefix_ids(domain)

    def count_tokens(self, text: str, stop_at: int | None = None) -> int:
        """Model tokens of ``text`` (no specials); stops early once ``stop_at`` is reached."""
        return self.windower.count_tokens(text, stop_at)

    def score_words(self, text: str, domain: str, options: CompressOptions | None = None) -> WordScores:
        """Mean final score and token count of every word of ``text``.

        Where the decision will collapse repeats (a log's repeated records, a test run's
        ``PASSED`` runs, a listing's collapsed entries: line granularity, ``structure`` on, no
        ``rate``), only the other lines go through the encoder: the decision never keeps a
        repeat for its score, so its words get score 0 and their token counts from the
        tokenizer alone. Repetitive outputs then cost a fraction of a pass.
        """
        opts = options or CompressOptions()
        return self._score(text, domain, self._repeat_frame(text, domain, opts)[0], opts.query, cap=_cap(opts, text))

    def _score(self, text: str, domain: str, frame: Frame | None, query: str | None = None,
               limit: int | None = None, cap: int | None = None) -> WordScores:
        """Word scores, skipping the frame's repeats; ``limit``: see :meth:`_score_all`;
        ``cap``: the encoder reads at most about that many tokens (:data:`MAX_INPUT_TOKENS`)."""
        if cap is not None and limit is None and is_binary(text):
            # Binary data (an image or an archive printed to the terminal) tells neither the
            # encoder nor an agent anything: nothing of it is read, so only the guard's lines and
            # the tail can stay (as for the unread middle of an input over the budget).
            starts, ends = word_spans(text)
            return WordScores(starts, ends, np.zeros(len(starts), dtype=np.float32),
                              self.windower.word_token_counts(text, starts), unread=np.ones(len(starts), dtype=bool))
        skip = frame.repeat if frame is not None and frame.repeat.any() else None
        counts = None
        if limit is None and cap is not None and len(text) > cap:  # fewer characters: fewer tokens too
            l_starts, l_ends = line_spans(text)
            starts, _ = word_spans(text)
            counts = self.windower.word_token_counts(text, starts)
            line_tokens = np.bincount(words_to_lines(starts, l_starts), weights=counts, minlength=len(l_starts))
            if skip is None and np.count_nonzero(line_tokens) == 1:
                # One line over the budget: its first ``cap`` tokens are read, the rest follow them.
                return self._score_all(text, domain, query, limit=cap)
            unread = unread_lines(line_tokens, skip, cap)
            if unread is not None:
                ws = self._score_lines_except(text, domain, unread if skip is None else skip | unread,
                                              l_starts, l_ends, query=query, counts=counts)
                ws.unread = unread[words_to_lines(ws.starts, l_starts)]
                return ws
        if skip is not None:
            return self._score_lines_except(text, domain, skip, *line_spans(text), query=query, counts=counts)
        return self._score_all(text, domain, query, limit)

    def _repeat_frame(self, text: str, domain: str, opts: CompressOptions) -> tuple[Frame | None, bool]:
        """The structure frame when the decision will use it to skip repeats unscored: a log's
        repeated records (``templates``, queries too), and the runs of a test or build output
        (``PASSED`` lines), a listing's collapsed entries and a JSON array's collapsed items, which
        then stay only for the guard. Also whether it was built (``None`` then means the text
        has no such structure, and the decision need not look again)."""
        kind = self.policy.frame_for(domain)
        if not (opts.structure and opts.rate is None and opts.budget is None):
            return None, False
        line_mode = self.policy.granularity_for(opts.granularity, domain) == "line"
        # A table in text makes the decision line mode itself (decide.py), unless asked otherwise.
        table = kind == "table" and opts.granularity == "auto" and not opts.query
        if (kind == "templates" and (opts.query or line_mode)) or (kind in ("runs", "stack", "listing", "json") and line_mode
                                                                   and not opts.query) or table:
            l_starts, l_ends = line_spans(text)
            return build_frame(kind, text, LineView(text, l_starts, l_ends), l_starts, l_ends), True
        return None, False

    def _score_lines_except(self, text: str, domain: str, skip: np.ndarray, l_starts: np.ndarray,
                            l_ends: np.ndarray, query: str | None = None,
                            counts: np.ndarray | None = None) -> WordScores:
        """Scores of the lines not in ``skip``; skipped lines' words get score 0 and their token
        counts (``counts``: every word's, when the caller has them)."""
        starts, ends = word_spans(text)
        skipped_word = skip[words_to_lines(starts, l_starts)]
        scores = np.zeros(len(starts), dtype=np.float32)
        n_tokens = np.zeros(len(starts), dtype=np.int64)
        for rows, mask, encode in ((np.flatnonzero(~skip), ~skipped_word, True), (np.flatnonzero(skip), skipped_word, False)):
            # The lines' words in order are exactly the joined text's words.
            part = "\n".join(text[l_starts[i]:l_ends[i]] for i in rows)
            if encode:
                ws = self._score_all(part, domain, query)
                scores[mask], n_tokens[mask] = ws.scores, ws.n_tokens
            elif counts is not None:
                n_tokens[mask] = counts[mask]
            else:
                n_tokens[mask] = self.windower.word_token_counts(part, word_spans(part)[0])
        return WordScores(starts, ends, scores, n_tokens)

    def _score_all(self, text: str, domain: str, query: str | None = None, limit: int | None = None) -> WordScores:
        """Every word's mean score and token count. ``limit``: score only about the first that
        many tokens (the caller keeps every word whatever its score); the words after them take
        the score of the last scored word."""
        starts, ends = word_spans(text)
        sums = np.zeros(len(starts), dtype=np.float64)
        counts = np.zeros(len(starts), dtype=np.int64)  # tokens of each word (n_tokens)
        scored = np.zeros(len(starts), dtype=np.int64)  # of those, tokens the encoder scored
        base = self.windower.content_offset(domain, query)
        # Rows already computed in this call, by window ids: periodic text ("word word ...",
        # "[[[[...") repeats whole windows, which need one encoder row, not one each. Inputs
        # without repeated windows run exactly the batches they always did.
        seen: dict[bytes, np.ndarray] = {}

        def run(batch: list[Window]) -> None:
            # Longest first so padding stays small; the order depends on the input only.
            batch = sorted(batch, key=lambda w: -len(w.ids))
            keys = [w.ids.tobytes() for w in batch]
            todo = {k: w for k, w in zip(keys, batch) if k not in seen}
            if todo:
                ids, mask, types = self.windower.assemble([w.ids for w in todo.values()], domain, query)
                scores = self.backend.scores(ids, mask, types)
                if len(seen) + len(todo) > SEEN_WINDOWS:
                    seen.clear()
                for row, (k, w) in enumerate(todo.items()):
                    seen[k] = scores[row, base : base + len(w.ids)]
            for k, w in zip(keys, batch):
                a, b = w.use_from, w.use_to
                np.add.at(sums, w.word_of[a:b], seen[k][a:b])
                np.add.at(scored, w.word_of[a:b], 1)

        batch: list[Window] = []
        claimed = np.zeros(len(starts), dtype=np.int64)  # tokens sent (or about to be) to the encoder
        n_claimed = 0
        for win in self.windower.windows(text, domain, starts, query):
            words = win.word_of[win.use_from : win.use_to]
            np.add.at(counts, words, 1)
            # A giant word (a minified bundle, a blob, "[[[[...") is scored from its first
            # MAX_SCORED_TOKENS tokens: its mean score is settled long before its end, and
            # the rest would cost encoder time linear in its length for nothing.
            if len(words) and (claimed[words].min() >= MAX_SCORED_TOKENS or (limit is not None and n_claimed >= limit)):
                continue
            n_claimed += len(words)
            np.add.at(claimed, words, 1)
            batch.append(win)
            if len(batch) == self.batch_size:
                run(batch)
                batch = []
        if batch:
            run(batch)
        scores = np.divide(sums, np.maximum(scored, 1))
        # Words the tokenizer maps to nothing (e.g. U+FFFD, zero-width characters) follow
        # their left neighbour, so they are never silently lost from a kept phrase; so do the
        # words past ``limit``. (Without a limit, every word with tokens has scored tokens.)
        for i in np.flatnonzero(scored == 0):
            scores[i] = scores[i - 1] if i > 0 else (scores[scored > 0][0] if (scored > 0).any() else 1.0)
        return WordScores(starts, ends, scores.astype(np.float32), counts)

    # ------------------------------------------------------------------ compress
    def compress(self, text: str, options: CompressOptions | None = None, **overrides: Any) -> CompressResult:
        """Compress one tool output.

        Options (:class:`~kompress.decision.options.CompressOptions`, given as an object or as
        keywords): ``domain`` (default: detected), ``threshold`` (keep units scoring above it;
        default: the model's, per domain) or ``rate`` (keep the best share of words, or of
        tokens by whole lines), ``granularity`` (``auto``: the domain's unit), ``guard``
        (never drop the last lines, a critical line, a must-keep word), ``coverage`` and
        ``novelty`` (line mode: bring back lines carrying must-keep values; default: the
        model's), ``min_tokens`` (shorter inputs come back unchanged). A bad value raises
        :class:`~kompress.decision.options.OptionError` naming it.

        ``query`` (what the agent is after: its question, its thought before the tool call):
        the model folder's query companion (``query/``) scores every line for it and whole
        lines answering it stay, with the guard lines and markers; a folder without one
        ignores the query (logged once). ``budget``: at most that many tokens, best lines first.
        """
        opts = CompressOptions.build(options, **overrides)
        domain = opts.domain or detect(text)
        if opts.query and not self.config.query_segment:
            companion = self.query_companion()
            if companion is not None:
                return companion.compress(text, opts.replace(domain=domain))
            opts = opts.replace(query=None)
        gran = self.policy.granularity_for(opts.granularity, domain)
        if not text.strip():
            return CompressResult(text="", keep_rate=1.0, domain=domain, tokens_in=0, tokens_out=0, granularity=gran)
        if opts.min_tokens and self.count_tokens(text, stop_at=opts.min_tokens) < opts.min_tokens:
            n = self.count_tokens(text)
            return CompressResult(text, 1.0, domain, n, n, [(0, len(text))], gran)
        if opts.structure and (cut := job_prefixes(text)) is not None:
            # A parallel runner's jobs, each line behind its job's tag: read without the tags (a
            # job's test summary is a summary again), kept lines put back whole, tag and all.
            inner = strip_prefixes(text, cut)
            inner_domain = opts.domain or detect(inner)
            frame, built = self._repeat_frame(inner, inner_domain, opts)
            ws = self._score(inner, inner_domain, frame, opts.query, None, _cap(opts, inner))
            return self._decide(inner, ws, inner_domain, opts, frame, built, tagged=(text, cut))
        # Mined once: the scoring skips the log's repeats, the decision collapses them.
        frame, built = self._repeat_frame(text, domain, opts)
        # One line, the guard on, no rate, budget or query: the guard keeps the last line
        # whole, so no score can drop a word of it. A huge one (a minified bundle, a JSON
        # document on one line, a blob) is scored on its first tokens only.
        whole = (opts.guard and opts.rate is None and opts.budget is None and not opts.query
                 and len(text) > LINE_LIMIT_CHARS and "\n" not in text.rstrip("\n"))
        limit = LINE_SCORED_TOKENS if whole else None
        return self._decide(text, self._score(text, domain, frame, opts.query, limit, _cap(opts, text)), domain, opts,
                            frame, built)

    def query_companion(self) -> "Compressor | None":
        """The model that reads queries: this one when it has a query segment, else the
        folder's ``query/`` model (loaded once, same backend); ``None`` when there is none."""
        if self.config.query_segment:
            return self
        if self._companion is False:
            self._companion = None
            folder = self.model_dir / QUERY_DIR if self.model_dir is not None else None
            if folder is not None and (folder / "config.json").is_file():
                backend = self.backend_name if self.backend_name in BACKENDS else "auto"
                self._companion = Compressor.load(folder, backend=backend, batch_size=self.batch_size)
            else:
                _log.warning("model folder %s has no query companion (%s/): queries are ignored",
                             self.model_dir, QUERY_DIR)
        return self._companion  # type: ignore[return-value]

    def decide(self, text: str, ws: WordScores, domain: str, options: CompressOptions | None = None,
               **overrides: Any) -> CompressResult:
        """Decide on already scored words and render (no encoder work): a threshold sweep
        scores each text once. The decision itself is :func:`kompress.decision.decide.decide`."""
        return self._decide(text, ws, domain, CompressOptions.build(options, **overrides))

    def _decide(self, text: str, ws: WordScores, domain: str, opts: CompressOptions,
                frame: Frame | None = None, frame_known: bool = False,
                tagged: tuple[str, np.ndarray] | None = None) -> CompressResult:
        """Decide and render. ``tagged``: the original text and its lines' job-tag lengths when
        ``text`` is that text without them (the output is rendered from the original)."""
        d = decide(text, ws, domain, self.policy, opts, frame, frame_known)
        describe = None
        details: list[str] = []  # the markers' descriptions: they cost tokens too (a listing's names)
        # Under a token budget markers stay plain: their descriptions would spend the budget.
        if d.frame is not None and opts.budget is None:
            frame = d.frame

            def describe(run: list[int], n: int) -> str | None:
                detail = describe_run(frame, run, n)
                if detail:
                    details.append(detail)
                return detail
        word_keep, word_raw, word_scores = d.word_keep, d.word_keep_raw, ws.scores
        if tagged is None:
            out, spans = render(text, ws.starts, ws.ends, d.word_keep, d.line_starts, d.line_ends, d.w_line,
                                d.line_keep, opts.markers, describe)
        else:
            original, cut = tagged
            starts, ends, w_line, word_keep, word_raw, word_scores = _retag(original, cut, ws, d.w_line, d.word_keep,
                                                                             d.word_keep_raw, d.line_keep)
            o_starts, o_ends = line_spans(original)
            out, spans = render(original, starts, ends, word_keep, o_starts, o_ends, w_line, d.line_keep,
                                opts.markers, describe)
        tokens_in = int(ws.n_tokens.sum())
        tokens_out = int(ws.n_tokens[d.word_keep].sum())
        if details:
            tokens_out += self.count_tokens("\n".join(details))
        return CompressResult(
            text=out,
            keep_rate=tokens_out / tokens_in if tokens_in else 1.0,
            domain=domain,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            kept_spans=spans,
            granularity=d.granularity,
            word_keep=word_keep,
            word_keep_raw=word_raw,
            word_scores=word_scores,
        )


BACKENDS = ("auto", "torch", "onnx", "onnx-int8")


def _retag(original: str, cut: np.ndarray, ws: WordScores, w_line: np.ndarray, keep: np.ndarray, raw: np.ndarray,
           line_keep: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """The words of ``original`` (the text before its job tags were cut, ``cut[i]`` characters of
    line ``i``): the untagged text's words moved back by the tags cut before them, and each tag's
    words, kept (and scored) as their line is. Returns starts, ends, line, keep, raw keep, scores."""
    off = np.cumsum(cut)
    starts, ends = ws.starts + off[w_line], ws.ends + off[w_line]
    o_starts, _ = line_spans(original)
    n = len(o_starts)
    kept_line = np.bincount(w_line, weights=keep.astype(np.float64), minlength=n) > 0
    raw_line = np.bincount(w_line, weights=raw.astype(np.float64), minlength=n) > 0
    if line_keep is not None:
        kept_line |= line_keep[:n]
    best = np.zeros(n)
    np.maximum.at(best, w_line, ws.scores)
    tag_starts, tag_ends, tag_lines = [], [], []
    for i in np.flatnonzero(cut[:n]).tolist():
        a = int(o_starts[i])
        t_starts, t_ends = word_spans(original[a:a + int(cut[i])])
        tag_starts.extend((t_starts + a).tolist())
        tag_ends.extend((t_ends + a).tolist())
        tag_lines.extend([i] * len(t_starts))
    t_line = np.asarray(tag_lines, dtype=np.int64)
    all_starts = np.concatenate([starts, np.asarray(tag_starts, dtype=np.int64)])
    order = np.argsort(all_starts, kind="stable")
    return (all_starts[order], np.concatenate([ends, np.asarray(tag_ends, dtype=np.int64)])[order],
            np.concatenate([w_line, t_line])[order], np.concatenate([keep, kept_line[t_line]])[order],
            np.concatenate([raw, raw_line[t_line]])[order], np.concatenate([ws.scores, best[t_line]])[order])


def resolve_backend(name: str, config) -> str:  # type: ignore[no-untyped-def]
    """Map ``auto`` to a concrete backend for this installation and model folder."""
    import importlib.util

    from kompress.scoring.onnx_cache import NoRuntime

    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {name!r}")
    # find_spec, not import: the check must not pay torch's import time (seconds).
    has_torch = importlib.util.find_spec("torch") is not None
    if name == "torch" and not has_torch:
        raise NoRuntime("the torch backend needs torch, which is not installed: pip install "
                        "'kompress-agent[train]' (or use backend 'auto': ONNX Runtime, no torch)")
    if name != "auto":
        return name
    if importlib.util.find_spec("onnxruntime") is None:
        if not has_torch:
            raise NoRuntime("neither onnxruntime nor torch is installed: pip install onnxruntime "
                            "(a dependency of kompress-agent; was it removed?)")
        return "torch"
    return "onnx-int8" if config.extra.get("int8_ok") else "onnx"


def _cap(opts: CompressOptions, text: str) -> int | None:
    """The encoder's token budget for ``text`` under these options: none under a ``rate``, which
    ranks every word; :data:`PROSE_INPUT_TOKENS` for running text, else :data:`MAX_INPUT_TOKENS`."""
    if opts.rate is not None:
        return None
    # Fewer characters than the prose budget cannot hold more tokens: no need to read the lines.
    if len(text) > PROSE_INPUT_TOKENS and prose_share(text) >= PROSE_SHARE:
        return PROSE_INPUT_TOKENS
    return MAX_INPUT_TOKENS


def unread_lines(line_tokens: np.ndarray, skip: np.ndarray | None, cap: int) -> np.ndarray | None:
    """The lines the encoder does not read when an input's lines (``line_tokens`` tokens each,
    ``skip``: lines not read anyway) hold more than ``cap`` tokens: all but whole lines from the
    start up to 3/4 of ``cap`` and from the end up to 1/4. ``None`` when everything fits."""
    tokens = line_tokens if skip is None else np.where(skip, 0, line_tokens)
    if tokens.sum() <= cap:
        return None
    # A line over 1/GIANT_LINE_SHARE of the budget (zabbix_agentd -p's package list of 40,000
    # characters, a minified bundle) is left unread first, so that it does not take the budget of
    # the dozens of records around it; unless every line is such a line.
    giant = tokens > cap // GIANT_LINE_SHARE
    if giant.all():
        giant[:] = False
    rest = np.where(giant, 0, tokens)
    if rest.sum() <= cap:
        return giant & (tokens > 0)
    head = np.cumsum(rest) <= cap * 3 // 4
    tail = np.cumsum(rest[::-1])[::-1] <= cap // 4
    return (~(head | tail) | giant) & (tokens > 0)
