"""How far exact_keep can go at a given word keep on a labelled split: two bounds.

    .venv/bin/python scripts/exact_keep_bounds.py runs/v7/data/test.jsonl [--model DIR]

1. **Teacher with novelty**: the domain-rule teacher (``RuleCompressor``, guard on) at each
   novelty rate. The model is trained on this teacher's labels, so a student that matched it
   perfectly would land on this curve.
2. **Oracle that knows the questions**: the guard's lines (the model kept nothing of its own),
   plus the shortest line holding each eval question's answer, plus lines taken densest first
   (new must-keep occurrences per word) over the whole split until exact_keep reaches each mark.
   No compressor can know the questions; this says what line choice the targets would need.

Both count as ``kompress eval`` does: word keep over the compressor's words, exact_keep over
must-keep matches with repeats (the oracle counts a match kept when a kept line holds the same
value, which the metric's substring test can only raise), answers as substrings. Domains are
detected, as at run time. Nothing here is used to choose a shipped setting.
"""

from __future__ import annotations

import argparse
import heapq
from collections import Counter

import numpy as np

from kompress.compressor import Compressor
from kompress.structure.domains import detect
from kompress.evaluation.items import answerable_questions, load_examples
from kompress.evaluation.metrics import exact_kept
from kompress.decision.mustkeep import must_keep_matches
from kompress.data.teachers.rules import RuleCompressor
from kompress.structure.units import line_spans, words_to_lines

RATES = (0.0, 1.0, 0.75, 0.5, 0.3, 0.2, 0.1)
MARKS = (0.9, 0.95, 0.97, 0.98)


def teacher_curve(items) -> list[tuple[float, float, float, float]]:  # type: ignore[no-untyped-def]
    """(rate, word keep, exact_keep, answer survival) of the rule teacher per novelty rate."""
    rc = RuleCompressor()
    facts = [(it.text, detect(it.text), Counter(must_keep_matches(it.text)), answerable_questions(it)) for it in items]
    rows = []
    for rate in RATES:
        v = np.zeros(6)
        for text, domain, matches, qs in facts:
            r = rc.compress(text, domain=domain, novelty=rate)
            v += [len(r.word_keep), r.word_keep.sum(), sum(matches.values()), exact_kept(matches, r.text),
                  len(qs), sum(q["answer"] in r.text for q in qs)]
        rows.append((rate, v[1] / v[0], v[3] / v[2], v[5] / max(v[4], 1)))
    return rows


def oracle_marks(compressor: Compressor, items) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """(exact_keep mark, word keep needed) for the question-aware oracle."""
    heap: list[tuple[float, int, int]] = []
    state = []
    words_total = kept_words = covered = total = 0
    for k, it in enumerate(items):
        d = detect(it.text)
        ws = compressor.score_words(it.text, d)
        guard_only = compressor.decide(it.text, ws, d, threshold=1.0, granularity="line", coverage=0.0, novelty=0.0)
        starts, ends = line_spans(it.text)
        lines = [it.text[a:b] for a, b in zip(starts, ends)]
        n_words = [max(len(x.split()), 1) for x in lines]
        keep = np.zeros(len(lines), dtype=bool)
        keep[np.unique(words_to_lines(ws.starts, starts)[guard_only.word_keep])] = True
        for q in answerable_questions(it):
            if not any(q["answer"] in lines[i] for i in np.flatnonzero(keep)):
                holders = [i for i, x in enumerate(lines) if q["answer"] in x]
                if holders:
                    keep[min(holders, key=lambda i: n_words[i])] = True
        per_line = [must_keep_matches(x) for x in lines]
        values = [set(ms) for ms in per_line]
        occ = Counter(m for ms in per_line for m in ms)
        cov: set[str] = set().union(*(values[i] for i in np.flatnonzero(keep)))
        words_total += len(ws.starts)
        kept_words += sum(n_words[i] for i in np.flatnonzero(keep))
        covered += sum(occ[m] for m in cov)
        total += sum(occ.values())
        state.append((n_words, values, occ, cov))
        for i in np.flatnonzero(~keep):
            gain = sum(occ[m] for m in values[i] - cov)
            if gain:
                heap.append((-gain / n_words[i], k, int(i)))
    heapq.heapify(heap)
    out = []
    marks = [m for m in MARKS if covered / total < m]
    out += [(m, kept_words / words_total) for m in MARKS if covered / total >= m]
    while heap and marks:
        _, k, i = heapq.heappop(heap)
        n_words, values, occ, cov = state[k]
        n = n_words[i]
        gain = sum(occ[m] for m in values[i] - cov)
        if gain == 0:
            continue
        if heap and (-gain / n, k, i) > heap[0]:
            heapq.heappush(heap, (-gain / n, k, i))  # stale priority: re-queue
            continue
        cov |= values[i]
        covered += gain
        kept_words += n
        while marks and covered / total >= marks[0]:
            out.append((marks.pop(0), kept_words / words_total))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", help="labelled JSONL with questions (e.g. the test split)")
    ap.add_argument("--model", help="model folder for the guard's tokenisation (default: the shipped model)")
    args = ap.parse_args()
    items = [it for it in load_examples(args.data) if it.text.strip()]
    print("| teacher + novelty | word keep | exact_keep | answer survival |\n|---|---:|---:|---:|")
    for rate, wk, ex, ans in teacher_curve(items):
        print(f"| {'off' if rate == 0 else f'{rate:g}'} | {wk:.3f} | {ex:.3f} | {ans:.3f} |")
    print("\n| oracle: exact_keep | word keep needed |\n|---:|---:|")
    for mark, wk in oracle_marks(Compressor.load(args.model), items):
        print(f"| {mark:.2f} | {wk:.3f} |")


if __name__ == "__main__":
    main()
