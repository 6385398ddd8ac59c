"""Labelled examples: the JSONL contract between the teachers, the trainer and the evaluator.

One example per line::

    {"id", "domain", "source", "teacher", "split": "train|val|test", "text",
     "words": [[start, end], ...], "labels": [0|1, ...], "must_keep": [bool, ...],
     "weights": [float, ...], "questions": [{"q", "answer"}, ...]}

``words`` are :func:`kompress.structure.units.word_spans` of ``text`` (maximal runs of non-whitespace),
``must_keep`` is :func:`kompress.decision.mustkeep.is_must_keep` of each word and ``weights`` is
:data:`kompress.decision.mustkeep.MUST_KEEP_WEIGHT` for must-keep words, 1.0 otherwise. Questions
(with answers that are substrings of ``text``) are filled on the test split only.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from kompress.decision.mustkeep import MUST_KEEP_WEIGHT, must_keep_mask
from kompress.structure.domains import DOMAINS
from kompress.structure.units import word_spans

SPLITS = ("train", "val", "test")
#: Share of each split when a split has to be assigned (pairs, logged traffic).
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
_FIELDS = ("id", "domain", "source", "teacher", "split", "text", "words", "labels", "must_keep", "weights")


class DataError(ValueError):
    """A data file is unreadable or a record breaks the schema; the message names file:line."""


@dataclass
class Example:
    """One labelled tool output (see the module docstring for the schema)."""

    id: str
    domain: str
    source: str
    teacher: str
    split: str
    text: str
    words: list[tuple[int, int]]
    labels: list[int]
    must_keep: list[bool]
    weights: list[float]
    questions: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> str:
        """One JSON line (no trailing newline); non-ASCII text is written as is."""
        d = asdict(self)
        d["words"] = [list(w) for w in self.words]
        return json.dumps(d, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str | dict[str, Any]) -> "Example":
        """Parse and validate one record; raises ``ValueError`` saying what is wrong."""
        d = json.loads(data) if isinstance(data, str) else data
        if not isinstance(d, dict):
            raise ValueError(f"expected a JSON object, got {type(d).__name__}")
        missing = [k for k in _FIELDS if k not in d]
        if missing:
            raise ValueError(f"missing field{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}")
        for k in ("id", "domain", "source", "teacher", "split", "text"):
            if not isinstance(d[k], str):
                raise ValueError(f"field {k!r} must be a string")
        if d["split"] not in SPLITS:
            raise ValueError(f"split must be one of {'|'.join(SPLITS)}, got {d['split']!r}")
        if d["domain"] not in DOMAINS:
            raise ValueError(f"unknown domain {d['domain']!r}")
        n = len(d["words"])
        for k in ("labels", "must_keep", "weights"):
            if not isinstance(d[k], list) or len(d[k]) != n:
                raise ValueError(f"field {k!r} must be a list with one entry per word ({n})")
        if any(lab not in (0, 1) for lab in d["labels"]):
            raise ValueError("labels must be 0 or 1")
        try:
            words = [(int(s), int(e)) for s, e in d["words"]]
        except (TypeError, ValueError):
            raise ValueError("words must be [start, end] pairs") from None
        text = d["text"]
        if any(not (0 <= s < e <= len(text)) for s, e in words):
            raise ValueError("a word span lies outside the text")
        questions = d.get("questions") or []
        if not isinstance(questions, list) or any(
            not isinstance(q, dict) or not isinstance(q.get("q"), str) or not isinstance(q.get("answer"), str)
            for q in questions
        ):
            raise ValueError("questions must be a list of {\"q\": str, \"answer\": str}")
        return cls(
            id=d["id"], domain=d["domain"], source=d["source"], teacher=d["teacher"], split=d["split"],
            text=text, words=words, labels=[int(x) for x in d["labels"]],
            must_keep=[bool(x) for x in d["must_keep"]], weights=[float(x) for x in d["weights"]],
            questions=[{"q": q["q"], "answer": q["answer"]} for q in questions],
        )

    def unweight_dropped(self) -> None:
        """Weigh every dropped word 1.0: a must-keep word a teacher dropped with its line (a line
        domain's, a logged decision's, an evidence label's) is not a must-keep mistake."""
        self.weights = [w if lab else 1.0 for w, lab in zip(self.weights, self.labels)]

    @property
    def keep(self) -> np.ndarray:
        """Labels as a boolean keep mask."""
        return np.asarray(self.labels, dtype=bool)


def make_example(
    text: str,
    labels: Sequence[int] | np.ndarray,
    domain: str,
    teacher: str,
    source: str,
    split: str,
    id: str,
    questions: Iterable[dict[str, str]] = (),
) -> Example:
    """Build an :class:`Example`: words, must-keep flags and weights derived from ``text``."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}")
    starts, ends = word_spans(text)
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    if len(labels) != len(starts):
        raise ValueError(f"{len(labels)} labels for {len(starts)} words")
    must = must_keep_mask(text, starts, ends)
    return Example(
        id=id, domain=domain, source=source, teacher=teacher, split=split, text=text,
        words=list(zip(starts.tolist(), ends.tolist())),
        labels=[int(x != 0) for x in labels],
        must_keep=must.tolist(),
        weights=np.where(must, MUST_KEEP_WEIGHT, 1.0).tolist(),
        questions=[{"q": q["q"], "answer": q["answer"]} for q in questions],
    )


def read_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, Any]]:
    """Yield ``(line number, parsed value)`` of each non-blank line of a JSONL file.

    Raises :class:`DataError` naming ``file:line`` for a line that is not JSON, and
    ``FileNotFoundError`` / ``IsADirectoryError`` for a bad path.
    """
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{lineno}: bad JSON: {e.msg} (column {e.colno})") from None


def read_examples(path: str | os.PathLike) -> Iterator[Example]:
    """Yield the examples of a JSONL file; :class:`DataError` names file:line of a bad line."""
    for lineno, d in read_jsonl(path):
        try:
            yield Example.from_json(d)
        except ValueError as e:
            raise DataError(f"{path}:{lineno}: {e}") from None


def write_examples(path: str | os.PathLike, examples: Iterable[Example]) -> int:
    """Write examples as JSONL (parent folders created); returns how many were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for ex in examples:
            f.write(ex.to_json() + "\n")
            n += 1
    return n
