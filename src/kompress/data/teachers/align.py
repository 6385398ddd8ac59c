"""Pair alignment: labels from an (original, compressed) pair, e.g. the proxy's own log.

An original word is kept (1) when it survives, in order, in the compressed text: a common
subsequence of the two word sequences, found in three steps that exploit how a compressed
text is built (kept words stay on their lines, in order; a run of dropped lines becomes one
elision marker :data:`kompress.rendering.render.MARKER_RE` that says how many):

1. anchors: lines that occur exactly once in each text and agree in order (a longest
   increasing subsequence, as in patience diff) are matched whole;
2. between two anchors, each compressed line is mapped to the next original line that
   holds its words as a subsequence; a marker ``[... N lines omitted ...]`` skips exactly
   N original lines (blank lines included), so our own renders are aligned exactly;
3. a compressed line that is no original line's subsequence (a compressor that merged or
   edited lines, an inserted note) sends the rest of that gap to word-level alignment:
   :class:`difflib.SequenceMatcher` (``autojunk=False``) while the gap is small, else a
   greedy in-order subsequence match (linear time).

Why not SequenceMatcher over everything: measured on this machine, word-level it took 44 s
for a 16k-word log compressed by words, and line-level 45-93 s for a 15k-line pretty JSON
(repeated lines make it quadratic). These steps take 10-60 ms on the same inputs
(``tests/test_teachers.py`` checks a 20k-word case against a time bound).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from difflib import SequenceMatcher

import numpy as np

from kompress.decision.mustkeep import must_keep_mask
from kompress.rendering.render import MARKER_RE
from kompress.structure.units import WORD, line_spans, word_spans, words_to_lines

#: Word-level SequenceMatcher is used for a fallback gap only while len(a) * len(b) is below this.
SEQUENCE_MATCHER_BUDGET = 1_000_000


def _increasing_run(values: list[int]) -> list[int]:
    """Positions of a longest strictly increasing subsequence of ``values`` (O(n log n))."""
    tails: list[int] = []  # smallest tail value of an increasing run of each length
    tail_pos: list[int] = []
    prev = [-1] * len(values)
    for i, v in enumerate(values):
        k = bisect_left(tails, v)
        if k == len(tails):
            tails.append(v)
            tail_pos.append(i)
        else:
            tails[k], tail_pos[k] = v, i
        prev[i] = tail_pos[k - 1] if k else -1
    out = []
    i = tail_pos[-1] if tail_pos else -1
    while i != -1:
        out.append(i)
        i = prev[i]
    return out[::-1]


def _is_subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(w in it for w in needle)  # `in` advances the iterator: an in-order scan


def align_labels(original: str, compressed: str, override: bool = True) -> np.ndarray:
    """Per-word keep labels (int8) of ``original``: 1 where the word survives in ``compressed``.

    With ``override`` (the default, as for every teacher) must-keep words are labelled 1.
    """
    starts, ends = word_spans(original)
    words = [original[s:e] for s, e in zip(starts, ends)]
    l_starts, _ = line_spans(original)
    w_line = words_to_lines(starts, l_starts)
    n_lines = len(l_starts)
    # first[li] is the index of line li's first word; first[n_lines] closes the last line.
    first = np.searchsorted(w_line, np.arange(n_lines + 1), side="left").tolist()
    last = np.searchsorted(w_line, np.arange(n_lines), side="right").tolist()
    keep = np.zeros(len(starts), dtype=bool)

    # Compressed lines: (lines skipped by a marker, None) or (0, words); blank lines -> [].
    items: list[tuple[int, list[str] | None]] = []
    for line in compressed.split("\n"):
        m = MARKER_RE.match(line.strip())
        items.append((int(m.group(1)), None) if m else (0, WORD.findall(line)))

    def line_words(li: int) -> list[str]:
        return words[first[li] : last[li]]

    def match_in_line(li: int, ws: list[str]) -> None:
        # Earliest in-order embedding of ws in the line (ws is a subsequence of it).
        pos = first[li]
        for w in ws:
            while words[pos] != w:
                pos += 1
            keep[pos] = True
            pos += 1

    def align_words(wa: int, wb: int, cw: list[str]) -> None:
        """Word-level fallback for original words [wa, wb) against compressed words cw."""
        ow = words[wa:wb]
        if not ow or not cw:
            return
        if len(ow) * len(cw) <= SEQUENCE_MATCHER_BUDGET:
            for blk in SequenceMatcher(None, ow, cw, autojunk=False).get_matching_blocks():
                keep[wa + blk.a : wa + blk.a + blk.size] = True
            return
        positions: dict[str, list[int]] = {}
        for i, w in enumerate(ow):
            positions.setdefault(w, []).append(i)
        cur = 0
        for w in cw:  # words absent from the rest of the original are skipped
            occ = positions.get(w)
            if occ:
                k = bisect_left(occ, cur)
                if k < len(occ):
                    keep[wa + occ[k]] = True
                    cur = occ[k] + 1

    def walk(oa: int, ob: int, ca: int, cb: int) -> None:
        """Align original lines [oa, ob) with compressed items [ca, cb) (a gap between anchors)."""
        ptr = oa
        floor = oa  # where to search again when a marker's count does not fit
        for ci in range(ca, cb):
            skip, ws = items[ci]
            if ws is None:
                floor, ptr = ptr, min(ptr + skip, ob)
                continue
            if not ws:
                continue
            found = next((j for j in range(ptr, ob) if _is_subsequence(ws, line_words(j))), None)
            if found is None:
                found = next((j for j in range(floor, ptr) if _is_subsequence(ws, line_words(j))), None)
            if found is None:
                rest = [w for _, ws2 in items[ci:cb] if ws2 for w in ws2]
                align_words(first[ptr], first[ob], rest)
                return
            match_in_line(found, ws)
            ptr = floor = found + 1

    # Step 1: anchors, lines unique in both texts, in an order both agree on.
    o_idx = [li for li in range(n_lines) if last[li] > first[li]]
    c_idx = [ci for ci, (_, ws) in enumerate(items) if ws]
    o_keys = [" ".join(line_words(li)) for li in o_idx]
    c_keys = [" ".join(items[ci][1]) for ci in c_idx]
    o_count, c_count = Counter(o_keys), Counter(c_keys)
    o_unique = {k: li for k, li in zip(o_keys, o_idx) if o_count[k] == 1}
    pairs = [(o_unique[k], ci) for k, ci in zip(c_keys, c_idx) if c_count[k] == 1 and k in o_unique]
    anchors = [pairs[i] for i in _increasing_run([o for o, _ in pairs])]
    oa = ca = 0
    for li, ci in [*anchors, (n_lines, len(items))]:  # a sentinel closes the last gap
        walk(oa, li, ca, ci)
        if li < n_lines:
            keep[first[li] : last[li]] = True
        oa, ca = li + 1, ci + 1
    if override:
        keep |= must_keep_mask(original, starts, ends)
    return keep.astype(np.int8)
