"""Lexical match of a query with each line: BM25 (``rank_bm25``) over the lines as documents.

The query companion reads the query through the encoder; exact names (``DB_PORT``,
``parse_header``, a test id) are matched better by counting shared words, so the query
decision fuses both (:mod:`kompress.decision.query`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+")
_EMPTY = "\u2205"  # a line without words is a document of one word no query holds


def tokens(text: str) -> list[str]:
    """Lower-cased ``\\w+`` runs: the words BM25 compares."""
    return [w.lower() for w in _WORD.findall(text)]


def bm25_line_scores(lines: Sequence[str], query: str) -> np.ndarray:
    """BM25 score of every line for ``query`` (zeros when no word of the query occurs)."""
    from rank_bm25 import BM25Okapi

    q = tokens(query)
    if not lines or not q:
        return np.zeros(len(lines), dtype=np.float64)
    docs = [tokens(line) or [_EMPTY] for line in lines]
    return np.asarray(BM25Okapi(docs).get_scores(q), dtype=np.float64)
