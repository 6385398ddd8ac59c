"""Decisions -> text: keep original bytes of kept words/lines, announce dropped lines.

The only text ever inserted is the elision marker, one line where a run of dropped lines
was (blank lines inside the run are counted in it). Its grammar: it begins with ``[... ``,
ends with `` ...]``, and the first number is always the count of lines it replaces::

    [... 37 lines omitted ...]                                 ([... 1 line omitted ...] for one)
    [... 37 more lines like "processed batch size=<*> lag_ms=<*>" ...]      (repeats of one template)
    [... 463 more lines like "json-tcl-<NUM> <*>" (<*>: PASSED ×463) ...]  (and what they held at a <*>)
    [... 540 lines omitted: 180 more items with keys name, version ...]     (collapsed structure)
    [... 45 lines omitted: 30 more lines like "A <*>", 12 more lines like "B", ...]

A quoted template has its variable fields as ``<*>`` (or ``<NUM>``, ``<IP>``, ``<HEX>``,
``<UUID>``) and no double quotes; ``, ...`` at the end means more kinds were collapsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

MARKER_FORMAT = "[... {n} {unit} omitted ...]"
#: Any marker; group 1 is the number of lines it replaces.
MARKER_RE = re.compile(r"^\[\.\.\. (\d+) (?:more )?lines?(?: omitted| like)\b[^\n]* \.\.\.\]$")


def marker(n: int) -> str:
    """The elision marker for ``n`` dropped lines."""
    return MARKER_FORMAT.format(n=n, unit="line" if n == 1 else "lines")


def render(
    text: str,
    word_starts: np.ndarray,
    word_ends: np.ndarray,
    word_keep: np.ndarray,
    line_starts: np.ndarray,
    line_ends: np.ndarray,
    word_line: np.ndarray,
    line_keep: np.ndarray | None = None,
    markers: bool = True,
    describe: Callable[[list[int], int], str | None] | None = None,
) -> tuple[str, list[tuple[int, int]]]:
    """Build the compressed text and the kept char spans of the original.

    With ``line_keep`` given, whole lines are kept byte-identical (line granularity);
    otherwise kept words are joined: original whitespace between neighbours that were
    adjacent in the input, one space where words between them were dropped. ``describe``
    (dropped non-blank line indices of a run, its line count) may give a marker's detail.
    """
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pending_blank: list[str] = []  # blank lines waiting to learn the fate of the next line
    omitted = 0  # dropped lines (and blanks inside the run) not yet announced
    run: list[int] = []  # the run's dropped non-blank lines

    # Word index range of each line (words are sorted, so lines own contiguous ranges).
    n_lines = len(line_starts)
    first = np.searchsorted(word_line, np.arange(n_lines), side="left")
    last = np.searchsorted(word_line, np.arange(n_lines), side="right")

    def flush_omitted() -> None:
        nonlocal omitted
        if omitted:
            if markers:
                detail = describe(run, omitted) if describe is not None else None
                out.append(f"[... {detail} ...]" if detail else marker(omitted))
            omitted = 0
            run.clear()

    for li in range(n_lines):
        ls, le = int(line_starts[li]), int(line_ends[li])
        a, b = int(first[li]), int(last[li])
        if a == b:  # blank line
            if omitted:
                omitted += 1
            else:
                pending_blank.append(text[ls:le])
            continue
        if line_keep is not None:
            kept_line = bool(line_keep[li])
            line_text = text[ls:le] if kept_line else ""
            if kept_line:
                spans.append((ls, le))
        else:
            idx = [i for i in range(a, b) if word_keep[i]]
            kept_line = bool(idx)
            line_text = _join_words(text, word_starts, word_ends, idx, a, b, ls, le, spans) if kept_line else ""
        if kept_line:
            flush_omitted()
            out.extend(pending_blank)
            pending_blank.clear()
            out.append(line_text)
        else:
            omitted += 1 + len(pending_blank)
            run.append(li)
            pending_blank.clear()
    flush_omitted()
    if out:
        out.extend(pending_blank)
    result = "\n".join(out)
    if result and text.endswith("\n"):
        result += "\n"
    return result, spans


def _join_words(
    text: str,
    starts: np.ndarray,
    ends: np.ndarray,
    idx: list[int],
    first_word: int,
    end_word: int,
    line_start: int,
    line_end: int,
    spans: list[tuple[int, int]],
) -> str:
    """The kept words ``idx`` of the line holding words ``[first_word, end_word)``, joined."""
    parts: list[str] = []
    run_start = int(starts[idx[0]])
    if idx[0] == first_word:
        # The line's first word is kept: keep its indentation (structure for code/YAML).
        run_start = line_start
    prev = None
    for i in idx:
        s, e = int(starts[i]), int(ends[i])
        if prev is None:
            parts.append(text[run_start:e])
        elif i == prev + 1:
            parts.append(text[int(ends[prev]) : e])
        else:
            spans.append((run_start, int(ends[prev])))
            run_start = s
            parts.append(" " + text[s:e])
        prev = i
    end = int(ends[prev])
    if prev == end_word - 1:
        # The line's last word is kept: keep what follows it too (trailing spaces, a "\r"), so
        # a line kept word for word is the line byte for byte (an edit tool matches it exactly).
        end = line_end
    spans.append((run_start, end))
    tail = "\r" if end < line_end and text[line_end - 1] == "\r" else ""  # a CRLF line stays one
    return "".join(parts) + text[int(ends[prev]) : end] + tail

