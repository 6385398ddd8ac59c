"""Units of decision: words (maximal runs of non-whitespace) and lines, with char offsets.

Teachers label in these units and the compressor decides in them, so training and
inference agree on what "a word" is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

WORD = re.compile(r"\S+")


def word_spans(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end char offsets of every word, as two int64 arrays."""
    spans = np.fromiter((x for m in WORD.finditer(text) for x in m.span()), dtype=np.int64)
    spans = spans.reshape(-1, 2)
    return spans[:, 0].copy(), spans[:, 1].copy()


def line_spans(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of every line (end excludes the newline)."""
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    ends = [s - 1 for s in starts[1:]] + [len(text)]
    if text.endswith("\n"):
        # The empty string after a trailing newline is not a line.
        starts.pop()
        ends.pop()
    return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)


class LineView(Sequence):
    """The lines of ``text`` given by their spans, sliced on access: rules can walk every
    line of a 10 MB output without holding a copy of each."""

    def __init__(self, text: str, starts: np.ndarray, ends: np.ndarray) -> None:
        self.text, self.starts, self.ends = text, starts, ends

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.text[self.starts[i] : self.ends[i]]


def indent_width(line: str) -> int:
    """Characters of leading whitespace of ``line`` (how deep it is indented)."""
    return len(line) - len(line.lstrip())


def words_to_lines(word_starts: np.ndarray, line_starts: np.ndarray) -> np.ndarray:
    """Index of the line holding each word."""
    return np.searchsorted(line_starts, word_starts, side="right") - 1


def line_labels(text: str, word_starts: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Every word labelled 1 when any word of its line is labelled 1 (the decision line
    granularity makes; used for training labels and for the teacher in calibration)."""
    if not len(word_starts):
        return np.zeros(0, dtype=np.int64)
    w_line = words_to_lines(word_starts, line_spans(text)[0])
    line_keep = np.bincount(w_line, weights=labels, minlength=int(w_line.max()) + 1) > 0
    return line_keep[w_line].astype(np.int64)
