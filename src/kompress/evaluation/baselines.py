"""The baselines an evaluation compares the model with.

Systems: ``model`` (kompress, guard on) and ``model_raw`` (the model alone, guard off) at
the operating threshold; ``identity`` (keep all); ``must_keep`` (keep the words the data
marks must-keep); ``rules`` (``kompress.data.teachers.rules.RuleCompressor``, skipped with a
note when not importable); ``random`` (per item, as many words as the model kept, chosen
with a seeded generator); ``random_lines`` and ``last_lines`` (whole lines, at random or the
last ones, until they hold as many words as the model kept). Baselines that decide per word are rendered like the
compressor's word granularity (kept words joined, dropped lines as elision markers);
token counts always use the model's tokenizer.
"""

from __future__ import annotations

import inspect
import zlib
from typing import Any

import numpy as np

from kompress.evaluation.items import Item
from kompress.evaluation.outputs import Output, from_keep, project_keep
from kompress.scoring.scores import WordScores
from kompress.structure.units import line_spans, words_to_lines


def baseline_outputs(item: Item, ws: WordScores, model_words_kept: int, seed: int) -> dict[str, Output]:
    """The ``identity``, ``must_keep`` and ``random`` outputs for one item, in that order
    (``random`` keeps as many words as the model kept, ``model_words_kept``)."""
    text = item.text
    return {
        "identity": Output(text, np.ones(len(ws.starts), bool), int(ws.n_tokens.sum()), int(ws.n_tokens.sum())),
        "must_keep": from_keep(text, ws, project_keep(
            item.word_starts, item.word_ends, item.must_keep, ws.starts, ws.ends, len(text))),
        "random": from_keep(text, ws, random_keep(len(ws.starts), model_words_kept, seed, item.id)),
        "random_lines": from_keep(text, ws, line_budget_keep(text, ws, model_words_kept, seed, item.id)),
        "last_lines": from_keep(text, ws, line_budget_keep(text, ws, model_words_kept)),
    }


def line_budget_keep(text: str, ws: WordScores, k: int, seed: int | None = None, item_id: str = "") -> np.ndarray:
    """Whole lines holding about ``k`` words: the last lines (``seed`` None), or lines taken in a
    seeded random order; a line is added while the words kept stay within ``k`` (the first
    one always)."""
    l_starts, _ = line_spans(text)
    w_line = words_to_lines(ws.starts, l_starts)
    per_line = np.bincount(w_line, minlength=len(l_starts))
    lines = np.flatnonzero(per_line)[::-1]
    if seed is not None:
        rng = np.random.default_rng([seed, zlib.crc32(item_id.encode("utf-8")), 1])
        lines = rng.permutation(lines)
    chosen = np.zeros(len(l_starts), dtype=bool)
    total = 0
    for li in lines:
        if total and total + per_line[li] > k:
            if seed is None:
                break  # the last lines are contiguous: stop at the first that does not fit
            continue
        chosen[li] = True
        total += int(per_line[li])
        if total >= k:
            break
    return chosen[w_line]


def random_keep(n_words: int, k: int, seed: int, item_id: str) -> np.ndarray:
    """Keep ``k`` of ``n_words`` words chosen at random; seeded by ``seed`` and the item id,
    so one item's choice does not depend on which other items are evaluated."""
    rng = np.random.default_rng([seed, zlib.crc32(item_id.encode("utf-8"))])
    keep = np.zeros(n_words, dtype=bool)
    keep[rng.choice(n_words, size=min(k, n_words), replace=False)] = True
    return keep


def load_rule_compressor(tokenizer=None) -> tuple[Any | None, str | None]:
    """The domain-rule teacher as a compressor, or (None, why not)."""
    try:
        from kompress.data.teachers.rules import RuleCompressor
    except ImportError as e:
        return None, f"domain-rule baseline skipped: kompress.data.teachers.rules is not importable ({e})"
    try:
        params = inspect.signature(RuleCompressor).parameters
        return (RuleCompressor(tokenizer=tokenizer) if "tokenizer" in params else RuleCompressor()), None
    except Exception as e:  # another part's constructor: report, do not abort the evaluation
        return None, f"domain-rule baseline skipped: RuleCompressor() failed: {type(e).__name__}: {e}"

