"""The evaluator's view of a labelled example: an :class:`Item` (spans and labels as arrays),
loaded from a JSONL file of :mod:`kompress.data.schema` examples."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kompress.data.schema import DataError, Example, read_examples


@dataclass
class Item:
    """One labelled example, as the evaluator needs it (spans and labels as arrays)."""

    id: str
    domain: str
    text: str
    word_starts: np.ndarray
    word_ends: np.ndarray
    labels: np.ndarray  # int8 per data word, 1 = keep
    must_keep: np.ndarray  # bool per data word
    questions: list[dict[str, str]] = field(default_factory=list)
    split: str = ""


def to_item(example: Example | dict[str, Any]) -> Item:
    """An :class:`Item` from a :class:`kompress.data.dataset.Example` or a JSONL record (validated)."""
    ex = example if isinstance(example, Example) else Example.from_json(example)
    words = np.asarray(ex.words, dtype=np.int64).reshape(-1, 2)
    return Item(
        id=ex.id, domain=ex.domain, text=ex.text, word_starts=words[:, 0].copy(), word_ends=words[:, 1].copy(),
        labels=np.asarray(ex.labels, dtype=np.int8), must_keep=np.asarray(ex.must_keep, dtype=bool),
        questions=list(ex.questions), split=ex.split,
    )


def load_examples(path: str | os.PathLike, limit: int | None = None) -> list[Item]:
    """Read the first ``limit`` (default all) labelled examples of a JSONL file.

    Raises :class:`kompress.data.dataset.DataError` naming the file (and line) on bad input.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    if p.is_dir():
        raise DataError(f"{p}: is a directory; give a .jsonl file of labelled examples")
    items: list[Item] = []
    try:
        for ex in read_examples(p):
            items.append(to_item(ex))
            if limit is not None and len(items) >= limit:
                break
    except UnicodeDecodeError as e:
        raise DataError(f"{p}: invalid UTF-8 at byte {e.start}") from None
    except OSError as e:
        raise DataError(f"{p}: cannot read: {e.strerror or e}") from None
    if not items:
        raise DataError(f"{p}: no examples")
    return items



def answerable_questions(item: Item) -> list[dict[str, str]]:
    """The item's questions whose answer is in its input (no compression can keep the others)."""
    return [q for q in item.questions if q["answer"] and q["answer"] in item.text]

