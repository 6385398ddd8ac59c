"""Metrics and baselines of the real-log benchmark (issue #23).

A window is a run of consecutive lines of one log (what an agent sees of a tail). Each line carries
an event type (see ``events.py``) and whether it starts a record; continuation lines (stack frames,
indented lines) carry the type of the record above. A type is *kept* when the first line of at
least one of its records in the window is in the output as a whole original line.

Output lines are matched to input lines in order: a whole input line (``exact``), a marker line
(``[...`` ... ``...]``), a line whose words are an in-order subset of one input line's words
(``partial``: words were dropped inside it), or anything else (``other``).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

MARKER = re.compile(r"^\s*\[\.\.\..*\.\.\.\]\s*$")


def words(line: str) -> int:
    return len(line.split())


def is_marker(line: str) -> bool:
    return bool(MARKER.match(line))


def _subseq(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(w == b for b in it) for w in small)


@dataclass
class Match:
    kept: set[int] = field(default_factory=set)  # input line indices present as whole lines
    partial: set[int] = field(default_factory=set)  # input lines present with words dropped
    n_out: int = 0
    n_exact: int = 0
    n_marker: int = 0
    n_partial: int = 0
    n_other: int = 0
    marker_words: int = 0
    partial_words: int = 0
    other_words: int = 0


def match_output(inp: list[str], out: list[str], lookahead: int = 400) -> Match:
    """Align output lines to input lines, in order (greedy, with a global fallback for exact lines)."""
    norm = [l.rstrip() for l in inp]
    where: dict[str, list[int]] = {}
    for i, l in enumerate(norm):
        where.setdefault(l, []).append(i)
    m = Match()
    pos = 0  # next input index we may match
    for o in out:
        ol = o.rstrip()
        m.n_out += 1
        cands = [i for i in where.get(ol, ()) if i not in m.kept]
        nxt = [i for i in cands if i >= pos]
        if ol.strip() == "" and not cands:
            m.n_other += 1
            continue
        if nxt or cands:
            i = nxt[0] if nxt else cands[0]
            m.kept.add(i)
            m.n_exact += 1
            pos = max(pos, i + 1)
            continue
        if is_marker(ol):
            m.n_marker += 1
            m.marker_words += words(ol)
            continue
        ow = ol.split()
        hit = None
        for i in range(pos, min(len(norm), pos + lookahead)):
            if i in m.kept or i in m.partial:
                continue
            iw = norm[i].split()
            if len(ow) <= len(iw) and ow and _subseq(ow, iw):
                hit = i
                break
        if hit is not None:
            m.partial.add(hit)
            m.n_partial += 1
            m.partial_words += len(ow)
            pos = hit + 1
        else:
            m.n_other += 1
            m.other_words += len(ow)
    return m


@dataclass
class Counts:
    """Sums over windows (micro-average within a source)."""

    windows: int = 0
    in_lines: int = 0
    in_words: int = 0
    kept_words: int = 0
    marker_words: int = 0
    partial_words: int = 0
    other_words: int = 0
    types: int = 0
    types_kept: int = 0
    types_shown: int = 0  # kept, or present as a partial (words dropped) line
    once: int = 0
    once_kept: int = 0
    alert: int = 0
    alert_kept: int = 0
    out_lines: int = 0
    faithful_lines: int = 0  # exact + marker

    def add(self, o: "Counts") -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(o, k))

    def summary(self) -> dict:
        d = lambda a, b: (a / b) if b else 1.0
        return {
            "windows": self.windows, "lines": self.in_lines, "words": self.in_words,
            "word_keep": d(self.kept_words, self.in_words),
            "words_out": d(self.kept_words + self.partial_words + self.other_words, self.in_words),
            "marker_words": d(self.marker_words, self.in_words),
            "partial_words": d(self.partial_words, self.in_words),
            "types": self.types, "types_kept": d(self.types_kept, self.types),
            "types_shown": d(self.types_shown, self.types),
            "once": self.once, "once_kept": d(self.once_kept, self.once),
            "alert": self.alert, "alert_kept": d(self.alert_kept, self.alert),
            "line_fidelity": d(self.faithful_lines, self.out_lines),
        }


def score_window(lines: list[str], types: list[str], heads: list[bool], alert: dict[str, bool], out_text: str) -> Counts:
    out = out_text.split("\n") if out_text else []
    m = match_output(lines, out)
    c = Counts(windows=1, in_lines=len(lines))
    c.in_words = sum(words(l) for l in lines)
    c.kept_words = sum(words(lines[i]) for i in m.kept)
    c.marker_words, c.partial_words, c.other_words = m.marker_words, m.partial_words, m.other_words
    occ: dict[str, list[int]] = {}
    for i, (t, h) in enumerate(zip(types, heads)):
        if h:
            occ.setdefault(t, []).append(i)
    for t, idx in occ.items():
        kept = any(i in m.kept for i in idx)
        shown = kept or any(i in m.partial for i in idx)
        c.types += 1
        c.types_kept += kept
        c.types_shown += shown
        if len(idx) == 1:
            c.once += 1
            c.once_kept += kept
        if alert.get(t):
            c.alert += 1
            c.alert_kept += kept
    c.out_lines = m.n_out
    c.faithful_lines = m.n_exact + m.n_marker
    return c


# --------------------------------------------------------------------------- baselines

def render(lines: list[str], keep: set[int]) -> str:
    """Kept lines in order, one ``[... N lines omitted ...]`` marker per run of dropped lines."""
    out: list[str] = []
    gap = 0
    for i, l in enumerate(lines):
        if i in keep:
            if gap:
                out.append(f"[... {gap} lines omitted ...]")
                gap = 0
            out.append(l)
        else:
            gap += 1
    if gap:
        out.append(f"[... {gap} lines omitted ...]")
    return "\n".join(out)


def random_drop(lines: list[str], budget_words: float, seed: int) -> str:
    """Keep lines in a seeded random order while they fit the word budget."""
    order = list(range(len(lines)))
    random.Random(seed).shuffle(order)
    keep, used = set(), 0
    for i in order:
        w = words(lines[i])
        if used + w <= budget_words:
            keep.add(i)
            used += w
    return render(lines, keep)


def last_n(lines: list[str], budget_words: float) -> str:
    """Keep the last lines that fit the word budget."""
    keep, used = set(), 0
    for i in range(len(lines) - 1, -1, -1):
        w = words(lines[i])
        if used + w > budget_words:
            break
        keep.add(i)
        used += w
    return render(lines, keep)


def first_per_type(lines: list[str], types: list[str], heads: list[bool]) -> str:
    """The ideal of issue #23 at its leanest: the first line of every event type, markers elsewhere."""
    seen, keep = set(), set()
    for i, (t, h) in enumerate(zip(types, heads)):
        if h and t not in seen:
            seen.add(t)
            keep.add(i)
    return render(lines, keep)
