"""Replay labels: the exact keep/drop decision behind one of our own compressed texts.

The proxy logs ``(original, compressed)`` pairs made by our renderer
(:func:`kompress.rendering.render.render`), whose grammar makes the decision recoverable:
the compressed text is the original's lines in order, where

* a kept line is the whole input line (line mode), or the kept words of one input line
  joined as the renderer joins them (word mode: prose sentences lose words inside a line);
* a blank line is a blank input line;
* a marker line (:data:`~kompress.rendering.render.MARKER_RE`) stands for exactly the
  number of input lines its first number says (blank lines inside the run included).

:func:`replay_labels` maps every compressed line to its input line(s) in that order, one
line at a time (never a bag-of-words match), then proves the labels right by rendering them
with the real renderer and comparing with the logged text (markers compared by their line
count, since their detail comes from the structure frame). A pair that does not replay
exactly (an older format, an inserted note, a compressor that edits lines) gives ``None``:
the caller skips it rather than train on a guess.
"""

from __future__ import annotations

import numpy as np

from kompress.rendering.render import MARKER_RE, marker, render
from kompress.structure.units import line_spans, word_spans, words_to_lines


def _line_subset(text: str, starts: np.ndarray, ends: np.ndarray, a: int, b: int, ls: int, le: int,
                 target: str) -> list[int] | None:
    """Word indices in ``[a, b)`` (the words of the line ``text[ls:le]``) whose word-mode
    rendering (``render``'s ``_join_words``) is exactly ``target``; None if there is none.

    A forward search over (last kept word, characters of ``target`` matched): a word either
    follows the previous kept word directly (the original whitespace between them) or after
    dropped words (one space); the line's first word brings the line's indentation. Among
    renderings that agree, the earliest words are chosen (they are the same text, so the
    same decision as far as the pair can tell).
    """
    tail = "\r" if le > ls and text[le - 1] == "\r" else ""
    if tail:
        if not target.endswith(tail):
            return None
        target = target[: -len(tail)]
    n = len(target)
    back: dict[tuple[int, int], tuple[int, int] | None] = {}  # (word, end pos) -> previous state
    by_word: dict[int, list[int]] = {}  # word -> end positions reachable with it as the last kept
    gap: dict[int, tuple[int, int]] = {}  # end pos -> earliest (word, pos) state, words <= k-2
    for k in range(a, b):
        s, e = int(starts[k]), int(ends[k])
        found: list[int] = []
        first_piece = text[(ls if k == a else s) : e]
        if target.startswith(first_piece, 0) and (k, len(first_piece)) not in back:
            back[k, len(first_piece)] = None
            found.append(len(first_piece))
        if k - 1 >= a:  # right after the previous word: the original whitespace between them
            piece = text[int(ends[k - 1]) : e]
            for pos in by_word.get(k - 1, ()):
                if target.startswith(piece, pos) and (k, pos + len(piece)) not in back:
                    back[k, pos + len(piece)] = (k - 1, pos)
                    found.append(pos + len(piece))
        piece = " " + text[s:e]
        for pos, state in list(gap.items()):
            if target.startswith(piece, pos) and (k, pos + len(piece)) not in back:
                back[k, pos + len(piece)] = state
                found.append(pos + len(piece))
        by_word[k] = found
        if n in found:
            out, state = [], (k, n)
            while state is not None:
                out.append(state[0])
                state = back[state]
            return out[::-1]
        # Word k-1 becomes reachable for gapped continuations from word k+1 on.
        for pos in by_word.get(k - 1, ()):
            gap.setdefault(pos, (k - 1, pos))
    return None


def replay_labels(original: str, compressed: str) -> np.ndarray | None:
    """Per-word labels (int8, 1 = kept) of ``original`` that reproduce ``compressed`` exactly,
    or None when ``compressed`` is not a rendering of ``original`` in our grammar.

    No must-keep override: the labels are the logged decision, nothing added.
    """
    starts, ends = word_spans(original)
    l_starts, l_ends = line_spans(original)
    w_line = words_to_lines(starts, l_starts)
    n_lines = len(l_starts)
    first = np.searchsorted(w_line, np.arange(n_lines), side="left")
    last = np.searchsorted(w_line, np.arange(n_lines), side="right")
    keep = np.zeros(len(starts), dtype=bool)
    line_keep = np.zeros(n_lines, dtype=bool)
    whole = True  # every kept line is byte-identical to its input line (line mode)

    body = compressed
    if original.endswith("\n"):
        if compressed and not compressed.endswith("\n"):
            return None
        body = compressed[:-1] if compressed else ""
    elif compressed.endswith("\n") and compressed:
        return None
    c_lines = body.split("\n") if body else []

    li = 0  # next input line
    for c in c_lines:
        if li >= n_lines:
            return None
        ls, le = int(l_starts[li]), int(l_ends[li])
        line = original[ls:le]
        a, b = int(first[li]), int(last[li])
        if a == b:  # a blank input line: echoed, or the start of a dropped run
            if c == line:
                li += 1
                continue
        elif c == line:  # a whole kept line (a line that only looks like a marker included)
            keep[a:b] = True
            line_keep[li] = True
            li += 1
            continue
        m = MARKER_RE.match(c)
        if m:
            count = int(m.group(1))
            if count < 1 or li + count > n_lines:
                return None
            li += count
            continue
        if a == b:
            return None
        subset = _line_subset(original, starts, ends, a, b, ls, le, c)
        if subset is None:
            return None
        keep[subset] = True
        line_keep[li] = True
        whole = False
        li += 1
    if li != n_lines:
        return None
    # Proof: the real renderer, given these labels, writes the logged text (markers by count).
    rendered, _ = render(original, starts, ends, keep, l_starts, l_ends, w_line, line_keep if whole else None)
    if _plain_markers(rendered) != _plain_markers(compressed):
        return None
    return keep.astype(np.int8)


def _plain_markers(text: str) -> str:
    """``text`` with every marker line replaced by the plain marker of the same line count."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = MARKER_RE.match(line)
        if m:
            lines[i] = marker(int(m.group(1)))
    return "\n".join(lines)
