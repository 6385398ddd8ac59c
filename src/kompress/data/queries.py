"""Query examples: (agent query, tool output) -> the lines that answer it.

The query companion model (``<model folder>/query/``) learns from these what a query asks of
an output. Each question of :func:`kompress.data.questions.derive_questions` (whose answer
is an exact substring of the output) becomes a query in the many ways an agent phrases it
("Which test failed first?", "let me check which test failed first", "test failed first");
its *evidence lines*, the lines holding the answer, are labelled keep, every other line drop.
A distractor query (a question about another kind of output, not answerable here) labels
every line drop: the guard keeps the outcome and the errors, the model keeps nothing more.
Deterministic: the same examples and seed give the same queries.
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any, Iterable

import numpy as np

from kompress.data.questions import derive_questions
from kompress.structure.units import line_spans, words_to_lines

MAX_EVIDENCE_LINES = 8  # an answer repeated more often than this is no single place to keep
_STOP = frozenset("a an the of in on at to is was were did does do what which who where why how this that "
                  "with by for from it its be been and or first".split())

# How agents phrase what they look for (their thought before, or the reason for, a tool call).
_FRAMES = (
    "{q}",
    "{q}",
    "Let me check {s}",
    "I need to find out {s}",
    "Looking at the output to see {s}",
    "{Q} Let me look.",
    "check {s}",
    "{k}",
    "find {k}",
)


def evidence_lines(text: str, answer: str, l_starts: np.ndarray | None = None) -> list[int]:
    """Indices of the lines holding ``answer`` (every occurrence, at most
    ``MAX_EVIDENCE_LINES`` occurrences; an answer spanning lines names them all)."""
    if l_starts is None:
        l_starts, _ = line_spans(text)
    out: set[int] = set()
    pos, n = text.find(answer), 0
    while pos != -1 and n < MAX_EVIDENCE_LINES:
        first = int(np.searchsorted(l_starts, pos, side="right") - 1)
        last = int(np.searchsorted(l_starts, pos + max(len(answer) - 1, 0), side="right") - 1)
        out.update(range(first, last + 1))
        pos, n = text.find(answer, pos + 1), n + 1
    return sorted(out)


def agent_query(question: str, key: str) -> str:
    """``question`` in one of the ways an agent phrases it, chosen by ``key`` (deterministic)."""
    q = question.strip()
    s = q[0].lower() + q[1:] if q else q
    s = s.rstrip("?").strip()
    keywords = " ".join(w for w in re.findall(r"[\w:./`'\[\]-]+", s) if w.lower() not in _STOP) or s
    h = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")
    return _FRAMES[h % len(_FRAMES)].format(q=q, Q=q, s=s, k=keywords)


def query_examples(examples: Iterable[dict[str, Any]], seed: int = 0, per_item: int = 3,
                   distractors: float = 0.5) -> list[dict[str, Any]]:
    """Query examples from labelled examples (dicts of :class:`kompress.data.schema.Example`).

    Each example gives up to ``per_item`` (question, evidence) examples and, for a share
    ``distractors`` of examples, one distractor: a question about an output of another domain
    whose answer is not in this one. Every word of an evidence line is labelled 1 (and
    weighted as must-keep), every other word 0. The result has the example fields plus
    ``query``; ``questions`` holds the asked question with its ``evidence_lines``.
    """
    rng = random.Random(seed)
    items = list(examples)
    asked: list[tuple[str, str, str]] = []  # (domain, question, answer) of every item, for distractors
    per: list[list[dict[str, Any]]] = []
    for e in items:
        try:
            qs = list(e.get("questions") or derive_questions(e["text"], e["domain"]))
        except ValueError:
            qs = []
        per.append(qs[:per_item])
        asked.extend((e["domain"], q["q"], q["answer"]) for q in qs[:per_item])
    out: list[dict[str, Any]] = []
    for e, qs in zip(items, per):
        starts = np.asarray([s for s, _ in e["words"]], dtype=np.int64)
        if not len(starts):
            continue
        l_starts, _ = line_spans(e["text"])
        w_line = words_to_lines(starts, l_starts)
        for i, q in enumerate(qs):
            ev = evidence_lines(e["text"], q["answer"], l_starts)
            on = np.isin(w_line, ev)
            if on.mean() > 0.5:
                continue  # one long line (minified JSON) or a tiny output: nothing to decide
            out.append(_example(e, agent_query(q["q"], f"{seed}:{e['id']}:{i}"), on,
                                {"q": q["q"], "answer": q["answer"], "evidence_lines": ev}))
        if asked and rng.random() < distractors:
            for _ in range(8):  # a few tries to find a question this output cannot answer
                dom, q, answer = asked[rng.randrange(len(asked))]
                if dom != e["domain"] and answer not in e["text"]:
                    out.append(_example(e, agent_query(q, f"{seed}:{e['id']}:d"), np.zeros(len(starts), dtype=bool),
                                        {"q": q, "answer": answer, "evidence_lines": []}))
                    break
    return out


def _example(e: dict[str, Any], query: str, on: np.ndarray, question: dict[str, Any]) -> dict[str, Any]:
    labels = on.astype(int).tolist()
    return {**e, "id": f"{e['id']}?{len(query)}:{hashlib.sha256(query.encode()).hexdigest()[:8]}",
            "query": query, "labels": labels, "must_keep": on.tolist(), "weights": [1.0] * len(labels),
            "questions": [question]}
