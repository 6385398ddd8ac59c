"""Captured cases: real outputs of third-party tools with the questions an agent asks of them.

A *case* is one command run on a real project with an injected fault, kept as two files::

    <root>/<family>/<case>.txt     the output, verbatim (stdout and stderr merged)
    <root>/<family>/<case>.json    {"family", "command", "project", "fault", "truth_command",
                                    "questions": [{"kind", "answer", "why"}, ...]}

The answers come from the tool's own machine-readable report of the same run (or the injected
fault), never from reading the text, and occur verbatim in it. ``benchmarks/unseen/`` holds such
sets: evaluated blind first, then (once read) training data for the next model through
:func:`examples_from_cases` (``kompress data from-cases``), labelled by the union of the
domain-rule teacher (as the generated corpus is) and the *evidence* teacher: a line is kept when
it holds an answer (the lines an agent needs from this output) or when the guard keeps it anyway
(errors, findings, the outcome). Evidence alone (``rules=False``: every other line dropped)
contradicts the corpus's rule labels in the same domains: trained on both, the model scored the
corpus's answer lines lower and calibration had to keep more (val word keep 0.479 -> 0.508, test
outputs 0.96), with no blind set gaining.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from kompress.data.schema import Example, make_example

#: Share of a case's families that go to val (the rest to train; cases never go to test: the
#: test split stays the generated corpus, comparable across releases). By family, so one
#: tool's outputs never sit on both sides.
CASE_FRACTIONS = (0.8, 0.2, 0.0)


def occurs(s: str, text: str) -> bool:
    """``s`` in ``text``, not glued to a word character on a side where ``s`` starts/ends with one."""
    if s not in text:
        return False
    pre = r"(?<!\w)" if re.match(r"\w", s) else ""
    post = r"(?!\w)" if re.search(r"\w$", s) else ""
    return re.search(pre + re.escape(s) + post, text) is not None


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` (no empty last line after a trailing newline)."""
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def load_cases(root: str | os.PathLike) -> list[dict[str, Any]]:
    """Every case under ``root``: id, family, text, command and its questions.

    An answer found in no line is dropped with a warning naming the file; a message the capture
    cut at 60 characters inside a word is asked without that last partial word. Cases left with
    no question are skipped. Sorted by path, so the same folder gives the same list.
    """
    cases = []
    for txt in sorted(Path(root).glob("*/*.txt")):
        meta_path = txt.with_suffix(".json")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ValueError(f"{meta_path}: cannot read the case's questions ({e})") from None
        text = txt.read_text(encoding="utf-8")
        lines = split_lines(text)
        qs = []
        for q in meta.get("questions", []):
            answer = q["answer"]
            if not any(occurs(answer, ln) for ln in lines) and " " in answer and answer in text:
                q = {**q, "answer": answer.rsplit(" ", 1)[0]}
            if any(occurs(q["answer"], ln) for ln in lines):
                qs.append(q)
            else:
                print(f"{txt}: answer {q['answer']!r} is in no line: skipped", file=sys.stderr)
        if qs:
            cases.append({"id": f"{txt.parent.name}/{txt.stem}", "family": txt.parent.name, "text": text,
                          "command": meta.get("command", ""), "questions": qs})
    return cases


def evidence_labels(text: str, answers: Iterable[str], domain: str, rules: bool = True) -> np.ndarray:
    """Per-word labels (int64): 1 for every word of a line holding an answer or kept by the
    guard (:func:`kompress.decision.guards.guard_line_indices`), and with ``rules`` every word
    the domain-rule teacher keeps (as :func:`kompress.data.dataset.label_items` labels the
    corpus: must-keep words forced only in word-granularity domains); 0 elsewhere."""
    from kompress.data.queries import evidence_lines
    from kompress.data.teachers.rules import rule_labels
    from kompress.decision.guards import guard_line_indices
    from kompress.structure.domains import get_domain
    from kompress.structure.units import line_spans, word_spans, words_to_lines

    l_starts, _ = line_spans(text)
    keep = np.zeros(len(l_starts), dtype=bool)
    keep[guard_line_indices(text, l_starts, domain)] = True
    for a in answers:
        keep[evidence_lines(text, a, l_starts)] = True
    w_starts, _ = word_spans(text)
    if not len(w_starts):
        return np.zeros(0, np.int64)
    labels = keep[words_to_lines(w_starts, l_starts)].astype(np.int64)
    if rules:
        line_domain = get_domain(domain).granularity == "line"
        labels |= np.asarray(rule_labels(text, domain, override=not line_domain), dtype=np.int64)
    return labels


def examples_from_cases(roots: Iterable[str | os.PathLike], split_seed: int = 0, rules: bool = True) -> list[Example]:
    """Label every case under ``roots`` with the evidence teacher (:func:`evidence_labels`, with
    the rule teacher's labels unless ``rules`` is false),
    in the domain :func:`~kompress.structure.domains.detect` finds (the one it gets at run
    time). Split by family (:data:`CASE_FRACTIONS`); each example keeps its questions, so
    calibration on val asks them as they were asked of the tool's report."""
    from kompress.data.dataset import assign_split
    from kompress.structure.domains import detect

    out = []
    seen: set[str] = set()
    for root in roots:
        for c in load_cases(root):
            uid = f"case:{Path(root).name}/{c['id']}"
            if uid in seen:
                raise ValueError(f"{root}: case {c['id']} is given twice")
            seen.add(uid)
            domain = detect(c["text"])
            answers = [q["answer"] for q in c["questions"]]
            ex = make_example(
                c["text"], evidence_labels(c["text"], answers, domain, rules), domain=domain,
                teacher="evidence+rules" if rules else "evidence",
                source=f"case:{c['family']}/{Path(root).name}", split=assign_split(f"case-family:{c['family']}", split_seed, CASE_FRACTIONS),
                id=uid, questions=[{"q": f"{q.get('kind', 'answer')}: {q.get('why', '')}".strip(), "answer": q["answer"]}
                                   for q in c["questions"]],
            )
            ex.unweight_dropped()  # as in the corpus's line domains: dropped with its line
            out.append(ex)
    return out
