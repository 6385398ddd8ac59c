"""Terminal view of a decision: kept words as they are, dropped words dim and struck."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.text import Text

from kompress.structure.units import word_spans


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


def show(text: str, result, console: Console | None = None) -> None:
    """Print ``text`` with ``result``'s dropped words struck through."""
    console = console or Console(highlight=False, soft_wrap=True)
    console.print(to_rich(text, result.word_keep), end="")
