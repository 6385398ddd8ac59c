"""Views of a decision: on a terminal, kept words as they are and dropped words dim and
struck; elsewhere (a pipe, a file, a CI log) the same text with each run of dropped words
wrapped in ``[-`` ... ``-]`` (wdiff's deletion markup), so it stays readable without styles."""

from __future__ import annotations

import sys
from typing import TextIO

import numpy as np
from rich.console import Console
from rich.text import Text

from kompress.structure.units import word_spans

DROP_OPEN, DROP_CLOSE = "[-", "-]"


def to_rich(text: str, keep: np.ndarray) -> Text:
    """A rich ``Text`` of ``text`` where words with ``keep == False`` are dim+strike."""
    starts, ends = word_spans(text)
    out = Text()
    pos = 0
    for s, e, k in zip(starts, ends, keep):
        out.append(text[pos:s])
        out.append(text[s:e], style=None if k else "dim strike")
        pos = e
    out.append(text[pos:])
    return out


def to_markup(text: str, keep: np.ndarray) -> str:
    """``text`` with each run of dropped words (and the spaces between them) as ``[-...-]``;
    removing the markup and its contents gives the kept words in place."""
    starts, ends = word_spans(text)
    parts: list[str] = []
    pos = 0
    run_start: int | None = None  # start of the open run of dropped words
    run_end = 0
    for s, e, k in zip(starts, ends, keep):
        gap = text[pos:s]
        if not k:
            if run_start is not None and "\n" not in gap:
                run_end = e  # extend the run over the gap
            else:
                if run_start is not None:
                    parts.append(DROP_OPEN + text[run_start:run_end] + DROP_CLOSE)
                parts.append(gap)
                run_start, run_end = s, e
        else:
            if run_start is not None:
                parts.append(DROP_OPEN + text[run_start:run_end] + DROP_CLOSE)
                run_start = None
            parts.append(gap + text[s:e])
        pos = e
    if run_start is not None:
        parts.append(DROP_OPEN + text[run_start:run_end] + DROP_CLOSE)
    parts.append(text[pos:])
    return "".join(parts)


def show(text: str, result, console: Console | None = None, stream: TextIO | None = None) -> None:
    """Print ``text`` with ``result``'s dropped words struck through (a terminal) or marked
    ``[-...-]`` (anything else)."""
    stream = stream or sys.stdout
    if console is None and not stream.isatty():
        stream.write(to_markup(text, result.word_keep))
        return
    console = console or Console(highlight=False, soft_wrap=True, file=stream)
    console.print(to_rich(text, result.word_keep), end="")
