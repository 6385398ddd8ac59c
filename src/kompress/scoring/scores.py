"""What scoring hands to the decision: one score and token count per word, and a line's
score from its words'."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class WordScores:
    """Per word of a text (words as :func:`kompress.structure.units.word_spans`)."""

    starts: np.ndarray
    ends: np.ndarray
    scores: np.ndarray  # mean final score of each word's tokens
    n_tokens: np.ndarray  # model tokens per word
    #: Words the encoder never read because the input was over its token budget (their score
    #: is 0); ``None`` when every word was read or skipped as a frame's repeat.
    unread: np.ndarray | None = None


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
