"""The metrics of an evaluation, as sums that add up over items, domains and systems.

Metrics (overall and per domain; ratios are *micro* averages, i.e. summed over items
before dividing, so long items weigh by their size, as they do in token savings):

``keep_rate``          kept / input model tokens (the compressor's tokenizer).
``word_keep_rate``     kept / input words.
``exact_keep_pct``     the seed's metric: must-keep matches of the input
                       (:func:`kompress.decision.mustkeep.must_keep_matches`, with repeats) found as a
                       substring of the output, as a fraction in [0, 1].
``sem_sim``            mean cosine similarity of input and output sentence embeddings
                       (see :class:`~kompress.evaluation.embedder.Embedder`; 1.0 for an
                       unchanged output, 0.0 for an empty one).
``word_f1``            F1 of the kept words against the teacher's labels (keep = positive),
                       with ``word_precision`` and ``word_recall``.
``answer_survival``    share of eval questions whose answer string is a substring of the output.
``line_fidelity``      share of output lines that are whole input lines or elision markers.
``negation_survival``  share of input polarity words (:func:`kompress.decision.mustkeep.is_polarity`) kept.
``grep_check``         share of output lines starting with a ``path:line:`` prefix that are
                       whole input lines (the hit's matched text survived).

A metric whose denominator is empty (no questions, no grep lines ...) is ``None``.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from kompress.decision.mustkeep import is_polarity, must_keep_matches
from kompress.evaluation.items import Item, answerable_questions
from kompress.evaluation.outputs import Output, project_keep
from kompress.rendering.render import MARKER_RE
from kompress.scoring.scores import WordScores

#: A grep hit line: ``path:line:`` (``-`` for context lines is not a hit).
GREP_HIT = re.compile(r"^[\w./\-]+:\d+:")


@dataclass
class Tally:
    """Sums behind every metric, so items, domains and systems aggregate by addition."""

    items: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    words: int = 0
    words_kept: int = 0
    exact_total: int = 0
    exact_kept: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    f1_words: int = 0
    questions: int = 0
    answers_kept: int = 0
    sim_sum: float = 0.0
    sim_n: int = 0
    out_lines: int = 0
    faithful_lines: int = 0
    polarity: int = 0
    polarity_kept: int = 0
    grep_lines: int = 0
    grep_whole: int = 0

    def __iadd__(self, other: "Tally") -> "Tally":
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def summary(self) -> dict[str, Any]:
        """The metrics, rounded to 4 decimals (None where a denominator is 0)."""

        def ratio(a: float, b: float) -> float | None:
            return round(a / b, 4) if b else None

        p = ratio(self.tp, self.tp + self.fp)
        r = ratio(self.tp, self.tp + self.fn)
        f1 = ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn) if self.f1_words else None
        return {
            "items": self.items,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "keep_rate": ratio(self.tokens_out, self.tokens_in),
            "word_keep_rate": ratio(self.words_kept, self.words),
            "exact_keep_pct": ratio(self.exact_kept, self.exact_total),
            "sem_sim": ratio(self.sim_sum, self.sim_n),
            "word_precision": p if self.f1_words else None,
            "word_recall": r if self.f1_words else None,
            "word_f1": f1,
            "questions": self.questions,
            "answer_survival": ratio(self.answers_kept, self.questions),
            "line_fidelity": ratio(self.faithful_lines, self.out_lines),
            "negation_survival": ratio(self.polarity_kept, self.polarity),
            "grep_check": ratio(self.grep_whole, self.grep_lines),
        }


def exact_kept(matches: Counter[str], text: str) -> int:
    """The exact_keep numerator: must-keep match occurrences of the input (``matches``, with
    repeats, from :func:`kompress.decision.mustkeep.must_keep_matches`) whose string is in ``text``."""
    return sum(n for m, n in matches.items() if m in text)


class ItemFacts:
    """What the metrics need from an item's input, computed once per item."""

    def __init__(self, item: Item, ws: WordScores) -> None:
        self.item = item
        text = item.text
        self.matches = Counter(must_keep_matches(text))
        self.input_lines = set(text.split("\n"))
        self.polarity = np.fromiter(
            (is_polarity(text[s:e]) for s, e in zip(ws.starts, ws.ends)), dtype=bool, count=len(ws.starts)
        )
        self.ws = ws
        self.questions = answerable_questions(item)
        self.bad_questions = len(item.questions) - len(self.questions)


def item_tally(facts: ItemFacts, out: Output, sim: float | None = None) -> Tally:
    """The metric sums of one system's output for one item."""
    item, ws = facts.item, facts.ws
    t = Tally(items=1, tokens_in=out.tokens_in, tokens_out=out.tokens_out)
    if out.word_keep is not None:
        keep = out.word_keep
        t.words, t.words_kept = len(keep), int(keep.sum())
        pred = project_keep(ws.starts, ws.ends, keep, item.word_starts, item.word_ends, len(item.text))
        gold = item.labels.astype(bool)
        t.tp = int((pred & gold).sum())
        t.fp = int((pred & ~gold).sum())
        t.fn = int((~pred & gold).sum())
        t.f1_words = len(gold)
        t.polarity = int(facts.polarity.sum())
        t.polarity_kept = int((facts.polarity & keep).sum())
    t.exact_total = sum(facts.matches.values())
    t.exact_kept = exact_kept(facts.matches, out.text)
    t.questions = len(facts.questions)
    t.answers_kept = sum(q["answer"] in out.text for q in facts.questions)
    if sim is not None:
        t.sim_sum, t.sim_n = float(sim), 1
    lines = out.text.split("\n")
    if out.text.endswith("\n"):
        lines.pop()
    if not out.text:
        lines = []
    for line in lines:
        whole = line in facts.input_lines
        t.out_lines += 1
        t.faithful_lines += whole or bool(MARKER_RE.match(line))
        if GREP_HIT.match(line):
            t.grep_lines += 1
            t.grep_whole += whole
    return t

