"""The seed's silver rule: a verbose answer's word is kept if the compressed answer uses it.

Input: Q&A pair files in the seed author's formats (one JSON object per line):

* the dogfood shape: ``deepseek_response`` (verbose), ``free_response`` (compressed),
  optional ``question``, ``id`` or ``session_id``, ``topic``;
* the exported shape: ``{"text", "reference", "role", "topic", "source"}`` with
  ``text`` the verbose answer and ``reference`` the compressed one.

Pairs are kept when the verbose answer is at least :data:`MIN_CHARS` characters and at
least :data:`MIN_RATIO` times as long as the compressed one (the seed export's filter).

Labelling, per word of the verbose text (a maximal run of non-whitespace, as everywhere
in Kompress): lower-case it, strip surrounding punctuation, keep it (1) if that form is
among the compressed text's words normalised the same way, else drop (0); must-keep
words (:func:`kompress.decision.mustkeep.is_must_keep`) are then forced to 1.

Differences from the seed's scripts, on purpose:

* they matched lower-case *alphabetic runs of >= 3 letters* and kept every token shorter
  than 3 characters unconditionally; we match whole words (the unit the compressor decides
  in), so ``a``/``of``/``is`` are kept only when the compressed text uses them, and words
  like ``x86_64`` or ``--flag`` match as themselves;
* a word that is punctuation only (``-``, ``|``) is compared as is instead of vanishing;
* the must-keep override uses Kompress's pattern (:mod:`kompress.decision.mustkeep`), which also
  covers hex, upper-case dotted names and polarity words.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kompress.data.schema import DataError, read_jsonl
from kompress.decision.mustkeep import must_keep_mask
from kompress.structure.units import word_spans

MIN_CHARS = 80
MIN_RATIO = 1.3
#: Stripped from both ends of a word before comparing (ASCII and common typographic marks).
PUNCT = string.punctuation + "“”‘’«»—–…·"


@dataclass(frozen=True)
class Pair:
    """One verbose/compressed answer pair."""

    id: str
    verbose: str
    compressed: str
    question: str = ""
    topic: str = ""
    source: str = ""


def normalise(word: str) -> str:
    """Lower-case ``word`` with surrounding punctuation stripped (the word itself if all punctuation)."""
    w = word.lower()
    return w.strip(PUNCT) or w


def keep_pair(verbose: str, compressed: str) -> bool:
    """The seed export's filter: verbose >= 80 chars and >= 1.3x the compressed text."""
    return len(verbose) >= MIN_CHARS and len(verbose) >= MIN_RATIO * len(compressed)


def silver_labels(verbose: str, compressed: str, override: bool = True) -> np.ndarray:
    """Per-word keep labels (int8) of ``verbose`` given its compressed version."""
    starts, ends = word_spans(verbose)
    vocab = {normalise(w) for w in compressed.split()}
    keep = np.fromiter((normalise(verbose[s:e]) in vocab for s, e in zip(starts, ends)), dtype=bool, count=len(starts))
    if override:
        keep |= must_keep_mask(verbose, starts, ends)
    return keep.astype(np.int8)


def _pair_from_record(d: dict, path: Path, lineno: int) -> Pair:
    def text_field(key: str) -> str:
        v = d.get(key)
        if not isinstance(v, str):
            raise DataError(f"{path}:{lineno}: field {key!r} must be a string")
        return v

    if "deepseek_response" in d and "free_response" in d:
        verbose, compressed = text_field("deepseek_response"), text_field("free_response")
        pid = d.get("id", d.get("session_id"))
        source = str(d.get("source") or f"pairs:{path.name}")
    elif "text" in d and "reference" in d:
        verbose, compressed = text_field("text"), text_field("reference")
        pid = d.get("id")
        source = str(d.get("source") or f"pairs:{path.name}")
    else:
        raise DataError(
            f"{path}:{lineno}: expected fields 'deepseek_response' + 'free_response' or 'text' + 'reference'"
        )
    return Pair(
        id=str(pid) if pid is not None else f"{path.stem}:{lineno}",
        verbose=verbose,
        compressed=compressed,
        question=str(d.get("question") or ""),
        topic=str(d.get("topic") or ""),
        source=source,
    )


def read_pairs(path: str | os.PathLike) -> tuple[list[Pair], dict[str, int]]:
    """Read a pair file (either shape, mixed is fine) and apply the 80-char / 1.3x filter.

    Returns the kept pairs and counts ``{"read", "kept", "skipped_short", "skipped_ratio"}``.
    Raises :class:`kompress.data.dataset.DataError` naming file:line for a bad line.
    """
    path = Path(path)
    pairs: list[Pair] = []
    stats = {"read": 0, "kept": 0, "skipped_short": 0, "skipped_ratio": 0}
    for lineno, d in read_jsonl(path):
        if not isinstance(d, dict):
            raise DataError(f"{path}:{lineno}: expected a JSON object")
        pair = _pair_from_record(d, path, lineno)
        stats["read"] += 1
        if len(pair.verbose) < MIN_CHARS:
            stats["skipped_short"] += 1
        elif not keep_pair(pair.verbose, pair.compressed):
            stats["skipped_ratio"] += 1
        else:
            pairs.append(pair)
    stats["kept"] = len(pairs)
    return pairs, stats
