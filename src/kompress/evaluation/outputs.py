"""What a system made of one item, in the one form every metric reads: an :class:`Output`
(compressed text, keep decision per word of :func:`kompress.structure.units.word_spans`, token
counts), built from a compressor's result or from a per-word keep decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from kompress.compressor import CompressResult
from kompress.rendering.render import render
from kompress.scoring.scores import WordScores
from kompress.structure.units import line_spans, words_to_lines


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


def render_words(text: str, starts: np.ndarray, ends: np.ndarray, keep: np.ndarray) -> str:
    """Word-granularity rendering (kept words joined, dropped lines as markers), as the
    compressor renders its word granularity: how baselines that decide per word are shown."""
    l_starts, l_ends = line_spans(text)
    w_line = words_to_lines(starts, l_starts)
    out, _ = render(text, starts, ends, keep, l_starts, l_ends, w_line)
    return out


def from_keep(text: str, ws: WordScores, keep: np.ndarray) -> Output:
    """An :class:`Output` from a keep decision per word of ``ws``, rendered by :func:`render_words`."""
    n_tok = ws.n_tokens
    return Output(render_words(text, ws.starts, ws.ends, keep), keep, int(n_tok.sum()), int(n_tok[keep].sum()))


def from_result(r: CompressResult, text: str, ws: WordScores, count_tokens: Callable[[str], int]) -> Output:
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
